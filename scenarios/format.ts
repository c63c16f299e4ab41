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
import { namesOf } from '../model/calls.js';
import { type Action, type Config, defaultConfig, type Ret } from '../model/vocabulary.js';
import { catalogue, findProperty, type PropertyId } from '../properties/catalogue.js';
import { fold, foldUnits, softUnits, widest } from '../trace/layout.js';
import {
  documentEnd,
  expectedStep,
  type Line,
  looksLikeStep,
  limits,
  parseCall,
  parseRet,
  type ReadOptions,
  Reader,
  RETURN_WORDS,
  readConfig,
  SCENARIO_WORD,
  type Starts,
  startsStep,
  TraceSyntaxError,
  unmail,
  linkGoesOn,
  trailerBound,
  urlCut,
} from '../trace/parse.js';
import { configLines, HEADER_WORD } from '../trace/print.js';

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
export interface OutcomeBlock {
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
  readonly expectations: readonly OutcomeBlock[];
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

export function outcomeLines(e: OutcomeBlock): string[] {
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

/** What starts an element of a scenario besides a step: every label and a comment. */
const labels = /^(?:Question:|Outcome:|Returns:|Violates:|Witnesses:|Link:|\{$|\(\*(?:\s|$))/;

const beforeOutcomes = 'a blank line and the Outcome: blocks';

/** A comment at the current line without its marks, or undefined; it must end its line with `*)`. */
function note(r: Reader, starts: Starts): string | undefined {
  const c = r.comment(starts);
  if (!c) return undefined;
  if (!c.text.endsWith('*)')) r.fail(`a comment ending its line with '*)'`, c.line);
  return c.text.slice(2, -2).trim();
}

/**
 * The scenario whose header is line index `at`, read as trace/parse.ts
 * reads a trace (mail damage undone, lines joined by what they say);
 * `next` is the index of the first line after it. Link: trailers may be
 * left out here; a scenario file needs them (parseScenario).
 */
export function parseScenarioAt(lines: readonly Line[], at: number, file: string, opts: ReadOptions = {}): { parsed: ParsedScenario; next: number } {
  const r: Reader = new Reader(lines, at, documentEnd(lines, at), file);
  const header = r.next()!;
  const hm = new RegExp(`^${HEADER_WORD}\\s+${SCENARIO_WORD}\\s+([a-z0-9][a-z0-9-]*)$`).exec(header.text.trim());
  if (!hm) r.fail(`'${HEADER_WORD} ${SCENARIO_WORD} <name>' (lower case, digits and '-')`, header);
  const name = hm[1]!;

  let config = opts.world ?? defaultConfig;
  let world = namesOf(config);
  let n = 1; // the number of the next step
  const starts: Starts = (t, deeper) => startsStep(t, n, world) || (!deeper && labels.test(t));
  r.blank();
  if (!r.peek()?.text.trimStart().startsWith('Question:')) r.fail('Question: <one sentence>');
  const question = r.element('Question:', starts).value;
  if (question === '') r.fail('a question after Question:', header);

  r.blank();
  if (r.peek()?.text.trim() === '{') {
    const block = readConfig(r, (t) => labels.test(t));
    if (!opts.world) {
      config = block;
      world = namesOf(config);
    }
  }
  const comment = note(r, starts);

  // steps: `N actor call`, no returns
  const steps: Action[] = [];
  const stepLineNos: number[] = [];
  for (;;) {
    r.blank();
    const l = r.peek();
    if (!l) break;
    const here = l.text.trimStart();
    if (!startsStep(here, n, world)) {
      // a reply's words between the steps (after a blank line), as a trace allows: on to the next step, or
      // to the first `Label:` (Outcome: is read next; a mistyped one is an error there, not words)
      const words = steps.length > 0 && !looksLikeStep(here) && !/^[A-Z][A-Za-z]*:/.test(here) && !here.startsWith('(*');
      if (words && r.resume((t) => startsStep(t, n, world) || /^[A-Z][A-Za-z]*:/.test(t)) && startsStep(r.peek()!.text.trimStart(), n, world)) continue;
      break;
    }
    if (n > limits.steps) r.fail(`at most ${limits.steps} steps, then a blank line`);
    const k = n++;
    const { value } = r.element('', starts, {
      complete: (v) => v.endsWith(')'),
      resumes: (text) => /^[a-z_]+\(/.test(text),
      bound: { chars: limits.stepChars, expected: `step ${k} within ${limits.stepChars} characters` },
    });
    const m = /^\d+\s+(\S+)\s+(\S.*)$/.exec(value);
    if (!m) r.fail(`step ${k} as '  ${k}  <actor>  <call>'`, l);
    const action = parseCall(m[1]!, m[2]!, config);
    if (typeof action === 'string') r.fail(action, l);
    steps.push(action);
    stepLineNos.push(l.no);
    // a complete step has no continuation: a line right after it that starts nothing is not mail damage
    const after = r.peek()?.text.trimStart();
    if (after && !starts(after, false)) r.fail(expectedStep(n, after, beforeOutcomes));
  }
  const stray = r.peek()?.text.trimStart();
  if (stray !== undefined && looksLikeStep(stray)) r.fail(expectedStep(n, stray, beforeOutcomes));
  if (steps.length === 0) r.fail(`step 1 as '  1  <actor>  <call>'`);

  // outcomes
  const expectations: OutcomeBlock[] = [];
  const expectationLineNos: number[] = [];
  const field = (label: string, what: string) => {
    r.blank();
    if (!r.peek()?.text.trimStart().startsWith(label)) r.fail(`  ${label} ${what}`);
    return r.element(label, starts);
  };
  for (r.blank(); r.peek()?.text.trimStart().startsWith('Outcome:'); r.blank()) {
    const line = r.next()!;
    const om = /^Outcome:\s+(\S+)\s+(\S+)$/.exec(line.text.trim());
    const design = om ? findDesign(om[1]!) : undefined;
    if (!om || !design) r.fail(`'Outcome: <design> <preset>' naming a design, got '${line.text.trim()}'`, line);
    const preset = design.presets.find((p) => p.name === om[2]);
    if (!preset)
      r.fail(`a preset of ${design.id} (one of: ${design.presets.map((p) => p.name).join(', ')}), got '${om[2]}'`, line);
    if (expectations.some((e) => e.design === design.id && e.preset === preset.name))
      r.fail(`each design/preset once, got ${design.id} ${preset.name} twice`, line);
    r.blank();
    const outcomeNote = note(r, starts);

    const rets = field('Returns:', `<${steps.length} return values, one per step>`);
    const returns = rets.value.split(' ').filter(Boolean).map((w) => {
      const ret = parseRet(w);
      if (ret === null) r.fail(`a return value (${RETURN_WORDS}), got '${w}'`, rets.line);
      return ret;
    });
    if (returns.length !== steps.length)
      r.fail(`${steps.length} return values, one per step, got ${returns.length}`, rets.line);
    const ids = (label: string, kinds: readonly string[]) => {
      const f = field(label, `<property ids> or 'none'`);
      const words = f.value.split(' ').filter(Boolean);
      if (words.length === 1 && words[0] === 'none') return [];
      const out = words.map((w) => {
        const p = findProperty(w);
        if (!p || !kinds.includes(p.kind))
          r.fail(`${kinds.join(' or ')} property ids or 'none' after ${label}, got '${w}'`, f.line);
        return p.id;
      });
      if (new Set(out).size !== out.length) r.fail(`each property once after ${label}`, f.line);
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
  if (expectations.length === 0) r.fail(`'Outcome: <design> <preset>' after the steps`);

  // trailers
  const links: string[] = [];
  for (r.blank(); r.peek()?.text.trimStart().startsWith('Link:'); r.blank()) {
    const link = r.element('Link:', starts, { carries: linkGoesOn, glues: urlCut, bound: trailerBound('Link:') });
    if (link.value === '') r.fail('a url or commit after Link:', link.line);
    links.push(link.value);
  }

  const scenario: Scenario = {
    name,
    question,
    config,
    ...(comment === undefined ? {} : { note: comment }),
    steps,
    expectations,
    links,
  };
  return { parsed: { scenario, file, lines: { header: header.no, steps: stepLineNos, expectations: expectationLineNos } }, next: r.at };
}

/**
 * Parse a scenario file: one scenario from its first line, its Link:
 * trailers, nothing after them. Throws TraceSyntaxError naming the file
 * and line.
 */
export function parseScenario(text: string, file = '<input>'): ParsedScenario {
  const lines = unmail(text);
  let at = 0;
  while (lines[at]?.text === '') at++;
  const first = lines[at];
  if (!first || !/^\S+\s+\S+\s+\S+$/.test(first.text) || first.text.split(/\s+/).slice(0, 2).join(' ') !== `${HEADER_WORD} ${SCENARIO_WORD}`)
    throw new TraceSyntaxError(file, first?.no ?? 1, `'${HEADER_WORD} ${SCENARIO_WORD} <name>' (lower case, digits and '-')`);
  const { parsed, next } = parseScenarioAt(lines, at, file);
  const r: Reader = new Reader(lines, next, lines.length, file);
  if (parsed.scenario.links.length === 0) r.fail(`'Link: <url or commit>' trailers after the outcomes`);
  r.blank();
  if (r.peek()) r.fail(`a Link: trailer or the end of the file`);
  return parsed;
}
