// Run one action sequence on a design and judge properties after every
// step: safety on the step's events, ghost view and audit; liveness by
// draining (liveness.ts); capabilities by a witness.
import type { Design, Knobs } from '../model/design.js';
import type { State } from '../model/state.js';
import type { Action, Config, Event, GhostView, TraceStep } from '../model/vocabulary.js';
import type { Property, PropertyId, StepView } from './catalogue.js';
import { drainOnce, goalStuck } from './liveness.js';

/** A violation or witness: the steps that show it, ending where it shows. */
export interface Finding {
  readonly property: PropertyId;
  readonly detail: string;
  readonly steps: readonly TraceStep[];
}

/** A StepView over a built ghost view. */
export function judgedStep(config: Config, events: readonly Event[], view: GhostView, audit: readonly string[]): StepView {
  return { config, events, view, audit, driver: (e) => view.exporters[e]?.driver ?? 'unbound' };
}

/** Where the next action comes from: a fixed list, or picks resolved against the state. */
export type ActionSource<S> = (state: S, index: number) => Action | null | undefined;

export const fromList =
  (actions: readonly Action[]): ActionSource<unknown> =>
  (_state, i) =>
    actions[i];

export interface Evaluation {
  readonly steps: readonly TraceStep[];
  readonly findings: ReadonlyMap<PropertyId, Finding>;
}

/**
 * Fold the source through `step`; stop when the source ends (undefined)
 * or, unless `toEnd`, every wanted property (if any) has a finding. A
 * null action is skipped.
 */
export function evaluate<S extends State>(
  design: Design<S>,
  config: Config,
  knobs: Knobs,
  source: ActionSource<S>,
  wanted: readonly Property[],
  opts: { readonly toEnd?: boolean } = {},
): Evaluation {
  const findings = new Map<PropertyId, Finding>();
  const steps: TraceStep[] = [];
  let state = design.init(config, knobs);
  const open = () => wanted.filter((p) => !findings.has(p.id));
  const record = (property: PropertyId, detail: string, tail: readonly TraceStep[] = []) =>
    findings.set(property, { property, detail, steps: [...steps, ...tail] });

  for (let i = 0; ; i++) {
    const action = source(state, i);
    if (action === undefined) break;
    if (action === null) continue;
    const result = design.step(state, action);
    state = result.state;
    steps.push({ action, ret: result.ret });
    const pending = open();
    const needsView = pending.some((p) => p.kind !== 'liveness');
    const stepView = needsView ? judgedStep(config, result.events, design.view(state), design.audit(state)) : undefined;
    const drained = drainOnce(design, state);
    for (const p of pending) {
      if (p.kind === 'safety') {
        const v = p.violation(stepView!);
        if (v) record(p.id, v);
      } else if (p.kind === 'capability') {
        if (p.witnessed(stepView!)) record(p.id, 'witnessed');
      } else if (p.goal !== 'clean') {
        const stuck = goalStuck(design, state, p.goal, drained);
        if (stuck) record(p.id, stuck.detail, stuck.tail);
      }
    }
    if (!opts.toEnd && wanted.length > 0 && findings.size === wanted.length) break;
  }
  for (const p of open()) {
    if (p.kind !== 'liveness' || p.goal !== 'clean') continue;
    const left = goalStuck(design, state, 'clean');
    if (left) record(p.id, left.detail, left.tail);
  }
  return { steps, findings };
}
