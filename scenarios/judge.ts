// Judging a scenario, as herd7 judges a litmus test: run its steps on
// each design/preset it lists as replay runs them (trace/replay.ts),
// every property of the catalogue judged after every step (liveness by
// draining), and compare with the file's Outcome:
// every return, then what it violates and witnesses. The first
// difference is named by step number, line and call.
import { resolveKnobs } from '../model/design.js';
import { findDesign } from '../model/designs.js';
import { formatAction } from '../model/format.js';
import type { PropertyId } from '../properties/catalogue.js';
import { outcomeOf, runActions } from '../trace/replay.js';
import { type OutcomeBlock, outcomeLines, type ParsedScenario, type Scenario, type ScenarioOutcome } from './format.js';

export interface ScenarioRun {
  readonly outcome: ScenarioOutcome;
  /** What each property check saw, for the properties in the outcome. */
  readonly details: ReadonlyMap<PropertyId, string>;
}

/** Run the steps on one design/preset and judge every catalogue property, as replay does. */
function runScenario(s: Scenario, designId: string, presetName: string): ScenarioRun {
  // the parser admits only designs and presets that exist
  const design = findDesign(designId)!;
  const knobs = resolveKnobs(design, design.presets.find((p) => p.name === presetName)!);
  const run = runActions(design, s.config, knobs, s.steps);
  const details = new Map<PropertyId, string>();
  for (const o of run.observations) if (o.detail !== null) details.set(o.property, o.detail);
  return { outcome: { returns: run.steps.map((st) => st.ret), ...outcomeOf(run.observations) }, details };
}

export interface Difference {
  readonly what: 'return' | 'violates' | 'witnesses';
  /** 1-based step and its line in the file, for a return. */
  readonly step: number | null;
  readonly line: number | null;
  /** `actor: call` of that step. */
  readonly call: string | null;
  readonly expected: string;
  readonly got: string;
}

const words = (ids: readonly string[]) => (ids.length === 0 ? 'none' : ids.join(' '));

/** The first way `got` differs from `expected`: a step's return, then Violates:, then Witnesses:. */
export function firstDifference(
  parsed: Pick<ParsedScenario, 'scenario' | 'lines'>,
  expected: ScenarioOutcome,
  got: ScenarioOutcome,
): Difference | null {
  const s = parsed.scenario;
  for (let i = 0; i < Math.max(expected.returns.length, got.returns.length); i++) {
    const [e, g] = [expected.returns[i], got.returns[i]];
    if (e === g) continue;
    return {
      what: 'return',
      step: i + 1,
      line: parsed.lines.steps[i] ?? null,
      call: s.steps[i] ? formatAction(s.steps[i]!, s.config) : null,
      expected: e ?? '(no step)',
      got: g ?? '(no step)',
    };
  }
  const none = { step: null, line: null, call: null };
  if (words(expected.violates) !== words(got.violates))
    return { what: 'violates', ...none, expected: words(expected.violates), got: words(got.violates) };
  if (words(expected.witnesses) !== words(got.witnesses))
    return { what: 'witnesses', ...none, expected: words(expected.witnesses), got: words(got.witnesses) };
  return null;
}

export function describeDifference(d: Difference): string {
  if (d.what === 'return')
    return `step ${d.step}${d.line === null ? '' : ` (line ${d.line})`} ${d.call}: expected -> ${d.expected}, got -> ${d.got}`;
  const label = d.what === 'violates' ? 'Violates:' : 'Witnesses:';
  return `${label} expected ${d.expected}, got ${d.got}`;
}

export interface CellJudgement {
  readonly design: OutcomeBlock['design'];
  readonly preset: string;
  readonly expected: ScenarioOutcome;
  readonly outcome: ScenarioOutcome;
  readonly details: ReadonlyMap<PropertyId, string>;
  readonly difference: Difference | null;
  readonly met: boolean;
}

export interface ScenarioJudgement {
  readonly parsed: ParsedScenario;
  readonly cells: readonly CellJudgement[];
  readonly met: boolean;
}

export function judgeScenario(parsed: ParsedScenario): ScenarioJudgement {
  const cells = parsed.scenario.expectations.map((e): CellJudgement => {
    const { outcome, details } = runScenario(parsed.scenario, e.design, e.preset);
    const difference = firstDifference(parsed, e.outcome, outcome);
    return { design: e.design, preset: e.preset, expected: e.outcome, outcome, details, difference, met: difference === null };
  });
  return { parsed, cells, met: cells.every((c) => c.met) };
}

/** A failed cell in full: where, the first difference, and the Outcome: block the model gives now. */
export function reportCell(j: ScenarioJudgement, cell: CellJudgement): string {
  const head = `${j.parsed.file}: ${cell.design} ${cell.preset}: `;
  if (!cell.difference) return head + 'as stated';
  const note = j.parsed.scenario.expectations.find((e) => e.design === cell.design && e.preset === cell.preset)?.note;
  const now = outcomeLines({ design: cell.design, preset: cell.preset, outcome: cell.outcome, ...(note ? { note } : {}) });
  const seen = [...cell.details].filter(([id]) => cell.outcome.violates.includes(id)).map(([id, d]) => `  ${id}: ${d}`);
  return [head + describeDifference(cell.difference), 'The model now gives:', ...now, ...(seen.length ? ['What the checks saw:', ...seen] : [])].join('\n');
}
