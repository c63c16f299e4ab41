// Replaying a trace: run its steps again with
// properties/evaluate.ts, every property of the catalogue judged after
// every step, on the stated design, preset, overrides and config (or on
// another: retarget()). Every stated return is checked (`?` matches
// anything), then what the trace claims: its Result: line's verdict, a
// scenario's Outcome: (what it violates and witnesses), or nothing, when
// replay reports what each property shows and at which step.
import type { Design, DesignId, Knobs, PresetSpec } from '../model/design.js';
import { resolveKnobs } from '../model/design.js';
import { findDesign } from '../model/designs.js';
import { formatCall } from '../model/format.js';
import type { State } from '../model/state.js';
import type { Action, Config, Ret, TraceStep } from '../model/vocabulary.js';
import { catalogue, linksFor, type PropertyId, type PropertyKind } from '../properties/catalogue.js';
import { evaluate, fromList } from '../properties/evaluate.js';
import { goalStuck } from '../properties/liveness.js';
import { type Verdict, verdictOf } from '../properties/explore.js';
import { diff, showChange } from './diff.js';
import { fold, foldUnits, softUnits, WIDTH, widest } from './layout.js';
import type { ParsedTrace } from './parse.js';
import { stepLineGroups } from './print.js';
import { type StatedRet, type StatedVerdict, type Trace, UNKNOWN } from './trace.js';

/** What one property shows on a run. */
export interface Observation {
  readonly property: PropertyId;
  readonly kind: PropertyKind;
  readonly verdict: Verdict;
  /**
   * The step after which it was first seen violated or witnessed (for
   * what is left behind: the first step a run could stop at and leave
   * it); null when it never was.
   */
  readonly step: number | null;
  /** What the check saw then; null when it never was. */
  readonly detail: string | null;
}

export interface Run {
  /** Every step with the return it gives now. */
  readonly steps: readonly TraceStep[];
  /** Every property of the catalogue, in its order. */
  readonly observations: readonly Observation[];
  /** The decoded state before each step and after the last, when asked for. */
  readonly decoded: readonly Record<string, unknown>[];
}

/** Run `actions` in `config`, every property judged to the end. */
export function runActions(design: Design, config: Config, knobs: Knobs, actions: readonly Action[], opts: { decode?: boolean } = {}): Run {
  const states: State[] = [];
  const list = fromList(actions);
  const run = evaluate(
    design,
    config,
    knobs,
    (state, i) => {
      states[i] = state;
      return list(state, i);
    },
    catalogue,
    { toEnd: true },
  );
  const observations = catalogue.map((p): Observation => {
    const f = run.findings.get(p.id);
    if (!f) return { property: p.id, kind: p.kind, verdict: verdictOf(p.kind, false), step: null, detail: null };
    // a finding's steps are the run's own up to where it showed, then (liveness) the drain's
    let step = 0;
    while (f.steps[step] !== undefined && f.steps[step] === run.steps[step]) step++;
    // what is left behind is judged once, at the end: it first shows where a run that stopped there would leave it
    if (p.kind === 'liveness' && p.goal === 'clean') step = states.findIndex((s, k) => k > 0 && goalStuck(design, s, 'clean') !== null);
    return { property: p.id, kind: p.kind, verdict: verdictOf(p.kind, true), step, detail: f.detail };
  });
  return { steps: run.steps, observations, decoded: opts.decode ? states.map((s) => design.decode(s)) : [] };
}

/** What a scenario's Outcome: block claims: the properties violated and witnessed. */
export interface Outcome {
  readonly violates: readonly PropertyId[];
  readonly witnesses: readonly PropertyId[];
}

export const outcomeOf = (observations: readonly Observation[]): Outcome => ({
  violates: observations.filter((o) => o.verdict === 'violated').map((o) => o.property),
  witnesses: observations.filter((o) => o.verdict === 'sometimes').map((o) => o.property),
});

const sameOutcome = (a: Outcome, b: Outcome) =>
  a.violates.join(' ') === b.violates.join(' ') && a.witnesses.join(' ') === b.witnesses.join(' ');

/** The indent of a step's changes under it: past the widest step number. */
const changeIndent = (steps: number) => String(steps).length + 4;

export interface StepReplay {
  readonly n: number;
  /** Input line of the step, when the trace was parsed. */
  readonly line: number | null;
  readonly actor: string;
  readonly call: string;
  readonly stated: StatedRet;
  readonly now: Ret;
  /** What the step changed in the decoded design state, a line per path (verbose only). */
  readonly changes?: readonly string[];
}

export interface Divergence {
  readonly step: number;
  readonly line: number | null;
  readonly stated: Ret;
  readonly now: Ret;
}

export interface Replay {
  /** The trace as replayed: after retarget(), on another design, preset or knobs. */
  readonly trace: Trace;
  readonly steps: readonly StepReplay[];
  /** The first step whose stated return (not `?`) differs from today's. */
  readonly divergence: Divergence | null;
  /** Steps whose return is stated as `?`. */
  readonly unknown: number;
  /** The Result: line: its property, the verdict stated and today's; null without one. */
  readonly verdict: { readonly property: PropertyId; readonly stated: StatedVerdict; readonly now: Verdict } | null;
  /** A scenario's Outcome: as stated and as the run shows it; null for a trace. */
  readonly outcome: { readonly stated: Outcome; readonly now: Outcome } | null;
  readonly observations: readonly Observation[];
  /** Everything stated (every return but `?`, the verdict, the outcome) holds today. */
  readonly reproduced: boolean;
}

export interface ReplayOptions {
  /** Diff the decoded state across each step. */
  readonly verbose?: boolean;
  /** A scenario's Outcome: to judge instead of a Result: line. */
  readonly outcome?: Outcome;
}

export function replay(input: Trace | ParsedTrace, opts: ReplayOptions = {}): Replay {
  const t = 'trace' in input ? input.trace : input;
  const stepLines = 'trace' in input ? input.lines.steps : [];
  const design = findDesign(t.design);
  if (!design) throw new Error(`unknown design ${t.design}`);
  const preset = design.presets.find((p) => p.name === t.preset);
  if (!preset) throw new Error(`unknown preset ${t.preset} of ${t.design}`);
  const run = runActions(design, t.config, resolveKnobs(design, preset, t.overrides), t.steps.map((s) => s.action), { decode: opts.verbose === true });

  // a change is printed under its step, indented past the step number (replayText)
  const changeWidth = WIDTH - changeIndent(t.steps.length);
  const steps = t.steps.map((s, i): StepReplay => {
    const { actor, call } = formatCall(s.action, t.config);
    const changes = opts.verbose ? diff(run.decoded[i], run.decoded[i + 1]).map((c) => showChange(c, changeWidth)) : undefined;
    return { n: i + 1, line: stepLines[i] ?? null, actor, call, stated: s.ret, now: run.steps[i]!.ret, ...(changes ? { changes } : {}) };
  });
  const first = steps.find((s) => s.stated !== UNKNOWN && s.stated !== s.now);
  const divergence = first ? { step: first.n, line: first.line, stated: first.stated as Ret, now: first.now } : null;
  const judged = t.property === undefined ? undefined : run.observations.find((o) => o.property === t.property);
  const verdict = judged ? { property: judged.property, stated: t.verdict ?? UNKNOWN, now: judged.verdict } : null;
  const outcome = opts.outcome ? { stated: opts.outcome, now: outcomeOf(run.observations) } : null;
  return {
    trace: t,
    steps,
    divergence,
    unknown: steps.filter((s) => s.stated === UNKNOWN).length,
    verdict,
    outcome,
    observations: run.observations,
    reproduced:
      divergence === null &&
      (verdict === null || verdict.stated === UNKNOWN || verdict.stated === verdict.now) &&
      (outcome === null || sameOutcome(outcome.stated, outcome.now)),
  };
}

/** Where to replay a trace instead of where it says. */
export interface Target {
  readonly design?: Design;
  readonly preset?: PresetSpec;
  /** Knob overrides: on top of the trace's own when neither design nor preset changes, alone otherwise. */
  readonly knobs?: Knobs;
}

/** `t` on another design, preset or knobs: its returns and verdict stay stated; its command no longer reproduces it. */
export function retarget(t: Trace, target: Target): Trace {
  if (!target.design && !target.preset && !target.knobs) return t;
  const moved = target.design !== undefined || target.preset !== undefined;
  const design = target.design ?? findDesign(t.design)!;
  return {
    ...t,
    design: design.id,
    preset: (target.preset ?? (target.design ? design.presets[0]! : { name: t.preset })).name,
    overrides: moved ? { ...target.knobs } : { ...t.overrides, ...target.knobs },
    command: '',
  };
}

/** The trace with every return, the verdict and its detail as the model gives them today. */
export function fill(r: Replay): Trace {
  const t = r.trace;
  const steps = t.steps.map((s, i) => ({ action: s.action, ret: r.steps[i]!.now }));
  if (!r.verdict) return { ...t, steps };
  const seen = r.observations.find((o) => o.property === r.verdict!.property);
  const links = t.links.length > 0 ? t.links : linksFor(r.verdict.property, t.design);
  return { ...t, verdict: r.verdict.now, detail: seen?.detail ?? '', steps, links };
}

// --- text -------------------------------------------------------------------

const knobWords = (k: Knobs) => Object.entries(k).map(([name, v]) => `${name}=${v}`);

/** `design preset k=v...` of a trace. */
export const whereOf = (t: Pick<Trace, 'design' | 'preset' | 'overrides'>) => [t.design, t.preset, ...knobWords(t.overrides)].join(' ');

/** `Observation <property> <verdict>[ at step N]`, and under a violation what the check saw. */
function observationLines(observations: readonly Observation[]): string[] {
  const idW = widest(observations.map((o) => o.property));
  return observations.flatMap((o) => [
    `Observation ${o.property.padEnd(idW)}  ${o.verdict}${o.step === null ? '' : ` at step ${o.step}`}`,
    ...(o.verdict === 'violated' && o.detail ? foldUnits(' ', softUnits(o.detail), { indent: 2 }) : []),
  ]);
}

const idWords = (ids: readonly string[]) => (ids.length === 0 ? 'none' : ids.join(' '));

/** The replay as text, under `heading`: today's returns step by step, then what the trace claims, then the verdict. */
export function replayText(r: Replay, heading: string): string {
  const t = r.trace;
  const lines = [...foldUnits('', softUnits(heading), { indent: 2 }), ''];
  const groups = stepLineGroups(t.config, r.steps.map((s) => ({ action: t.steps[s.n - 1]!.action, ret: s.now })));
  r.steps.forEach((s, i) => {
    const group = groups[i]!;
    const mark = s.stated === UNKNOWN ? '  (was ?)' : s.stated === s.now ? '' : `  (stated -> ${s.stated})`;
    if (mark && group.at(-1)!.length + mark.length > WIDTH) group.push(' '.repeat(6) + mark.trim());
    else group[group.length - 1] += mark;
    lines.push(...group);
    const indent = ' '.repeat(changeIndent(r.steps.length));
    if (s.changes?.length === 0) lines.push(`${indent}(no change)`);
    for (const c of s.changes ?? []) lines.push(`${indent}${c}`);
  });
  lines.push('');
  const d = r.divergence;
  if (d) lines.push(`Divergence: step ${d.step}${d.line === null ? '' : ` (line ${d.line})`}: stated -> ${d.stated}, now -> ${d.now}`);
  else if (r.unknown === 0) lines.push(`Returns: all ${r.steps.length} as stated`);
  else lines.push(`Returns: ${r.steps.length - r.unknown} as stated, ${r.unknown} unknown (?)`);
  if (r.verdict) {
    lines.push(`Result: ${r.verdict.property} ${r.verdict.now} (stated ${r.verdict.stated})`);
    const now = r.observations.find((o) => o.property === r.verdict!.property)?.detail;
    if (now && now !== t.detail) lines.push(...fold('Detail:', now, { indent: 2 }));
  } else if (r.outcome) {
    const { stated, now } = r.outcome;
    lines.push(...foldUnits('Violates:', [...idWords(now.violates).split(' '), `(stated ${idWords(stated.violates)})`], { indent: 2 }));
    lines.push(...foldUnits('Witnesses:', [...idWords(now.witnesses).split(' '), `(stated ${idWords(stated.witnesses)})`], { indent: 2 }));
  } else lines.push(...observationLines(r.observations));
  lines.push(r.reproduced ? 'Reproduced.' : 'NOT reproduced.');
  if (r.unknown > 0 || r.verdict?.stated === UNKNOWN) lines.push("Unknowns (?): 'p2pmodel replay --fill' prints them filled in.");
  return lines.join('\n') + '\n';
}

/** What a replay found otherwise than stated, in one line: the first return, the verdict, the outcome. */
export function notAsStated(r: Replay): string {
  const d = r.divergence;
  const v = r.verdict;
  const o = r.outcome;
  return [
    ...(d ? [`step ${d.step}${d.line === null ? '' : ` (line ${d.line})`} returns ${d.now}, stated ${d.stated}`] : []),
    ...(v && v.stated !== UNKNOWN && v.stated !== v.now ? [`${v.property} ${v.now}, stated ${v.stated}`] : []),
    ...(o && !sameOutcome(o.stated, o.now)
      ? [`violates ${idWords(o.now.violates)}, witnesses ${idWords(o.now.witnesses)} (stated: violates ${idWords(o.stated.violates)}, witnesses ${idWords(o.stated.witnesses)})`]
      : []),
  ].join('; ');
}

/** The replay as JSON (see the README): one entry of replay --json's `traces`. */
export function replayJson(r: Replay, written: { design: DesignId; preset: string; overrides: Knobs }) {
  const t = r.trace;
  const seen = r.verdict && r.observations.find((o) => o.property === r.verdict!.property);
  return {
    design: t.design,
    preset: t.preset,
    overrides: t.overrides,
    written,
    property: r.verdict?.property ?? null,
    stated: r.verdict?.stated ?? null,
    now: r.verdict?.now ?? null,
    reproduced: r.reproduced,
    divergence: r.divergence,
    unknown: r.unknown,
    detail: { stated: t.detail === '' ? null : t.detail, now: seen?.detail ?? null },
    outcome: r.outcome,
    observations: r.observations,
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
