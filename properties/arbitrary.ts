// fast-check's view of a run: a list of picks, each an action kind and a
// choice among that kind's enabled actions in the current state. Kinds
// survive shrinking even when an earlier step is dropped, so shrunk
// counterexamples stay meaningful; every pick's toString is the kind. The
// halves of a split mmap are drawn as mmap picks (resolvePick), so designs
// that never split draw as they did before the split existed.
import fc from 'fast-check';
import type { Design } from '../model/design.js';
import type { State } from '../model/state.js';
import type { Action, ActionKind } from '../model/vocabulary.js';
import type { ActionSource } from './evaluate.js';

export interface Pick {
  readonly kind: ActionKind;
  readonly choice: number;
}

/**
 * How often each kind is drawn. Steps that end a chain (munmap, ack,
 * unbind, exit, evict) are rarer than steps that build one, so long runs
 * reach deep states; measured by hit rate on the rarest violated cells.
 */
const weights: Readonly<Record<Exclude<ActionKind, 'proc_mmap_start' | 'proc_mmap_link'>, number>> = {
  proc_mmap: 4,
  proc_munmap: 1,
  proc_fork: 1,
  proc_exit: 1,
  proc_touch: 1,
  proc_odirect: 5,
  proc_kernel_copy: 1,
  proc_reg_mr: 4,
  proc_dereg_mr: 1,
  proc_vfio_dma_buf: 3,
  proc_prime_export: 3,
  proc_reg_dmabuf_mr: 4,
  proc_bind_rx: 2,
  proc_close: 1,
  dev_io_dma: 6,
  dev_io_complete: 2,
  dev_mr_dma: 6,
  importer_ack_invalidate: 1,
  exporter_evict: 1,
  exporter_evict_finish: 3,
  exporter_unbind: 1,
  exporter_unbind_finish: 3,
  exporter_memory: 1,
  exporter_reset: 1,
  exporter_restore: 1,
  inject_insert_fail: 1,
};

const pickArb: fc.Arbitrary<Pick> = fc.oneof(
  ...(Object.entries(weights) as [ActionKind, number][]).map(([kind, weight]) => ({
    weight,
    arbitrary: fc.nat({ max: 255 }).map((choice): Pick => ({ kind, choice })),
  })),
);

// size 'max': fast-check's default size would cap runs near 10 steps.
export const picksArb = (maxLength: number): fc.Arbitrary<Pick[]> => fc.array(pickArb, { maxLength, size: 'max' });

/**
 * An mmap pick whose choice is at least this stops before vma_link_file()
 * (mmap_start) where the design offers that: shrinking the choice turns it
 * into a whole mmap, so a shrunk trace splits an mmap only if it must.
 */
const SPLIT_FROM = 224;

/** The actions an mmap pick stands for: a pending mmap's link first, then a split or a whole mmap. */
function mmapCandidates(enabled: readonly Action[], choice: number): Action[] {
  const links = enabled.filter((a) => a.kind === 'proc_mmap_link');
  if (links.length > 0) return links;
  const split = choice >= SPLIT_FROM ? enabled.filter((a) => a.kind === 'proc_mmap_start') : [];
  return split.length > 0 ? split : enabled.filter((a) => a.kind === 'proc_mmap');
}

/** The action a pick stands for in `state`, or null when its kind has none enabled. */
export function resolvePick<S extends State>(design: Design<S>, state: S, pick: Pick): Action | null {
  const enabled = design.enabled(state);
  const candidates = pick.kind === 'proc_mmap' ? mmapCandidates(enabled, pick.choice) : enabled.filter((a) => a.kind === pick.kind);
  return candidates.length === 0 ? null : candidates[pick.choice % candidates.length]!;
}

export function fromPicks<S extends State>(design: Design<S>, picks: readonly Pick[]): ActionSource<S> {
  return (state, i) => {
    const pick = picks[i];
    return pick === undefined ? undefined : resolvePick(design, state, pick);
  };
}
