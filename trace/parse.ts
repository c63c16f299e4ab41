// Reading a trace back (DESIGN.md §5): the inverse of trace/print.ts,
// tolerant of what mail does to text. Quoting of any depth (`> `, `>>`,
// `> > `), CRLF, trailing spaces, prose before the trace (the header
// line `P2P <design> <preset>` marks its start) and anything after its
// last trailer (`Reproduce:`) or after a `-- ` signature line are all
// accepted. Anything else wrong is a TraceSyntaxError naming the line of
// the input, as given, and what was expected there.
import type { Design, Knobs } from '../model/design.js';
import { designs, findDesign } from '../model/designs.js';
import { type Actor, callsNamed, namesOf } from '../model/calls.js';
import { formatCall } from '../model/format.js';
import {
  type Action,
  type Bound,
  type Config,
  defaultLimits,
  type ExporterConfig,
  type ImporterConfig,
  type Limits,
  limitWords,
  linuxErrnos,
  type Ret,
  type Route,
  type Signal,
  type TraceStep,
} from '../model/vocabulary.js';
import { findProperty, type Property } from '../properties/catalogue.js';
import type { Verdict } from '../properties/explore.js';
import { COLUMNS_NOTE, unfold } from './layout.js';
import { HEADER_WORD } from './print.js';
import type { Trace } from './trace.js';

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
  /** Input line (1-based, as given) of the header, `Result:` and each step's first line. */
  readonly lines: { readonly header: number; readonly result: number; readonly steps: readonly number[] };
}

export interface Line {
  /** 1-based line number in the input as given. */
  readonly no: number;
  /** The text with quoting, CR and trailing whitespace removed. */
  readonly text: string;
}

/** Undo mail: split lines (CRLF, CR or LF), strip `>` quoting of any depth and trailing whitespace. */
export function unmail(text: string): Line[] {
  return text.split(/\r\n|\r|\n/).map((raw, i) => ({
    no: i + 1,
    // trimEnd(), not /\s+$/: that regex is quadratic on a long run of inner spaces
    text: raw.replace(/^(?:> ?)*/, '').trimEnd(),
  }));
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
const inRange = (digits: string, min: number, max: number) => num(digits) >= min && num(digits) <= max;

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
    return `a call of the model (such as mmap or ibv_reg_mr; 'p2pmodel list --calls' names them all), got '${fn}()'`;
  const n = namesOf(config);
  const proc = /^p(0|[1-9]\d*)$/.exec(actor);
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
  if (!action) return `${specs.map((s) => s.usage).join(' or ')}, got '${call}'`;
  if (action.kind === 'proc_mmap' && action.pages > limits.mmapPages) return `mmap() of at most ${limits.mmapPages} pages, got ${action.pages}`;
  // The call must be exactly what formatCall prints (modulo spaces), or it is not this action.
  const again = formatCall(action, config);
  if (again.actor !== actor || again.call.replace(/\s+/g, '') !== compact)
    return `the call as p2pmodel prints it: '${again.actor}  ${again.call}', got '${actor}  ${call}'`;
  return action;
}

const indentOf = (text: string) => text.length - text.trimStart().length;

const names = (xs: readonly { readonly name: string }[]) => xs.map((x) => x.name).join(', ') || 'none in the config';

// --- the parser ----------------------------------------------------------

class Reader {
  private i: number;
  /** Where input ends: a `-- ` signature line, or past the last line. */
  private readonly end: number;
  readonly eofLine: number;

  constructor(
    private readonly lines: readonly Line[],
    start: number,
    readonly file: string,
  ) {
    this.i = start;
    const sig = lines.findIndex((l, k) => k > start && l.text === '--');
    this.end = sig < 0 ? lines.length : sig;
    this.eofLine = sig < 0 ? lines.length + (lines.at(-1)?.text === '' ? 0 : 1) : lines[sig]!.no;
  }

  peek(): Line | undefined {
    return this.i < this.end ? this.lines[this.i] : undefined;
  }

  next(): Line | undefined {
    const l = this.peek();
    if (l) this.i++;
    return l;
  }

  fail(expected: string, at?: Line): never {
    const line = at ?? this.peek();
    const got = line ? '' : this.i < this.lines.length ? ', got the signature' : ', got end of input';
    throw new TraceSyntaxError(this.file, line?.no ?? this.eofLine, expected + got);
  }

  /** Blank lines and `(* ... *)` comments. */
  skip(): void {
    for (;;) {
      const l = this.peek();
      if (l?.text.trim() === '') this.i++;
      else if (l?.text.trimStart().startsWith('(*')) {
        for (;;) {
          const c = this.next();
          if (!c) this.fail(`'*)' closing the comment opened on line ${l.no}`);
          if (c.text.includes('*)')) break;
        }
      } else return;
    }
  }

  /** `Label: value` and its continuation lines (indented; for `shell`, only after a line ending in `\`). */
  field(label: string, what: string, shell = false): { value: string; line: Line } {
    const line = this.peek();
    if (!line?.text.startsWith(label)) this.fail(`${label} ${what}`);
    this.i++;
    const segments = [line.text.slice(label.length).trim()];
    for (;;) {
      const l = this.peek();
      if (!l || !/^\s+\S/.test(l.text)) break;
      if (shell && !segments.at(-1)!.endsWith('\\')) break;
      segments.push(l.text.trim());
      this.i++;
    }
    return { value: unfold(segments), line };
  }
}

/**
 * A `P2P <design> <preset>` line: its indent and two words. Split, not a
 * regex: `^(\s*)P2P\s+(\S+)\s+(\S+)$` backtracks quadratically on a long line.
 */
function headerWords(text: string): { indent: string; design: string; preset: string } | null {
  const body = text.trimStart();
  if (!body.startsWith(HEADER_WORD)) return null;
  const words = body.split(/\s+/);
  if (words.length !== 3 || words[0] !== HEADER_WORD) return null;
  return { indent: text.slice(0, text.length - body.length), design: words[1]!, preset: words[2]! };
}

/** Where the trace starts: a `P2P <design> <preset>` line naming a design or followed by its body. */
function findHeader(lines: readonly Line[], file: string): number {
  for (let i = 0; i < lines.length; i++) {
    const m = headerWords(lines[i]!.text);
    if (!m) continue;
    if (findDesign(m.design)) return i;
    const following = lines.slice(i + 1).find((l) => l.text.trim() !== '' && !l.text.trimStart().startsWith('(*'));
    if (following?.text.startsWith(m.indent) && /^(?:Knobs:|\{$)/.test(following.text.slice(m.indent.length))) return i;
  }
  const hint = lines.find((l) => /^(?:\{$|Knobs:|Result:|Detail:)/.test(l.text));
  throw new TraceSyntaxError(
    file,
    hint?.no ?? 1,
    `a trace starting with a '${HEADER_WORD} <design> <preset>' header line` +
      (hint ? ' before this line' : ', found none'),
  );
}

export function parseTraceDetailed(text: string, file = '<input>'): ParsedTrace {
  const mailed = unmail(text);
  const start = findHeader(mailed, file);
  // A trace indented as a whole (a code block in a mail or a web page) is read without that indent.
  const indent = /^\s*/.exec(mailed[start]!.text)![0];
  const lines = mailed.map((l, i) =>
    i >= start && l.text.startsWith(indent) ? { no: l.no, text: l.text.slice(indent.length) } : l,
  );
  const note = lines.slice(0, start).find((l) => l.text === COLUMNS_NOTE);
  if (note)
    throw new TraceSyntaxError(file, note.no, "a plain trace, not the columns view (use 'p2pmodel cite' without --columns)");
  const r: Reader = new Reader(lines, start, file);

  // P2P <design> <preset>
  const headerLine = r.next()!;
  const { design: designId, preset: presetName } = headerWords(headerLine.text)!;
  const design = findDesign(designId);
  if (!design) r.fail(`a design (one of: ${designs.map((d) => d.id).join(', ')}), got '${designId}'`, headerLine);
  const preset = design.presets.find((p) => p.name === presetName);
  if (!preset)
    r.fail(
      `a preset of ${design.id} (one of: ${design.presets.map((p) => p.name).join(', ')}), got '${presetName}'`,
      headerLine,
    );

  // Knobs: name=value ...
  r.skip();
  let overrides: Knobs = {};
  if (r.peek()?.text.startsWith('Knobs:')) {
    const { value, line } = r.field('Knobs:', 'name=value ...');
    overrides = parseKnobs(design, value, (e) => r.fail(e, line));
  }

  // { config }
  r.skip();
  const config = parseConfig(r);

  // (* statement *) Result: <property> <verdict> (<kind>)
  r.skip();
  const resultLine = r.peek();
  const rm = resultLine && /^Result:\s+(\S+)\s+(\S+)(?:\s+\((\S+)\))?$/.exec(resultLine.text);
  if (!resultLine || !rm) r.fail(`'Result: <property> <verdict> (<kind>)'`);
  r.next();
  const property = findProperty(rm[1]!);
  if (!property) r.fail(`a property id (see 'p2pmodel list'), got '${rm[1]}'`, resultLine);
  if (rm[3] !== undefined && rm[3] !== property.kind)
    r.fail(`the kind of ${property.id}, '(${property.kind})', got '(${rm[3]})'`, resultLine);
  const verdict = rm[2] as Verdict;
  if (!verdictsOf(property).includes(verdict))
    r.fail(`a verdict of a ${property.kind} property (${verdictsOf(property).join(' or ')}), got '${rm[2]}'`, resultLine);

  // Detail: ...
  r.skip();
  const detail = r.field('Detail:', '<what the property check saw>').value;

  // numbered steps
  const steps: TraceStep[] = [];
  const stepLineNos: number[] = [];
  for (;;) {
    r.skip();
    const l = r.peek();
    const n = steps.length + 1;
    if (!l) r.fail(`step ${n} or a Link:/Reproduce: trailer`);
    if (/^(?:Link|Reproduce):/.test(l.text)) break;
    if (n > limits.steps) r.fail(`at most ${limits.steps} steps, then a Link:/Reproduce: trailer`);
    steps.push(parseStep(r, n, config));
    stepLineNos.push(l.no);
  }

  // trailers
  const links: string[] = [];
  let command: string | undefined;
  while (command === undefined) {
    r.skip();
    const l = r.peek();
    if (l?.text.startsWith('Link:')) links.push(r.field('Link:', '<url or commit>').value);
    else if (l?.text.startsWith('Reproduce:')) command = r.field('Reproduce:', '<command>', true).value;
    else r.fail(`a Link: or Reproduce: trailer`);
  }

  const trace: Trace = {
    design: design.id,
    preset: preset.name,
    overrides,
    config,
    property: property.id,
    verdict,
    detail,
    steps,
    links,
    command,
  };
  return { trace, lines: { header: headerLine.no, result: resultLine.no, steps: stepLineNos } };
}

/** Parse a trace; throws TraceSyntaxError naming the line. */
export function parseTrace(text: string, file = '<input>'): Trace {
  return parseTraceDetailed(text, file).trace;
}

function parseKnobs(design: Design, value: string, fail: (expected: string) => never): Knobs {
  const knobs: Record<string, string> = {};
  for (const word of value.split(/\s+/).filter(Boolean)) {
    const m = /^([^=\s]+)=(\S+)$/.exec(word);
    if (!m) fail(`knob overrides 'name=value', got '${word}'`);
    const [, name, v] = m as unknown as [string, string, string];
    const spec = design.knobs.find((k) => k.name === name);
    if (!spec) fail(`a knob of ${design.id} (one of: ${design.knobs.map((k) => k.name).join(', ')}), got '${name}'`);
    if (!spec.values.includes(v)) fail(`${name}=${spec.values.join('|')}, got '${word}'`);
    if (Object.hasOwn(knobs, name)) fail(`each knob once, got ${name} twice`);
    knobs[name] = v;
  }
  return knobs;
}

function parseStep(r: Reader, n: number, config: Config): TraceStep {
  const first = r.next()!;
  const segments = [first.text.trim()];
  // bounded, so that the regexes below never see a megabyte
  let length = segments[0]!.length;
  const tooLong = () => length > limits.stepChars && r.fail(`step ${n} within ${limits.stepChars} characters`, first);
  tooLong();
  const complete = () => /->\s*\S+$/.test(unfold(segments));
  while (!complete()) {
    // a folded call continues on indented lines; a new step or anything else ends it
    const l = r.peek();
    if (!l || !/^\s+\S/.test(l.text) || /^\s*\d+\s+\S+\s+\S/.test(l.text))
      r.fail(`'-> <return value>' ending step ${n}`, first);
    segments.push(l.text.trim());
    length += l.text.length;
    tooLong();
    r.next();
  }
  const m = /^(\S+)\s+(\S+)\s+(.*?)\s*->\s*(\S+)$/.exec(unfold(segments));
  if (!m || !/^\d+$/.test(m[1]!)) r.fail(`step ${n} as '${n}  <actor>  <call>  -> <return value>'`, first);
  const [, numText, actor, call, retText] = m as unknown as [string, string, string, string, string];
  if (num(numText) !== n) r.fail(`step ${n}, got step ${numText}`, first);
  const action = parseCall(actor, call, config);
  if (typeof action === 'string') r.fail(action, first);
  const ret = parseRet(retText);
  if (ret === null)
    r.fail(
      `a return value (0, vmaN, ioN, mrN, fdN, pN, a Linux errno such as -EREMOTEIO, SIGBUS, SIGSEGV or BOUND), got '${retText}'`,
      first,
    );
  return { action, ret };
}

function parseConfig(r: Reader): Config {
  const open = r.peek();
  if (open?.text !== '{') r.fail(`'{' opening the config`);
  r.next();
  const statements: { line: Line; segments: string[] }[] = [];
  let close: Line;
  for (;;) {
    const l = r.next();
    if (!l) r.fail(`'}' closing the config opened on line ${open.no}`);
    const t = l.text.trim();
    if (t === '}') {
      close = l;
      break;
    }
    if (t === '') continue;
    if (configKeywords.includes(t.split(/[\s:;]/)[0]!)) statements.push({ line: l, segments: [t] });
    // a folded statement continues on lines indented deeper than its first
    else if (statements.length > 0 && indentOf(l.text) > indentOf(statements.at(-1)!.line.text))
      statements.at(-1)!.segments.push(t);
    else r.fail(`an exporter, importer, iommu or limits line, or '}'`, l);
  }
  const exporters: ExporterConfig[] = [];
  const importers: { line: Line; text: string }[] = [];
  let world: { iommu: boolean; processes: number } | undefined;
  let worldLimits: Limits | undefined;
  for (const { line, segments } of statements) {
    const text = unfold(segments);
    const kw = text.split(/[\s:;]/)[0];
    if (kw === 'exporter') {
      const m = new RegExp(`^exporter\\s+(${NAME})\\s*:\\s*(\\d+)\\s+pages?$`).exec(text);
      if (!m) r.fail(`'exporter <name>: <n> pages', got '${text}'`, line);
      if (!inRange(m[2]!, 1, limits.pages)) r.fail(`an exporter of 1 to ${limits.pages} pages, got ${m[2]}`, line);
      if (configKeywords.includes(m[1]!)) r.fail(`an exporter name other than '${m[1]}'`, line);
      if (exporters.some((e) => e.name === m[1])) r.fail(`a new exporter name, got '${m[1]}' twice`, line);
      if (exporters.length === limits.exporters) r.fail(`at most ${limits.exporters} exporters`, line);
      exporters.push({ name: m[1]!, pages: num(m[2]!) });
    } else if (kw === 'importer') importers.push({ line, text });
    else if (kw === 'limits') {
      if (worldLimits) r.fail(`one limits line, got a second`, line);
      worldLimits = parseLimits(text, (e) => r.fail(e, line));
    } else {
      const m = /^iommu\s+(on|off)\s*;\s*(\d+)\s+process(?:es)?$/.exec(text);
      if (!m) r.fail(`'iommu on|off; <n> processes', got '${text}'`, line);
      // p0 runs from the start: a world without a process could never take a step
      if (!inRange(m[2]!, 1, limits.processes)) r.fail(`1 to ${limits.processes} processes, got ${m[2]}`, line);
      if (world) r.fail(`one iommu line, got a second`, line);
      world = { iommu: m[1] === 'on', processes: num(m[2]!) };
    }
  }
  if (exporters.length === 0) r.fail(`an 'exporter <name>: <n> pages' line before '}': every world has an exporter`, close);
  const parsedImporters: ImporterConfig[] = [];
  const routeTable: Route[][] = [];
  for (const { line, text } of importers) {
    const m = new RegExp(`^importer\\s+(${NAME})\\s*:\\s*(nvme|rdma)\\s+([a-z0-9-]+)\\s*(?:;\\s*route\\s+(.*))?$`).exec(text);
    if (!m) r.fail(`'importer <name>: nvme p2pdma|no-p2pdma|rdma odp|no-odp; route <exporter> <route>, ...', got '${text}'`, line);
    const [, name, kind, quality, routeText] = m as unknown as [string, string, 'nvme' | 'rdma', string, string | undefined];
    if (parsedImporters.some((i) => i.name === name)) r.fail(`a new importer name, got '${name}' twice`, line);
    if (parsedImporters.length === limits.importers) r.fail(`at most ${limits.importers} importers`, line);
    const qualities = kind === 'nvme' ? ['p2pdma', 'no-p2pdma'] : ['odp', 'no-odp'];
    if (!qualities.includes(quality)) r.fail(`${kind} ${qualities.join(' or ')}, got '${kind} ${quality}'`, line);
    parsedImporters.push(
      kind === 'nvme' ? { kind, name, p2pQueue: quality === 'p2pdma' } : { kind, name, odp: quality === 'odp' },
    );
    const row: (Route | undefined)[] = exporters.map(() => undefined);
    // split(',') and trim, not split(/\s*,\s*/): that regex is quadratic on a run of spaces
    const entries = routeText === undefined ? [] : routeText.split(',').map((e) => e.trim());
    for (const entry of entries) {
      const rm = /^(\S+)\s+(\S+)$/.exec(entry);
      const x = rm ? exporters.findIndex((e) => e.name === rm[1]) : -1;
      if (!rm || x < 0) r.fail(`a route '<exporter> bus-addr|host-bridge|none' (exporters: ${names(exporters)}), got '${entry}'`, line);
      if (!Object.hasOwn(routes, rm[2]!)) r.fail(`a route bus-addr, host-bridge or none, got '${rm[2]}'`, line);
      if (row[x] !== undefined) r.fail(`one route to ${rm[1]}, got two`, line);
      row[x] = rm[2] as Route;
    }
    const missing = exporters.findIndex((_, x) => row[x] === undefined);
    if (missing >= 0) r.fail(`a route from ${name} to ${exporters[missing]!.name} ('; route ${exporters[missing]!.name} bus-addr|host-bridge|none')`, line);
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
    if (!inRange(m[1]!, word.min, word.max)) fail(`${word.min} to ${word.max} ${word.many}, got ${m[1]}`);
    set[word.limit] = num(m[1]!);
  }
  return set as unknown as Limits;
}

/**
 * The `{ ... }` config block of a trace, for formats built on the trace
 * text (scenarios/): `lines` (from unmail()) hold the block from its `{`
 * to its `}`. Throws TraceSyntaxError naming the line.
 */
export function parseConfigBlock(lines: readonly Line[], file: string): Config {
  const r = new Reader(lines, 0, file);
  r.skip();
  const config = parseConfig(r);
  r.skip();
  if (r.peek()) r.fail(`nothing after the config block's '}'`);
  return config;
}
