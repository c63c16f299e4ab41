// Liveness of one run as bounded progress: from a state, run only
// kernel and device steps that discharge an obligation (an mmap linking
// its VMA, I/O completion, an importer's fence + p2p_unmap, eviction or
// unbind finishing) and see whether the goal is reached.
//
// Why the bound is enough: every such step that succeeds discharges at
// least one of view().obligations (an mmap not yet linked, an in-flight
// I/O, a pending invalidation, an eviction or unbind in progress) and none creates one,
// so a fair drain ends after at most `obligations` successful steps (and
// with none, there is nothing to try). If the goal is still open when no
// progress step succeeds, no schedule of kernel and device steps reaches
// it: it waits on user space (or forever).
import type { Design } from '../model/design.js';
import type { State } from '../model/state.js';
import type { Action, ActionKind, TraceStep } from '../model/vocabulary.js';
import { isFailure } from '../model/vocabulary.js';
import type { LivenessGoal } from './catalogue.js';

/** Kernel and device steps that discharge an obligation: what a liveness goal may wait for. */
export const progressKinds: ReadonlySet<ActionKind> = new Set([
  'proc_mmap_link',
  'dev_io_complete',
  'importer_ack_invalidate',
  'exporter_evict_finish',
  'exporter_unbind_finish',
]);

export interface Drained<S> {
  readonly state: S;
  readonly steps: readonly TraceStep[];
}

export function drain<S extends State>(design: Design<S>, state: S): Drained<S> {
  const steps: TraceStep[] = [];
  let s = state;
  const bound = design.view(s).obligations;
  for (let i = 0; i < bound; i++) {
    const next = design
      .enabled(s)
      .filter((a) => progressKinds.has(a.kind))
      .map((action) => ({ action, result: design.step(s, action) }))
      .find(({ result }) => !isFailure(result.ret));
    if (!next) break;
    steps.push({ action: next.action, ret: next.result.ret });
    s = next.result.state;
  }
  return { state: s, steps };
}

export interface Stuck<S> {
  readonly detail: string;
  /** The steps after the prefix that show it: the drain, then the blocked call. */
  readonly tail: readonly TraceStep[];
  readonly state: S;
}

/** The drain of one state, run at most once however many goals ask for it. */
export type DrainOnce<S> = () => Drained<S>;

export function drainOnce<S extends State>(design: Design<S>, state: S): DrainOnce<S> {
  let drained: Drained<S> | undefined;
  return () => (drained ??= drain(design, state));
}

/** Unbind started on some exporter: does draining finish it? */
export function unbindStuck<S extends State>(design: Design<S>, state: S, drained = drainOnce(design, state)): Stuck<S> | null {
  if (!design.view(state).exporters.some((e) => e.driver === 'unbinding')) return null;
  const { state: end, steps } = drained();
  const stuck = design.view(end).exporters.findIndex((e) => e.driver === 'unbinding');
  if (stuck < 0) return null;
  const blocked: Action = { kind: 'exporter_unbind_finish', exporter: stuck };
  const tail = [...steps, { action: blocked, ret: design.step(end, blocked).ret }];
  return { detail: `unbind of exporter ${stuck} waits on user space: ${held(design, end)}`, tail, state: end };
}

/** An eviction started: does draining finish it? */
export function evictStuck<S extends State>(design: Design<S>, state: S, drained = drainOnce(design, state)): Stuck<S> | null {
  if (!design.view(state).exporters.some((e) => e.evicting.length > 0)) return null;
  const { state: end, steps } = drained();
  const exporter = design.view(end).exporters.findIndex((e) => e.evicting.length > 0);
  if (exporter < 0) return null;
  const alloc = design.view(end).exporters[exporter]!.evicting[0]!;
  const blocked: Action = { kind: 'exporter_evict_finish', exporter, alloc };
  const tail = [...steps, { action: blocked, ret: design.step(end, blocked).ret }];
  return { detail: `eviction of a${alloc} waits on user space: ${held(design, end)}`, tail, state: end };
}

/** Every process exits (one inside mmap() once it links), then the drain: is everything back? */
export function leftBehind<S extends State>(design: Design<S>, state: S): Stuck<S> | null {
  const exits: TraceStep[] = [];
  let s = state;
  for (const kind of ['proc_mmap_link', 'proc_exit'])
    for (const action of design.enabled(s).filter((a) => a.kind === kind)) {
      const r = design.step(s, action);
      exits.push({ action, ret: r.ret });
      s = r.state;
    }
  const { state: end, steps } = drain(design, s);
  const left = design.held(end);
  if (left.length === 0) return null;
  return { detail: `after exit and drain: ${left.join('; ')}`, tail: [...exits, ...steps], state: end };
}

/** The check of one liveness goal on `state`; unbind and eviction share `drained`. */
export function goalStuck<S extends State>(design: Design<S>, state: S, goal: LivenessGoal, drained = drainOnce(design, state)): Stuck<S> | null {
  if (goal === 'unbind') return unbindStuck(design, state, drained);
  if (goal === 'evict') return evictStuck(design, state, drained);
  return leftBehind(design, state);
}

function held<S extends State>(design: Design<S>, state: S): string {
  return design.held(state).join('; ') || 'nothing visible held';
}
