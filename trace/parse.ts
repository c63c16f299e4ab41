// Reading traces back: the inverse of trace/print.ts,
// tolerant of what mail and hand-writing do to text.
//
// Mail: quoting of any depth (`> `, `>>`, `> > `, ` > `), CRLF,
// trailing spaces, no-break and other Unicode spaces, double spacing (a
// blank line under every line), prose around a trace, a Markdown code
// fence, a `-- ` signature, and lines re-wrapped
// at any width and quoting depth. A re-wrapped line may land with no
// indent at all, so lines are joined by what they say, not where they
// stand: a line that cannot START an element (the header, `Knobs:`,
// `{`, `}`, a config keyword, `(*`, `Result:`, `Detail:`, a step
// `N actor ...` numbered next, `Link:`, `Reproduce:`) continues the
// element before it; so does any line indented deeper than that
// element's first line (the printer's own folding), unless it starts a
// step. A blank line ends an element, unless its value is still empty,
// or it is a step still short of its `-> return` and the next line goes
// on with its call or return (mail cut the line at its indent, before a
// long URL or call). In `Reproduce:`, a line after one ending in `\`
// continues it whatever it starts with (a word cut at column 0), unless
// it is quoted less deeply (a reply under it).
//
// Hand-writing: the config block (the default world), `Result:` (every
// property is judged), `Detail:` and the trailers may be left out, and
// `?` stands for a return or verdict not known yet.
//
// A text may hold several traces, each from its header line to a blank
// line followed by prose that no later step or trailer of it follows (a
// reply's words before or between the steps are skipped), a signature,
// the next header or the end.
// Anything else wrong is a TraceSyntaxError naming the line of the
// input, as given, and what was expected there.
import { type Knobs, knobOverrides } from '../model/design.js';
import { designs, findDesign } from '../model/designs.js';
import { type Actor, callsNamed, type Names, namesOf } from '../model/calls.js';
import { formatCall } from '../model/format.js';
import {
  type Action,
  type Bound,
  type Config,
  defaultConfig,
  defaultLimits,
  type ExporterConfig,
  type ImporterConfig,
  type Limits,
  limitWords,
  linuxErrnos,
  type Ret,
  type Route,
  type Signal,
} from '../model/vocabulary.js';
import { allLinks, catalogue, findProperty, type Property } from '../properties/catalogue.js';
import type { Verdict } from '../properties/explore.js';
import { COLUMNS_NOTE, unfold } from './layout.js';
import { HEADER_WORD } from './print.js';
import { type StatedRet, type StatedStep, type StatedVerdict, type Trace, UNKNOWN } from './trace.js';

export class TraceSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
  ) {
    super(`${file}:${line}: expected ${expected}`);
    this.name = 'TraceSyntaxError';
  }
}

export interface ParsedTrace {
  readonly trace: Trace;
  /** Input line (1-based, as given) of the header, `Result:` (null without one) and each step's first line. */
  readonly lines: { readonly header: number; readonly result: number | null; readonly steps: readonly number[] };
}

export interface Line {
  /** 1-based line number in the input as given. */
  readonly no: number;
  /** The text with quoting, CR and trailing whitespace removed. */
  readonly text: string;
  /** How deep it was quoted: the `>` marks removed. */
  readonly depth: number;
}

/** A mail body in quoted-printable (lore's raw message): its header says so, or an `=` is written `=3D`. */
const quotedPrintable = (text: string) => /^content-transfer-encoding:[ \t]*quoted-printable[ \t]*$/im.test(text) || text.includes('=3D');

/** One quoted-printable line: `=XX` bytes decoded as UTF-8. */
const decodeQp = (line: string) =>
  Buffer.from(line.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1').toString('utf8');

/**
 * Undo mail: split lines (CRLF, CR or LF), undo quoted-printable (soft
 * breaks joined, each line keeping the number of its first), make
 * Unicode spaces plain, strip `>` quoting of any depth and trailing
 * whitespace, and undo double spacing.
 */
export function unmail(text: string): Line[] {
  const raw = text.split(/\r\n|\r|\n/);
  const qp = quotedPrintable(text);
  const lines: Line[] = [];
  for (let i = 0; i < raw.length; i++) {
    const no = i + 1;
    let line = raw[i]!;
    if (qp) {
      while (line.endsWith('=') && i + 1 < raw.length) line = line.slice(0, -1) + raw[++i];
      line = decodeQp(line);
    }
    // a no-break or other Unicode space (HTML to text, a copy from a web page) is a space
    line = line.replace(/\p{Zs}/gu, ' ');
    // one space may come before a marker (` > `); the printer indents by two or more, so `  >` is text
    const quote = /^(?: ?> ?)*/.exec(line)![0];
    // trimEnd(), not /\s+$/: that regex is quadratic on a long run of inner spaces
    const text = line.slice(quote.length).trimEnd();
    // a Markdown code fence around a pasted trace is a blank line
    lines.push({ no, text: /^\s*(?:```|~~~)[\w-]*$/.test(text) ? '' : text, depth: quote.split('>').length - 1 });
  }
  return singleSpaced(lines);
}

const printedStep = /^\d+\s+[A-Za-z]\w*\s+[a-z_]+\(/;
const printedConfig = /^(?:exporter|importer|iommu|limits)\b/;

/** Two lines the printer always puts one right under the other: steps, config lines, the header and `{`. */
function printedTogether(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  return (
    (printedStep.test(x) && printedStep.test(y)) ||
    ((x === '{' || printedConfig.test(x)) && (printedConfig.test(y) || y === '}')) ||
    (x.startsWith(`${HEADER_WORD} `) && y === '{')
  );
}

/**
 * Undo double spacing (a client that made every line a paragraph, HTML
 * to text): a stretch of lines none of which has another right under
 * it, every run of blank lines between them odd and some three or more
 * (a blank line became three), with two lines the printer keeps
 * together a blank line apart, loses the blank line under each line; a
 * longer run stays one blank line. Prose around it, written without the
 * damage, is left as it is.
 */
function singleSpaced(lines: readonly Line[]): Line[] {
  const text = (i: number) => i >= 0 && i < lines.length && lines[i]!.text !== '';
  const alone = (i: number) => text(i) && !text(i - 1) && !text(i + 1);
  const out: Line[] = [];
  for (let i = 0; i < lines.length; ) {
    if (!alone(i)) {
      out.push(lines[i++]!);
      continue;
    }
    // the stretch: lines alone, from i to last, each run of blanks between them odd
    const stretch = [i];
    let paragraphs = 0;
    let together = false;
    for (let k = i + 1; ; ) {
      let next = k;
      while (next < lines.length && !text(next)) next++;
      const run = next - k;
      if (next === lines.length || !alone(next) || run % 2 === 0) break;
      if (run >= 3) paragraphs++;
      if (run === 1 && printedTogether(lines[k - 1]!.text, lines[next]!.text)) together = true;
      stretch.push(next);
      k = next + 1;
    }
    const last = stretch.at(-1)!;
    if (paragraphs === 0 || !together) {
      for (; i <= last; i++) out.push(lines[i]!);
      continue;
    }
    stretch.forEach((at, j) => {
      if (j > 0 && at - stretch[j - 1]! > 2) out.push(lines[at - 1]!);
      out.push(lines[at]!);
    });
    i = last + 1;
  }
  return out;
}

// --- vocabulary words ----------------------------------------------------

const errnos = new Set(linuxErrnos.map((e) => `-${e}`));
const signals: Record<Signal, true> = { SIGBUS: true, SIGSEGV: true };
/** A refusal at one of the world's limits where the kernel has none: traces of a finite world show it. */
const BOUND: Bound = 'BOUND';
const routes: Record<Route, true> = { 'bus-addr': true, 'host-bridge': true, none: true };

export function parseRet(word: string): Ret | null {
  if (/^(?:0|(?:vma|io|mr|fd|p)(?:0|[1-9]\d*))$/.test(word)) return word as Ret;
  if (errnos.has(word) || Object.hasOwn(signals, word) || word === BOUND) return word as Ret;
  return null;
}

/** What a return may be, for messages. */
export const RETURN_WORDS = '0, vmaN, ioN, mrN, fdN, pN, a Linux errno such as -EREMOTEIO, SIGBUS, SIGSEGV or BOUND';

/**
 * Bounds on what a trace (or a scenario) may ask of the model, so that no
 * input can make replay allocate or run without end: the world of a
 * config, the pages one mmap() may ask for (vma-p2p places any size in
 * RAM), the number of steps, and the length of one step (all its lines).
 */
export const limits = {
  exporters: 8,
  importers: 16,
  pages: 64,
  processes: 16,
  mmapPages: 9999,
  steps: 999,
  stepChars: 1024,
} as const;

const verdictsOf = (p: Property): readonly Verdict[] =>
  p.kind === 'capability' ? ['sometimes', 'never'] : ['holds', 'violated'];

const NAME = '[A-Za-z][A-Za-z0-9_.-]*';
const configKeywords = ['exporter', 'importer', 'iommu', 'limits'];
const num = (s: string) => Number(s);
/** A decimal count (digits already checked) from `min` to `max`; huge ones are out of range, not NaN. */
const countWithin = (digits: string, min: number, max: number) => num(digits) >= min && num(digits) <= max;

// --- calls: the inverse of model/format.ts formatCall, by model/calls.ts ----

const actorWords: Readonly<Record<Actor, string>> = {
  process: 'a process (p0, p1, ...)',
  importer: 'an importer',
  exporter: 'an exporter',
  fault: "'fault'",
};

/** Invert formatCall: the actor and call as printed, names resolved through `config`. */
export function parseCall(actor: string, call: string, config: Config): Action | string {
  const compact = call.replace(/\s+/g, '');
  const m = /^([a-z_]+)\((.*)\)$/.exec(compact);
  if (!m) return `a call 'name(args)', got '${call}'`;
  const [, fn, argText] = m as unknown as [string, string, string];
  const args = argText === '' ? [] : argText.split(',');
  const specs = callsNamed(fn);
  if (specs.length === 0)
    return `a call of the model (such as mmap or ibv_reg_mr; 'p2pmodel list --calls' names them all), got '${call}'`;
  const n = namesOf(config);
  // a process id of more digits than any world has processes is no process, not a number rounded
  const proc = /^p(0|[1-9]\d{0,8})$/.exec(actor);
  const who: Record<Actor, number | null> = {
    process: proc ? Number(proc[1]) : null,
    importer: n.importerId(actor),
    exporter: n.exporterId(actor),
    fault: actor === 'fault' ? 0 : null,
  };
  const kind = specs[0]!.actor;
  const id = who[kind];
  if (id === null) {
    const list = kind === 'importer' ? ` (${names(config.importers)})` : kind === 'exporter' ? ` (${names(config.exporters)})` : '';
    return `${actorWords[kind]}${list} as the actor of ${fn}(), got '${actor}'`;
  }
  const action = specs.map((s) => s.parse(fn, args, n, id)).find((a) => a !== null);
  if (!action) {
    // a device the world does not have, named as such rather than by the call's usage
    const stranger = args.find((a) => /^[a-z]+\d+$/.test(a) && !/^(?:vma|io|mr|fd|a|p)\d+$/.test(a) && n.importerId(a) === null && n.exporterId(a) === null);
    if (stranger !== undefined)
      return `a device of the world (${names([...config.importers, ...config.exporters])}) in ${fn}(), got '${stranger}'`;
    return `${specs.map((s) => s.usage).join(' or ')}, got '${call}'`;
  }
  if (action.kind === 'proc_mmap' && action.pages > limits.mmapPages) return `mmap() of at most ${limits.mmapPages} pages, got ${action.pages}`;
  // The call must be exactly what formatCall prints (modulo spaces), or it is not this action.
  const again = formatCall(action, config);
  if (again.actor !== actor || again.call.replace(/\s+/g, '') !== compact)
    return `the call as p2pmodel prints it: '${again.actor}  ${again.call}', got '${actor}  ${call}'`;
  return action;
}

const indentOf = (text: string) => text.length - text.trimStart().length;

const names = (xs: readonly { readonly name: string }[]) => xs.map((x) => x.name).join(', ') || 'none in the config';

/** A word that can take a step in a world with these names: pN, fault, an importer or an exporter. */
function isActor(word: string, n: Names): boolean {
  return /^p(?:0|[1-9]\d*)$/.test(word) || word === 'fault' || n.importerId(word) !== null || n.exporterId(word) !== null;
}

/** `N actor ...`: a step's first line (without its indent), by number and actor only. */
export const looksLikeStep = (text: string) => /^\d+\s+\S+\s+\S/.test(text);

/**
 * The number of a step `N actor call` (`text` without its indent), or
 * null: the actor is one of the world's (mail may have cut the call off
 * after a long actor column), or the call reads like one (`name(`), so
 * that an unknown actor is named as such.
 */
function stepNumber(text: string, world: Names): number | null {
  const m = /^(\d+)\s+(\S+)(?:\s+(\S+))?/.exec(text);
  return m !== null && (isActor(m[2]!, world) || /^[a-z_]+\(/.test(m[3] ?? '')) ? num(m[1]!) : null;
}

/** Does `text` (no indent) start step `n`: that number, and an actor of the world. */
export const startsStep = (text: string, n: number, world: Names) => stepNumber(text, world) === n;

// --- documents: where each trace or scenario starts and ends ------------

/** The second word of a scenario's header line: `P2P scenario <name>` (scenarios/format.ts). */
export const SCENARIO_WORD = 'scenario';

/** A `-- ` signature line: what follows it is not the trace's. */
const SIGNATURE = '--';

/**
 * A `P2P <design> <preset>` line: its two words. Split, not a regex:
 * `^(\s*)P2P\s+(\S+)\s+(\S+)$` backtracks quadratically on a long line.
 */
function headerWords(text: string): { design: string; preset: string } | null {
  const body = text.trimStart();
  if (!body.startsWith(HEADER_WORD)) return null;
  const words = body.split(/\s+/);
  if (words.length !== 3 || words[0] !== HEADER_WORD) return null;
  return { design: words[1]!, preset: words[2]! };
}

export interface DocumentStart {
  readonly kind: 'trace' | 'scenario';
  /** Index into the lines. */
  readonly at: number;
}

/** Is line `i` a header: `P2P scenario <name>`, or `P2P <design> <preset>` naming a design or followed by a config. */
function headerAt(lines: readonly Line[], i: number): DocumentStart | null {
  const m = headerWords(lines[i]!.text);
  if (!m) return null;
  if (m.design === SCENARIO_WORD) return { kind: 'scenario', at: i };
  if (findDesign(m.design)) return { kind: 'trace', at: i };
  // an unknown design still heads a trace when a trace's body follows, so that the error names it
  for (let k = i + 1; k < lines.length; k++) {
    const t = lines[k]!.text.trimStart();
    if (t === '' || t.startsWith('(*')) continue;
    return /^(?:Knobs:|\{$)/.test(t) ? { kind: 'trace', at: i } : null;
  }
  return null;
}

/** The first trace or scenario at or after line index `from`, or null. */
export function findDocument(lines: readonly Line[], from: number): DocumentStart | null {
  for (let i = from; i < lines.length; i++) {
    const d = headerAt(lines, i);
    if (d) return d;
  }
  return null;
}

/** Where the document starting at `at` must end at the latest: the next signature or header line. */
export function documentEnd(lines: readonly Line[], at: number): number {
  for (let k = at + 1; k < lines.length; k++) if (lines[k]!.text.trim() === SIGNATURE || headerAt(lines, k)) return k;
  return lines.length;
}

/**
 * Every trace and scenario of `lines`, in order, each read by `read`
 * (which says where it ended). Throws TraceSyntaxError for the columns
 * view, and for a text with none.
 */
export function eachDocument<T>(lines: readonly Line[], file: string, read: (d: DocumentStart) => { value: T; next: number }): T[] {
  const out: T[] = [];
  for (let from = 0, d = findDocument(lines, 0); d; d = findDocument(lines, from)) {
    const note = lines.slice(from, d.at).find((l) => l.text.trim() === COLUMNS_NOTE);
    if (note) throw new TraceSyntaxError(file, note.no, "a plain trace, not the columns view (use 'p2pmodel cite' without --columns)");
    const { value, next } = read(d);
    out.push(value);
    from = next;
  }
  if (out.length === 0) noDocument(lines, file);
  return out;
}

/** The text holds no trace: name a header that names no design or no preset, the line where one seems to begin without its header, or line 1. */
function noDocument(lines: readonly Line[], file: string): never {
  const nearHeader = new RegExp(`^${HEADER_WORD}\\s+[a-z]\\S*(?:\\s+\\S+)?$`);
  const near = lines.find((l) => nearHeader.test(l.text));
  if (near) {
    const [, design, preset] = near.text.split(/\s+/) as [string, string, string?];
    const known = findDesign(design);
    if (!known && design !== SCENARIO_WORD) throw new TraceSyntaxError(file, near.no, `a design (one of: ${designs.map((d) => d.id).join(', ')}), got '${design}'`);
    if (known && preset === undefined)
      throw new TraceSyntaxError(file, near.no, `'${HEADER_WORD} ${design} <preset>' (one of: ${known.presets.map((p) => p.name).join(', ')})`);
  }
  // a header behind a quote mark mail readers do not use (`| `, `JG> `): say where it is
  const behindMark = new RegExp(`^\\S.*?\\s?${HEADER_WORD}\\s+(?:${designs.map((d) => d.id).join('|')}|${SCENARIO_WORD})\\s+\\S+$`);
  const marked = lines.find((l) => behindMark.test(l.text));
  if (marked) throw new TraceSyntaxError(file, marked.no, `the '${HEADER_WORD}' header at the start of its line (mail quoting is '>'), got '${marked.text.length > 60 ? `${marked.text.slice(0, 57)}...` : marked.text}'`);
  const hint = lines.find((l) => /^(?:\{$|Knobs:|Result:|Detail:)/.test(l.text.trimStart()));
  throw new TraceSyntaxError(
    file,
    hint?.no ?? 1,
    `a trace starting with a '${HEADER_WORD} <design> <preset>' header line` + (hint ? ' before this line' : ', found none'),
  );
}

// --- the element reader -----------------------------------------------------

/**
 * Whether a line starts an element where the reader stands. `text` is the
 * line without its indent; `deeper` says it is indented deeper than the
 * element it would otherwise continue.
 */
export type Starts = (text: string, deeper: boolean) => boolean;

const isCommentStart = (text: string) => /^\(\*(?:\s|$)/.test(text.trimStart());

/** The line number an error at the end of `lines` names: the line after the last. */
const eofLine = (lines: readonly Line[]) => (lines.at(-1)?.no ?? 0) + (lines.at(-1)?.text === '' ? 0 : 1);

export interface ElementOptions {
  /** Stop joining once the value reads complete (a step's `-> ret`); it is asked at every line, so bound the element. */
  readonly complete?: (value: string) => boolean;
  /** At most `chars` characters in all (and `lines` lines), else fail expecting `expected`. */
  readonly bound?: { readonly chars: number; readonly lines?: number; readonly expected: string };
  /** A line that, after blank lines, still carries on the incomplete value (mail cut it at its indent). */
  readonly resumes?: (text: string) => boolean;
  /** A line after one ending in a backslash continues the value whatever it starts with (the shell-style command, cut at column 0), unless quoted less deeply than it (a reply under a quoted cut). */
  readonly cutsContinue?: boolean;
  /** Whether a line that starts nothing carries the value on; without it, every such line does (mail cut the value). */
  readonly carries?: (value: string, next: string) => boolean;
  /** Whether a carried line joins the value without a space: one word mail cut in two. */
  readonly glues?: (value: string, next: string) => boolean;
}

/** Reads one document element by element, from `start` up to (not including) `end`. */
export class Reader {
  private i: number;

  constructor(
    private readonly lines: readonly Line[],
    start: number,
    private readonly end: number,
    readonly file: string,
  ) {
    this.i = start;
  }

  /** Index of the current line: where the document stopped, once it is read. */
  get at(): number {
    return this.i;
  }

  peek(): Line | undefined {
    return this.i < this.end ? this.lines[this.i] : undefined;
  }

  next(): Line | undefined {
    const l = this.peek();
    if (l) this.i++;
    return l;
  }

  /** Throw a TraceSyntaxError at line `at` (default: the current one); `end` or no line left: where the document ends. */
  fail(expected: string, at?: Line | 'end'): never {
    const line = at === 'end' ? undefined : (at ?? this.peek());
    if (line) throw new TraceSyntaxError(this.file, line.no, expected);
    const stop = this.lines[this.end];
    const got = !stop ? 'end of input' : stop.text.trim() === SIGNATURE ? 'the signature' : 'the next header';
    throw new TraceSyntaxError(this.file, stop?.no ?? eofLine(this.lines), `${expected}, got ${got}`);
  }

  blank(): void {
    while (this.peek()?.text === '') this.i++;
  }

  /** Nothing but blank lines from here to where the document ends. */
  private blankToEnd(): boolean {
    for (let k = this.i; k < this.end; k++) if (this.lines[k]!.text !== '') return false;
    return true;
  }

  /**
   * The `(* ... *)` comment at the current line, unfolded, marks
   * included. It runs to the line holding `*)`; a blank line or a line
   * `starts` claims before that means it was never closed.
   */
  comment(starts: Starts): { text: string; line: Line } | undefined {
    const first = this.peek();
    if (!first || !isCommentStart(first.text)) return undefined;
    const indent = indentOf(first.text);
    const segments: string[] = [];
    for (;;) {
      const l = this.peek();
      const continues = l === first || (l !== undefined && l.text !== '' && (indentOf(l.text) > indent || !starts(l.text.trimStart(), false)));
      if (!continues) this.fail(`'*)' closing the comment opened on line ${first.no}`, this.blankToEnd() ? 'end' : first);
      this.i++;
      segments.push(l.text.trim());
      if (l.text.includes('*)')) break;
    }
    return { text: unfold(segments), line: first };
  }

  /**
   * Past a reply's words: find the first line from here on (to where the
   * document ends) that `candidate` claims, and move there if `wanted`
   * accepts it too; false, staying put, if it does not or none is found.
   */
  resume(candidate: (text: string, line: Line) => boolean, wanted: (text: string, line: Line) => boolean = candidate): boolean {
    for (let k = this.i; k < this.end; k++) {
      const l = this.lines[k]!;
      const text = l.text.trimStart();
      if (!candidate(text, l)) continue;
      if (!wanted(text, l)) return false;
      this.i = k;
      return true;
    }
    return false;
  }

  /** Blank lines and comments. */
  skip(starts: Starts): void {
    for (this.blank(); this.comment(starts); this.blank());
  }

  /**
   * Where an element goes on: the current line, or past blank lines if
   * its value is still empty or the line after them `resumes` it (mail
   * cut the line at an indent: before a long URL, or a step's call still
   * short of its return).
   */
  private continuation(empty: boolean, resumes?: (text: string) => boolean): number {
    let k = this.i;
    while (k < this.end && this.lines[k]!.text === '') k++;
    if (k === this.i || empty || (k < this.end && resumes?.(this.lines[k]!.text.trimStart()))) return k;
    return this.i;
  }

  /**
   * The element at the current line: its text after `label`, and every
   * line that continues it (see the top of this file), joined by
   * layout.ts unfold().
   */
  element(label: string, starts: Starts, opts: ElementOptions = {}): { value: string; line: Line } {
    const line = this.next()!;
    const body = line.text.trimStart();
    const indent = line.text.length - body.length;
    const segments = [body.slice(label.length).trim()];
    let length = segments[0]!.length;
    let depth = line.depth;
    for (;;) {
      if (opts.bound && (length > opts.bound.chars || segments.length > (opts.bound.lines ?? Number.POSITIVE_INFINITY))) this.fail(opts.bound.expected, line);
      if (opts.complete?.(unfold(segments))) break;
      const k = this.continuation(length === 0, opts.resumes);
      const l = k < this.end ? this.lines[k] : undefined;
      if (!l || l.text === '') break;
      const text = l.text.trimStart();
      const cutHere = opts.cutsContinue === true && segments.at(-1)!.endsWith('\\');
      // quoted less deeply than the line it would continue, it is a reply written under a quoted cut
      const cut = cutHere && l.depth >= depth;
      const value = opts.carries || opts.glues ? unfold(segments) : '';
      if (!cut && (starts(text, l.text.length - text.length > indent) || (opts.carries && !opts.carries(value, text)))) {
        // the cut's rest was left out of the quote: it continues nothing
        if (cutHere) segments[segments.length - 1] = segments.at(-1)!.replace(/\s*\\$/, '');
        break;
      }
      this.i = k + 1;
      depth = l.depth;
      // a value ending in `\` is the printer's own cut, which unfold() joins
      if (!cut && !value.endsWith('\\') && opts.glues?.(value, text)) segments[segments.length - 1] += text;
      else segments.push(text);
      length += text.length;
    }
    return { value: unfold(segments), line };
  }
}

// --- traces ---------------------------------------------------------------

export interface ReadOptions {
  /** Read every step in this world instead of the trace's own (`--world`). */
  readonly world?: Config;
}

const traceLabels = /^(?:Knobs:|Result:|Detail:|Link:|Reproduce:|\{$)/;

/** The links the catalogue, the knobs and the presets cite: one of them whole is not cut, whatever follows it (a sign-off). */
const knownLinks = new Set([
  ...catalogue.flatMap(allLinks),
  ...designs.flatMap((d) => [...d.knobs, ...d.presets].flatMap((k) => k.cite.match(/https?:\/\/[^\s();,]+/g) ?? [])),
]);
/** A bare URL mail cut in two (only a long line is cut): the rest is one word, of one character only if it completes a known link. */
export const urlCut = (value: string, next: string) =>
  /^https?:\/\/\S{32,}$/.test(value) && !knownLinks.has(value) && (knownLinks.has(value + next) || /^\S+[^\s,.!]$/.test(next));
/** A Link: still short of its value, of the end of a commit's subject, or of a URL's tail: else the line is a reply's. */
export const linkGoesOn = (value: string, next: string) =>
  value === '' || urlCut(value, next) || (/^commit \S+ \(/.test(value) && !value.endsWith(')')) || !/^(?:https?:\/\/\S+|commit \S+ \(.*\))$/.test(value);
/** One word of a command mail cut in two: a `--path` at a colon, a file name after a hyphen. */
const wordCut = (value: string, next: string) => value.endsWith(':') || (/[^\s-]-$/.test(value) && /^[^\s-]\S*$/.test(next));
/** The CLI's options that take a value (a test holds this to the commands' own definitions). */
export const valueOptions = ['design', 'preset', 'knob', 'world', 'depth', 'max-states', 'property', 'seed', 'path', 'runs', 'scenarios'] as const;
const endsAwaitingValue = new RegExp(`(?:^|\\s)--(?:${valueOptions.join('|')})$`);
/** A command still short of a subcommand or of an option's value, or carried on by an option or its cut `\`: else the line is a reply's. */
const commandGoesOn = (value: string, next: string) =>
  next.startsWith('--') || next === '\\' || wordCut(value, next) || !/^(?:npx )?p2pmodel \S/.test(value) || endsAwaitingValue.test(value);
const trailerLabel = /^(?:Link|Reproduce):/;
/** A trailer's bound: each line joined reads the value again, so an endless one would take quadratic time. */
export const trailerBound = (label: string) => ({ chars: 4096, lines: 64, expected: `a ${label} trailer within 64 lines and 4096 characters` });

/** Every trace in `text`, in order; throws TraceSyntaxError naming the line. */
export function parseTraces(text: string, file = '<input>', opts: ReadOptions = {}): ParsedTrace[] {
  const lines = unmail(text);
  return eachDocument(lines, file, (d) => {
    if (d.kind === 'scenario') throw new TraceSyntaxError(file, lines[d.at]!.no, `a trace, not a scenario (p2pmodel replay reads both)`);
    const { parsed, next } = parseTraceAt(lines, d.at, file, opts);
    return { value: parsed, next };
  });
}

/** The first trace in `text`. */
export function parseTraceDetailed(text: string, file = '<input>', opts: ReadOptions = {}): ParsedTrace {
  return parseTraces(text, file, opts)[0]!;
}

/** Parse a trace; throws TraceSyntaxError naming the line. */
export function parseTrace(text: string, file = '<input>'): Trace {
  return parseTraceDetailed(text, file).trace;
}

/** The trace whose header is line index `at`; `next` is the index of the first line after it. */
export function parseTraceAt(lines: readonly Line[], at: number, file: string, opts: ReadOptions = {}): { parsed: ParsedTrace; next: number } {
  const r: Reader = new Reader(lines, at, documentEnd(lines, at), file);
  const headerLine = r.next()!;
  const { design: designId, preset: presetName } = headerWords(headerLine.text)!;
  const design = findDesign(designId);
  if (!design) r.fail(`a design (one of: ${designs.map((d) => d.id).join(', ')}), got '${designId}'`, headerLine);
  const preset = design.presets.find((p) => p.name === presetName);
  if (!preset)
    r.fail(`a preset of ${design.id} (one of: ${design.presets.map((p) => p.name).join(', ')}), got '${presetName}'`, headerLine);

  let config = opts.world ?? defaultConfig;
  let world = namesOf(config);
  let n = 1; // the number of the next step
  const starts: Starts = (t, deeper) => startsStep(t, n, world) || (!deeper && (traceLabels.test(t) || isCommentStart(t)));
  // what may still come before step 1, for the message when something else does
  const ahead = ['Knobs:', "'{'", 'Result:', 'Detail:'];
  const expectedHere = () => [...ahead, `step 1 ('1  <actor>  <call>  -> <return value>')`].join(', ').replace(/, (?=[^,]*$)/, ' or ');
  const take = (what: string) => ahead.splice(0, ahead.indexOf(what) + 1);
  /** Something a trace goes on with: a numbered step (in turn or not), a label, a comment. */
  const element = (t: string) => stepNumber(t, world) !== null || traceLabels.test(t) || isCommentStart(t);
  const comes = (label: string) => {
    r.skip(starts);
    // a reply's words before step 1 (under the header, the config, the comment or Result:): on to what
    // the trace goes on with, if that is step 1 or what may still come before it
    const here = r.peek()?.text.trimStart();
    const before = (t: string) => startsStep(t, n, world) || isCommentStart(t) || (!trailerLabel.test(t) && traceLabels.test(t));
    if (here !== undefined && !element(here) && r.resume(element, before)) r.skip(starts);
    return r.peek()?.text.trimStart().startsWith(label) === true;
  };

  let overrides: Knobs = {};
  if (comes('Knobs:')) {
    take('Knobs:');
    const { value, line } = r.element('Knobs:', starts);
    overrides = knobOverrides(design, value.split(/\s+/).filter(Boolean), (e) => r.fail(e, line));
  }

  if (comes('{') && r.peek()!.text.trim() === '{') {
    take("'{'");
    const block = readConfig(r, (t) => traceLabels.test(t) || isCommentStart(t));
    if (!opts.world) {
      config = block;
      world = namesOf(config);
    }
  }

  let result: { property: Property; verdict: StatedVerdict; line: Line } | undefined;
  if (comes('Result:')) {
    take('Result:');
    const { value, line } = r.element('Result:', starts);
    result = { ...parseResult(value, (e) => r.fail(e, line)), line };
  }

  let detail = '';
  if (comes('Detail:')) {
    take('Detail:');
    detail = r.element('Detail:', starts).value;
  }

  const steps: StatedStep[] = [];
  const stepLineNos: number[] = [];
  for (;;) {
    r.skip(starts);
    const l = r.peek();
    const here = l?.text.trimStart();
    if (!l || here === undefined) break;
    if (!startsStep(here, n, world)) {
      // a step numbered out of turn is a mistake, not prose
      if (stepNumber(here, world) !== null) r.fail(expectedStep(n, here, afterSteps));
      // a reply's words before or between the steps (after a blank line): on to the next numbered step or
      // trailer, if that is the next step or (after a step) a trailer; a step out of turn ends the trace
      const words = !traceLabels.test(here) && !isCommentStart(here);
      const onward = (t: string) => stepNumber(t, world) !== null || trailerLabel.test(t);
      if (words && r.resume(onward, (t) => startsStep(t, n, world) || (steps.length > 0 && trailerLabel.test(t)))) continue;
      break;
    }
    if (n > limits.steps) r.fail(`at most ${limits.steps} steps, then a Link:/Reproduce: trailer`);
    // from here on `starts` looks for the step after this one
    steps.push(parseStep(r, n++, config, starts));
    stepLineNos.push(l.no);
    // a complete step has no continuation: a line right after it that starts nothing is not mail damage,
    // but quoted less deeply it is a reply written under the quoted step: the trace goes on at the next
    // step or trailer quoted as deep as this step, and ends there if none follows
    const after = r.peek();
    if (after && after.text !== '' && !starts(after.text.trimStart(), false)) {
      if (after.depth >= l.depth) r.fail(expectedStep(n, after.text.trimStart(), afterSteps));
      const quoted = (t: string, line: Line) => line.depth >= l.depth && element(t);
      if (!r.resume(quoted, (t) => startsStep(t, n, world) || trailerLabel.test(t))) break;
    }
  }
  if (steps.length === 0) r.fail(expectedHere());

  // trailers, then the trace ends at anything else
  const links: string[] = [];
  let command: string | undefined;
  for (;;) {
    r.skip(starts);
    const l = r.peek();
    const t = l?.text.trimStart() ?? '';
    if (!l || !traceLabels.test(t)) break;
    if (!trailerLabel.test(t)) r.fail(`a Link: or Reproduce: trailer after the steps, or a blank line and prose`);
    if (t.startsWith('Link:')) links.push(r.element('Link:', starts, { carries: linkGoesOn, glues: urlCut, bound: trailerBound('Link:') }).value);
    else if (command === undefined)
      command = r.element('Reproduce:', starts, { cutsContinue: true, carries: commandGoesOn, glues: wordCut, bound: trailerBound('Reproduce:') }).value;
    else r.fail('one Reproduce: trailer, got a second');
  }

  const trace: Trace = {
    design: design.id,
    preset: preset.name,
    overrides,
    config,
    ...(result ? { property: result.property.id, verdict: result.verdict } : {}),
    detail,
    steps,
    links,
    command: command ?? '',
  };
  return {
    parsed: { trace, lines: { header: headerLine.no, result: result?.line.no ?? null, steps: stepLineNos } },
    next: r.at,
  };
}

/** What `text`, in the place of step `n`, should have been: that step, or `otherwise`. */
export function expectedStep(n: number, text: string, otherwise: string): string {
  const m = /^(\d+)\s/.exec(text);
  return m && looksLikeStep(text) ? `step ${n}, got step ${m[1]}` : `step ${n}, ${otherwise}`;
}

const afterSteps = 'a Link:/Reproduce: trailer or a blank line';

/** `<property> <verdict> (<kind>)`; the verdict may be `?` or left out. */
function parseResult(value: string, fail: (expected: string) => never): { property: Property; verdict: StatedVerdict } {
  const words = value.split(/\s+/).filter(Boolean);
  const kindWord = words.length > 1 && /^\(.*\)$/.test(words.at(-1)!) ? words.pop()! : undefined;
  if (words.length < 1 || words.length > 2) fail(`'Result: <property> <verdict> (<kind>)'`);
  const property = findProperty(words[0]!);
  if (!property) fail(`a property id (see 'p2pmodel list'), got '${words[0]}'`);
  if (kindWord !== undefined && kindWord !== `(${property.kind})`)
    fail(`the kind of ${property.id}, '(${property.kind})', got '${kindWord}'`);
  const verdict = words[1] ?? UNKNOWN;
  if (verdict !== UNKNOWN && !verdictsOf(property).includes(verdict as Verdict))
    fail(`a verdict of a ${property.kind} property (${verdictsOf(property).join(' or ')}), got '${verdict}'`);
  return { property, verdict: verdict as StatedVerdict };
}

const stepComplete = (value: string) => /->\s*\S+$/.test(value);

function parseStep(r: Reader, n: number, config: Config, starts: Starts): StatedStep {
  const { value, line } = r.element('', starts, {
    complete: stepComplete,
    resumes: (text) => /^(?:->|[a-z_]+\()/.test(text),
    bound: { chars: limits.stepChars, expected: `step ${n} within ${limits.stepChars} characters` },
  });
  if (!stepComplete(value)) r.fail(`'-> <return value>' ending step ${n}`, line);
  const m = /^(\S+)\s+(\S+)\s+(.*?)\s*->\s*(\S+)$/.exec(value);
  if (!m) r.fail(`step ${n} as '${n}  <actor>  <call>  -> <return value>'`, line);
  const [, , actor, call, retText] = m as unknown as [string, string, string, string, string];
  const action = parseCall(actor, call, config);
  if (typeof action === 'string') r.fail(action, line);
  const ret: StatedRet | null = retText === UNKNOWN ? UNKNOWN : parseRet(retText);
  if (ret === null) r.fail(`a return value (${RETURN_WORDS}; ? if unknown), got '${retText}'`, line);
  return { action, ret };
}

// --- the config block -------------------------------------------------------

/**
 * The `{ ... }` config block at the current line (scenarios/ reads it
 * too). A statement starts with a config keyword; any other line
 * continues the one before, unless it reads like a statement of its own
 * (`word name:`) or `outside` claims it for the enclosing format (the
 * block was never closed).
 */
export function readConfig(r: Reader, outside: (text: string) => boolean): Config {
  const open = r.next()!;
  const statements: { line: Line; segments: string[]; lastLine: number }[] = [];
  let close: Line;
  for (;;) {
    const l = r.peek();
    const t = l?.text.trim();
    if (t === undefined || outside(t)) r.fail(`'}' closing the config opened on line ${open.no}`);
    r.next();
    if (t === '}') {
      close = l!;
      break;
    }
    if (t === '') continue;
    const last = statements.at(-1);
    const indent = indentOf(l!.text);
    // mail leaves the rest of a cut line unindented, an editor's fill at the statements' indent:
    // a line indented so that reads as a statement (`word:` or `word word:`) is one
    const asStatement = last !== undefined && indent > 0 && indent === indentOf(last.line.text) && /^[A-Za-z][\w.-]*(?:\s+\S+)?\s*:/.test(t);
    if (configKeywords.includes(t.split(/[\s:;]/)[0]!)) statements.push({ line: l!, segments: [t], lastLine: l!.no });
    else if (last && !asStatement && (indent > indentOf(last.line.text) || !/^[A-Za-z][\w.-]*\s+\S+\s*:/.test(t))) {
      last.segments.push(t);
      last.lastLine = l!.no;
    } else r.fail(`an exporter, importer, iommu or limits line, or '}', got '${t}'`, l);
  }
  const exporters: ExporterConfig[] = [];
  const importers: { text: string; fail: (expected: string) => never }[] = [];
  let world: { iommu: boolean; processes: number } | undefined;
  let worldLimits: Limits | undefined;
  for (const { line, segments, lastLine } of statements) {
    const text = unfold(segments);
    const fail: (expected: string) => never = failAt(r, line, lastLine);
    const kw = text.split(/[\s:;]/)[0];
    if (kw === 'exporter') {
      const m = new RegExp(`^exporter\\s+(${NAME})\\s*:\\s*(\\d+)\\s+pages?$`).exec(text);
      if (!m) fail(`'exporter <name>: <n> pages', got '${text}'`);
      if (!countWithin(m[2]!, 1, limits.pages)) fail(`an exporter of 1 to ${limits.pages} pages, got ${m[2]}`);
      if (configKeywords.includes(m[1]!)) fail(`an exporter name other than '${m[1]}'`);
      if (exporters.some((e) => e.name === m[1])) fail(`a new exporter name, got '${m[1]}' twice`);
      if (exporters.length === limits.exporters) fail(`at most ${limits.exporters} exporters`);
      exporters.push({ name: m[1]!, pages: num(m[2]!) });
    } else if (kw === 'importer') importers.push({ text, fail });
    else if (kw === 'limits') {
      if (worldLimits) fail(`one limits line, got a second`);
      worldLimits = parseLimits(text, fail);
    } else {
      const m = /^iommu\s+(on|off)\s*;\s*(\d+)\s+process(?:es)?$/.exec(text);
      if (!m) fail(`'iommu on|off; <n> processes', got '${text}'`);
      // p0 runs from the start: a world without a process could never take a step
      if (!countWithin(m[2]!, 1, limits.processes)) fail(`1 to ${limits.processes} processes, got ${m[2]}`);
      if (world) fail(`one iommu line, got a second`);
      world = { iommu: m[1] === 'on', processes: num(m[2]!) };
    }
  }
  if (exporters.length === 0) r.fail(`an 'exporter <name>: <n> pages' line before '}': every world has an exporter`, close);
  const parsedImporters: ImporterConfig[] = [];
  const routeTable: Route[][] = [];
  for (const importer of importers) {
    const { text } = importer;
    const fail: (expected: string) => never = importer.fail;
    const m = new RegExp(`^importer\\s+(${NAME})\\s*:\\s*(nvme|rdma)\\s+([a-z0-9-]+)\\s*(?:;\\s*route\\s+(.*))?$`).exec(text);
    if (!m) fail(`'importer <name>: nvme p2pdma|no-p2pdma|rdma odp|no-odp; route <exporter> <route>, ...', got '${text}'`);
    const [, name, kind, quality, routeText] = m as unknown as [string, string, 'nvme' | 'rdma', string, string | undefined];
    if (parsedImporters.some((i) => i.name === name)) fail(`a new importer name, got '${name}' twice`);
    if (parsedImporters.length === limits.importers) fail(`at most ${limits.importers} importers`);
    const qualities = kind === 'nvme' ? ['p2pdma', 'no-p2pdma'] : ['odp', 'no-odp'];
    if (!qualities.includes(quality)) fail(`${kind} ${qualities.join(' or ')}, got '${kind} ${quality}'`);
    parsedImporters.push(
      kind === 'nvme' ? { kind, name, p2pQueue: quality === 'p2pdma' } : { kind, name, odp: quality === 'odp' },
    );
    const row: (Route | undefined)[] = exporters.map(() => undefined);
    // split(',') and trim, not split(/\s*,\s*/): that regex is quadratic on a run of spaces
    const entries = routeText === undefined ? [] : routeText.split(',').map((e) => e.trim());
    for (const entry of entries) {
      const rm = /^(\S+)\s+(\S+)$/.exec(entry);
      const x = rm ? exporters.findIndex((e) => e.name === rm[1]) : -1;
      if (!rm || x < 0) fail(`a route '<exporter> bus-addr|host-bridge|none' (exporters: ${names(exporters)}), got '${entry}'`);
      if (!Object.hasOwn(routes, rm[2]!)) fail(`a route bus-addr, host-bridge or none, got '${rm[2]}'`);
      if (row[x] !== undefined) fail(`one route to ${rm[1]}, got two`);
      row[x] = rm[2] as Route;
    }
    const missing = exporters.findIndex((_, x) => row[x] === undefined);
    if (missing >= 0) fail(`a route from ${name} to ${exporters[missing]!.name} ('; route ${exporters[missing]!.name} bus-addr|host-bridge|none')`);
    routeTable.push(row as Route[]);
  }
  if (!world) r.fail(`an 'iommu on|off; <n> processes' line before '}'`, close);
  return {
    exporters,
    importers: parsedImporters,
    routes: routeTable,
    iommu: world.iommu,
    processes: world.processes,
    limits: worldLimits ?? defaultLimits,
  };
}

/** r.fail() at a statement's first line; one that runs on over more lines says which lines were read as one. */
function failAt(r: Reader, line: Line, lastLine: number): (expected: string) => never {
  return (expected) => r.fail(lastLine === line.no ? expected : `${expected} (lines ${line.no}-${lastLine} read as one statement)`, line);
}

/** `limits: 1 vma, 1 mr, 1 bio, 2 allocations, 1 fault`: any of them, each once; the rest keep their defaults. */
function parseLimits(text: string, fail: (expected: string) => never): Limits {
  const words = limitWords.map((w) => `<n> ${w.many}`).join(', ');
  const body = /^limits\s*:\s*(.*)$/.exec(text);
  if (!body) fail(`'limits: ${words}', got '${text}'`);
  const set: Record<string, number> = { ...defaultLimits };
  const seen = new Set<string>();
  for (const item of body[1]!.split(',').map((x) => x.trim())) {
    const m = /^(\d+)\s+([a-z]+)$/.exec(item);
    const word = m && limitWords.find((w) => w.one === m[2] || w.many === m[2]);
    if (!m || !word) fail(`a limit '<n> ${limitWords.map((w) => w.one).join('|')}', got '${item}'`);
    if (seen.has(word.limit)) fail(`each limit once, got ${word.many} twice`);
    seen.add(word.limit);
    if (!countWithin(m[1]!, word.min, word.max)) fail(`${word.min} to ${word.max} ${word.many}, got ${m[1]}`);
    set[word.limit] = num(m[1]!);
  }
  return set as unknown as Limits;
}

/**
 * A world file's text (worlds/): comments, one `{ ... }` block, nothing
 * after it. Throws TraceSyntaxError naming the line.
 */
export function parseConfigBlock(lines: readonly Line[], file: string): Config {
  const r: Reader = new Reader(lines, 0, lines.length, file);
  const none: Starts = () => false;
  r.skip(none);
  if (r.peek()?.text.trim() !== '{') r.fail(`'{' opening the config`);
  const config = readConfig(r, () => false);
  r.skip(none);
  if (r.peek()) r.fail(`nothing after the config block's '}'`);
  return config;
}
