// The scenario text: a hand-written litmus test from
// the threads, in the trace format's words. A header names it, a
// `Question:` states what it asks, the trace's `{ config }` block sets the
// world, numbered steps give actor and call exactly as model/format.ts
// prints them (no returns: steps are design-neutral), then one `Outcome:`
// block per design/preset it is judged on: every step's return in order,
// the safety/liveness properties it violates and the capabilities it
// witnesses. `Link:` trailers end it.
//
//   P2P scenario sp-unbind-inflight                      the name (= file)
//   Question: Does unbind wait for an O_DIRECT read ...  one sentence
//   {                                                    as in a trace
//     exporter e0: 2 pages
//     ...
//   }
//   (* why the steps are what they are *)                optional
//
//     1  p0     mmap(e0, 1, MAP_SHARED, 0)               numbered steps
//     2  p0     pread(nvme0, vma0, 0, O_DIRECT)
//
//   Outcome: struct-page mainline                        per design/preset
//     (* what happens and why *)                         optional
//     Returns: vma0 io0 0 -EBUSY 0 0 0
//     Violates: none
//     Witnesses: odirect-to-bar p2p-dma
//
//   Link: https://lore.kernel.org/r/...                  trailers
//
// printScenario(parseScenario(text)) gives `text` back for every file in
// canonical form; the tests hold the scenario files to that.
import type { DesignId } from '../model/design.js';
import { findDesign } from '../model/designs.js';
import { formatCall } from '../model/format.js';
import type { Action, Config, Ret } from '../model/vocabulary.js';
import { catalogue, findProperty, type PropertyId } from '../properties/catalogue.js';
import { fold, foldUnits, softUnits, unfold, widest } from '../trace/layout.js';
import { type Line, limits, parseCall, parseConfigBlock, parseRet, TraceSyntaxError, unmail } from '../trace/parse.js';
import { configLines, HEADER_WORD } from '../trace/print.js';

/** The second word of a scenario's header line: `P2P scenario <name>`. */
const SCENARIO_WORD = 'scenario';

/** What one run of the steps shows on one design/preset. */
export interface ScenarioOutcome {
  /** Every step's return value, in order. */
  readonly returns: readonly Ret[];
  /** Safety and liveness properties violated, in catalogue order. */
  readonly violates: readonly PropertyId[];
  /** Capabilities witnessed, in catalogue order. */
  readonly witnesses: readonly PropertyId[];
}

/** One `Outcome:` block: the design/preset and what the file says it does there. */
export interface Expectation {
  readonly design: DesignId;
  readonly preset: string;
  readonly outcome: ScenarioOutcome;
  /** The `(* ... *)` comment opening the block, if any. */
  readonly note?: string;
}

export interface Scenario {
  readonly name: string;
  readonly question: string;
  readonly config: Config;
  /** The `(* ... *)` comment between the config and the steps, if any. */
  readonly note?: string;
  readonly steps: readonly Action[];
  readonly expectations: readonly Expectation[];
  readonly links: readonly string[];
}

/** Where things are in the file, for messages. */
export interface ParsedScenario {
  readonly scenario: Scenario;
  readonly file: string;
  readonly lines: { readonly header: number; readonly steps: readonly number[]; readonly expectations: readonly number[] };
}

// --- printing ------------------------------------------------------------

const commentLines = (text: string, indent: string) =>
  foldUnits(`${indent}(*`, [...softUnits(text), '*)'], { indent: indent.length + 3 });

const listWords = (ids: readonly string[]) => (ids.length === 0 ? ['none'] : [...ids]);

export function outcomeLines(e: Expectation): string[] {
  const lines = [`Outcome: ${e.design} ${e.preset}`];
  if (e.note !== undefined) lines.push(...commentLines(e.note, '  '));
  lines.push(...foldUnits('  Returns:', e.outcome.returns, { indent: 4 }));
  lines.push(...foldUnits('  Violates:', listWords(e.outcome.violates), { indent: 4 }));
  lines.push(...foldUnits('  Witnesses:', listWords(e.outcome.witnesses), { indent: 4 }));
  return lines;
}

function stepLines(steps: readonly Action[], config: Config): string[] {
  const cells = steps.map((a, i) => ({ n: i + 1, ...formatCall(a, config) }));
  const numW = String(cells.length).length;
  const actorW = widest(cells.map((c) => c.actor));
  return cells.map((c) => `  ${String(c.n).padStart(numW)}  ${c.actor.padEnd(actorW)}  ${c.call}`);
}

export function printScenario(s: Scenario): string {
  const lines = [`${HEADER_WORD} ${SCENARIO_WORD} ${s.name}`, ...fold('Question:', s.question, { indent: 2 })];
  lines.push(...configLines(s.config));
  if (s.note !== undefined) lines.push(...commentLines(s.note, ''));
  lines.push('', ...stepLines(s.steps, s.config), '');
  for (const e of s.expectations) lines.push(...outcomeLines(e), '');
  for (const link of s.links) lines.push(...fold('Link:', link, { indent: 2 }));
  return lines.join('\n') + '\n';
}

// --- parsing -------------------------------------------------------------

const propertyOrder = (id: PropertyId) => catalogue.findIndex((p) => p.id === id);

class Cursor {
  i = 0;
  constructor(
    readonly lines: readonly Line[],
    readonly file: string,
  ) {}

  peek(): Line | undefined {
    return this.lines[this.i];
  }

  fail(expected: string, at?: Line): never {
    const line = at ?? this.peek();
    const eof = this.lines.length + (this.lines.at(-1)?.text === '' ? 0 : 1);
    throw new TraceSyntaxError(this.file, line?.no ?? eof, expected + (line ? '' : ', got end of input'));
  }

  blank(): void {
    while (this.peek()?.text === '') this.i++;
  }

  /** A `(* ... *)` comment starting here, unfolded, or undefined. */
  comment(): string | undefined {
    const first = this.peek();
    if (!first?.text.trimStart().startsWith('(*')) return undefined;
    const segments: string[] = [];
    const indent = first.text.length - first.text.trimStart().length;
    for (;;) {
      const l = this.peek();
      // continuation lines are indented deeper: an unclosed comment must not swallow the Returns: after it
      const continues = l === first || (l !== undefined && l.text.length - l.text.trimStart().length > indent);
      if (!continues) this.fail(`'*)' closing the comment opened on line ${first.no}`, l && first);
      this.i++;
      segments.push(l.text.trim());
      if (l.text.includes('*)')) break;
    }
    const text = unfold(segments);
    if (!text.endsWith('*)')) this.fail(`a comment ending its line with '*)'`, first);
    return text.slice(2, -2).trim();
  }

  /** `Label: value` at `indent` spaces, and continuation lines indented deeper. */
  field(label: string, indent: number, what: string): { value: string; line: Line } {
    const line = this.peek();
    const head = ' '.repeat(indent) + label;
    if (!line?.text.startsWith(head)) this.fail(`${head} ${what}`);
    this.i++;
    const segments = [line.text.slice(head.length).trim()];
    for (;;) {
      const l = this.peek();
      if (!l || !new RegExp(`^ {${indent + 1},}\\S`).test(l.text) || /^\s*\(\*/.test(l.text)) break;
      segments.push(l.text.trim());
      this.i++;
    }
    return { value: unfold(segments), line };
  }
}

/** Parse a scenario file; throws TraceSyntaxError naming the file and line. */
export function parseScenario(text: string, file = '<input>'): ParsedScenario {
  const c: Cursor = new Cursor(unmail(text), file);
  c.blank();

  const header = c.peek();
  const hm = header && new RegExp(`^${HEADER_WORD} ${SCENARIO_WORD} ([a-z0-9][a-z0-9-]*)$`).exec(header.text);
  if (!header || !hm) c.fail(`'${HEADER_WORD} ${SCENARIO_WORD} <name>' (lower case, digits and '-')`);
  c.i++;
  const name = hm[1]!;
  const question = c.field('Question:', 0, '<one sentence>').value;
  if (question === '') c.fail('a question after Question:', header);

  // { config }: from '{' to the first '}' line
  const open = c.peek();
  if (open?.text !== '{') c.fail(`'{' opening the config`);
  const close = c.lines.findIndex((l, k) => k > c.i && l.text === '}');
  if (close < 0) c.fail(`'}' closing the config opened on line ${open.no}`);
  const config = parseConfigBlock(c.lines.slice(c.i, close + 1), file);
  c.i = close + 1;
  const note = c.comment();

  // steps
  c.blank();
  const steps: Action[] = [];
  const stepLineNos: number[] = [];
  for (;;) {
    const l = c.peek();
    if (!l || l.text === '') break;
    const n = steps.length + 1;
    if (n > limits.steps) c.fail(`at most ${limits.steps} steps, then a blank line`);
    const m = /^\s+(\d+)\s+(\S+)\s+(\S.*)$/.exec(l.text);
    if (!m) c.fail(`step ${n} as '  ${n}  <actor>  <call>'`);
    if (Number(m[1]) !== n) c.fail(`step ${n}, got step ${m[1]}`);
    const action = parseCall(m[2]!, m[3]!, config);
    if (typeof action === 'string') c.fail(action);
    steps.push(action);
    stepLineNos.push(l.no);
    c.i++;
  }
  if (steps.length === 0) c.fail('step 1');

  // outcomes
  c.blank();
  const expectations: Expectation[] = [];
  const expectationLineNos: number[] = [];
  for (; c.peek()?.text.startsWith('Outcome:'); c.blank()) {
    const line = c.peek()!;
    const om = /^Outcome: (\S+) (\S+)$/.exec(line.text);
    const design = om ? findDesign(om[1]!) : undefined;
    if (!om || !design) c.fail(`'Outcome: <design> <preset>' naming a design, got '${line.text}'`);
    const preset = design.presets.find((p) => p.name === om[2]);
    if (!preset)
      c.fail(`a preset of ${design.id} (one of: ${design.presets.map((p) => p.name).join(', ')}), got '${om[2]}'`);
    if (expectations.some((e) => e.design === design.id && e.preset === preset.name))
      c.fail(`each design/preset once, got ${design.id} ${preset.name} twice`);
    c.i++;
    const outcomeNote = c.comment();

    const rets = c.field('Returns:', 2, `<${steps.length} return values, one per step>`);
    const returns = rets.value.split(' ').filter(Boolean).map((w) => {
      const ret = parseRet(w);
      if (ret === null) c.fail(`a return value (0, vmaN, ioN, mrN, fdN, pN, a Linux errno, SIGBUS, SIGSEGV or BOUND), got '${w}'`, rets.line);
      return ret;
    });
    if (returns.length !== steps.length)
      c.fail(`${steps.length} return values, one per step, got ${returns.length}`, rets.line);
    const ids = (label: string, kinds: readonly string[]) => {
      const f = c.field(label, 2, `<property ids> or 'none'`);
      const words = f.value.split(' ').filter(Boolean);
      if (words.length === 1 && words[0] === 'none') return [];
      const out = words.map((w) => {
        const p = findProperty(w);
        if (!p || !kinds.includes(p.kind))
          c.fail(`${kinds.join(' or ')} property ids or 'none' after ${label}, got '${w}'`, f.line);
        return p.id;
      });
      if (new Set(out).size !== out.length) c.fail(`each property once after ${label}`, f.line);
      return out.sort((a, b) => propertyOrder(a) - propertyOrder(b));
    };
    const violates = ids('Violates:', ['safety', 'liveness']);
    const witnesses = ids('Witnesses:', ['capability']);
    expectations.push({
      design: design.id,
      preset: preset.name,
      outcome: { returns, violates, witnesses },
      ...(outcomeNote === undefined ? {} : { note: outcomeNote }),
    });
    expectationLineNos.push(line.no);
  }
  if (expectations.length === 0) c.fail(`'Outcome: <design> <preset>' after the steps`);

  // trailers
  const links: string[] = [];
  while (c.peek()?.text.startsWith('Link:')) {
    const link = c.field('Link:', 0, '<url or commit>').value;
    if (link === '') c.fail('a url or commit after Link:');
    links.push(link);
  }
  if (links.length === 0) c.fail(`'Link: <url or commit>' trailers after the outcomes`);
  c.blank();
  if (c.peek()) c.fail(`a Link: trailer or the end of the file`);

  const scenario: Scenario = {
    name,
    question,
    config,
    ...(note === undefined ? {} : { note }),
    steps,
    expectations,
    links,
  };
  return { scenario, file, lines: { header: header.no, steps: stepLineNos, expectations: expectationLineNos } };
}
