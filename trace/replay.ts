// Replaying a trace (DESIGN.md §5): run its steps again on the stated
// design, preset, overrides and config with properties/evaluate.ts,
// check every step's return value against the stated one, and judge
// whether the stated verdict reproduces: for violated/sometimes that the
// property's finding exists, for holds/never that the steps give none.
import { resolveKnobs } from '../model/design.js';
import { findDesign } from '../model/designs.js';
import type { State } from '../model/state.js';
import { formatCall } from '../model/format.js';
import type { Ret } from '../model/vocabulary.js';
import { findProperty } from '../properties/catalogue.js';
import { evaluate, type Finding, fromList } from '../properties/evaluate.js';
import { type Verdict, verdictOf } from '../properties/explore.js';
import { diff, showChange } from './diff.js';
import { widest } from './layout.js';
import type { ParsedTrace } from './parse.js';
import type { Trace } from './trace.js';

export interface StepReplay {
  readonly n: number;
  /** Input line of the step, when the trace was parsed. */
  readonly line: number | null;
  readonly actor: string;
  readonly call: string;
  readonly stated: Ret;
  readonly now: Ret;
  /** What the step changed: `state.<path>` and `view.<path>` (verbose only). */
  readonly changes?: readonly string[];
}

export interface Divergence {
  readonly step: number;
  readonly line: number | null;
  readonly stated: Ret;
  readonly now: Ret;
}

export interface Replay {
  readonly trace: Trace;
  readonly steps: readonly StepReplay[];
  /** The first step whose return differs from the stated one. */
  readonly divergence: Divergence | null;
  readonly verdict: { readonly stated: Verdict; readonly now: Verdict };
  /** The property's finding on this run, if any. */
  readonly finding: Finding | undefined;
  /** Every return as stated and the stated verdict again. */
  readonly reproduced: boolean;
}

export function replay(input: Trace | ParsedTrace, opts: { verbose?: boolean } = {}): Replay {
  const t = 'trace' in input ? input.trace : input;
  const stepLines = 'trace' in input ? input.lines.steps : [];
  const design = findDesign(t.design);
  if (!design) throw new Error(`unknown design ${t.design}`);
  const preset = design.presets.find((p) => p.name === t.preset);
  if (!preset) throw new Error(`unknown preset ${t.preset} of ${t.design}`);
  const property = findProperty(t.property);
  if (!property) throw new Error(`unknown property ${t.property}`);
  const knobs = resolveKnobs(design, preset, t.overrides);

  // One run over every stated action, past the property's finding; the
  // source sees each state.
  const states: State[] = [];
  const list = fromList(t.steps.map((s) => s.action));
  const run = evaluate(
    design,
    t.config,
    knobs,
    (state, i) => {
      states[i] = state;
      return list(state, i);
    },
    [property],
    { toEnd: true },
  );
  const finding = run.findings.get(property.id);

  const steps = t.steps.map((s, i): StepReplay => {
    const { actor, call } = formatCall(s.action, t.config);
    const now = run.steps[i]!.ret;
    const changes = opts.verbose ? diff(design.decode(states[i]!), design.decode(states[i + 1]!)).map(showChange) : undefined;
    return { n: i + 1, line: stepLines[i] ?? null, actor, call, stated: s.ret, now, ...(changes ? { changes } : {}) };
  });
  const first = steps.find((s) => s.stated !== s.now);
  const divergence = first ? { step: first.n, line: first.line, stated: first.stated, now: first.now } : null;
  const now = verdictOf(property.kind, finding !== undefined);
  return {
    trace: t,
    steps,
    divergence,
    verdict: { stated: t.verdict, now },
    finding,
    reproduced: divergence === null && now === t.verdict,
  };
}

/** The replay as text: the steps with today's returns, then the verdict. */
export function replayText(r: Replay, file: string): string {
  const t = r.trace;
  const overrides = Object.entries(t.overrides).map(([k, v]) => ` ${k}=${v}`).join('');
  const lines = [`replay ${file}: ${t.design} ${t.preset}${overrides}, ${t.property}`, ''];
  const numW = String(r.steps.length).length;
  const actorW = widest(r.steps.map((s) => s.actor));
  const callW = widest(r.steps.map((s) => s.call));
  for (const s of r.steps) {
    const mark = s.now === s.stated ? '' : `  (stated -> ${s.stated})`;
    lines.push(`  ${String(s.n).padStart(numW)}  ${s.actor.padEnd(actorW)}  ${s.call.padEnd(callW)}  -> ${s.now}${mark}`);
    if (s.changes?.length === 0) lines.push(`${' '.repeat(numW + 4)}(no change)`);
    for (const c of s.changes ?? []) lines.push(`${' '.repeat(numW + 4)}${c}`);
  }
  lines.push('');
  const d = r.divergence;
  if (d)
    lines.push(
      `Divergence: step ${d.step}${d.line === null ? '' : ` (line ${d.line})`}: stated -> ${d.stated}, now -> ${d.now}`,
    );
  else lines.push(`Returns: all ${r.steps.length} as stated`);
  const { stated, now } = r.verdict;
  lines.push(`Result: ${t.property} ${now} (stated ${stated})`);
  if (r.finding && r.finding.detail !== t.detail) lines.push(`Detail: ${r.finding.detail}`);
  lines.push(r.reproduced ? 'Reproduced.' : 'NOT reproduced.');
  return lines.join('\n') + '\n';
}

export function replayJson(r: Replay, file: string) {
  const t = r.trace;
  return {
    file,
    design: t.design,
    preset: t.preset,
    overrides: t.overrides,
    property: t.property,
    stated: r.verdict.stated,
    now: r.verdict.now,
    reproduced: r.reproduced,
    divergence: r.divergence,
    detail: { stated: t.detail, now: r.finding?.detail ?? null },
    steps: r.steps.map((s) => ({
      n: s.n,
      line: s.line,
      call: `${s.actor}: ${s.call}`,
      stated: s.stated,
      now: s.now,
      ...(s.changes ? { changes: s.changes } : {}),
    })),
  };
}
