// What each call returns on a design: the union, over its presets, of
// the returns the complete search of a world saw (every action tried in
// every reachable state). The call reference (docs/calls.json) lists it.
import { type Design, resolveKnobs } from '../model/design.js';
import type { ActionKind, Config } from '../model/vocabulary.js';
import { actionKinds } from '../model/vocabulary.js';
import { type CheckResult, checkExhaustive } from './exhaustive.js';

/** Return words in a fixed order: ids and 0 first, then errnos, signals and BOUND, each alphabetically. */
const order = (a: string, b: string) => {
  const rank = (w: string) => (w === '0' ? 0 : /^(?:vma|io|mr|fd|p)N$/.test(w) ? 1 : w.startsWith('-') ? 2 : 3);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
};

/** The union of what the searches' `returns` saw, per action kind, in order. */
export function unionOfReturns(results: readonly CheckResult[]): Record<ActionKind, string[]> {
  const seen = new Map<ActionKind, Set<string>>(actionKinds.map((k) => [k, new Set()]));
  for (const r of results) for (const [kind, words] of r.returns!) for (const w of words) seen.get(kind)!.add(w);
  return Object.fromEntries(actionKinds.map((k) => [k, [...seen.get(k)!].sort(order)])) as Record<ActionKind, string[]>;
}

export function observedReturns(design: Design, config: Config): Record<ActionKind, string[]> {
  return unionOfReturns(design.presets.map((p) => checkExhaustive(design, config, resolveKnobs(design, p), { symmetry: true, returns: true })));
}
