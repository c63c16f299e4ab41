// What the canonical-form tables of every design share: reach a state
// from init by a list of actions (each expected to succeed, or marked to
// fail), then say how two states compare as bytes and as canonical forms
// (model/symmetry.ts).
import type { Design } from '../../model/design.js';
import type { State } from '../../model/state.js';
import { type Action, isFailure } from '../../model/vocabulary.js';
import { bytesOf, run, type Setup } from './run.js';

/** An action the row means to fail (its errno is part of the history). */
export type Act = Action | { readonly fails: Action };
export const fails = (a: Action): Act => ({ fails: a });

/** A history, run in the row's setup, or in its own (a preset of its own, knobs on top of the setup's, the same world). */
export type Side = readonly Act[] | (Setup & { readonly actions: readonly Act[] });

/**
 *   same    the states' bytes are equal (so their forms are too)
 *   iso     the bytes differ, the canonical forms are equal: one state
 *           relabelled (processes, VMA slots, allocations, MRs, bios),
 *           or differing only in a field left out of the form
 *   differ  the forms differ
 */
export type Relation = 'same' | 'iso' | 'differ';
export type Row = [name: string, a: Side, b: Side, want: Relation, setup?: Setup];

/** The canonical form of `s`, as bytes. */
export function canonicalOf(s: State): Uint8Array {
  const form = new Uint8Array(s.layout.width);
  s.m.canonical(s, form, 0);
  return form;
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export function canonicalRelation<S extends State>(design: Design<S>) {
  const reach = (side: Side, setup: Setup): S => {
    const acts = 'actions' in side ? side.actions : (side as readonly Act[]);
    const own = 'actions' in side ? { ...setup, ...side, knobs: { ...setup.knobs, ...side.knobs } } : setup;
    const actions = acts.map((act) => ('fails' in act ? act.fails : act));
    const r = run(design, actions, own);
    r.rets.forEach((ret, i) => {
      if (isFailure(ret) !== 'fails' in acts[i]!) throw new Error(`step ${i} ${actions[i]!.kind} returned ${ret}`);
    });
    return r.state;
  };
  return (a: Side, b: Side, setup: Setup = {}): Relation => {
    const [sa, sb] = [reach(a, setup), reach(b, setup)];
    if (equal(bytesOf(sa), bytesOf(sb))) return 'same';
    return equal(canonicalOf(sa), canonicalOf(sb)) ? 'iso' : 'differ';
  };
}
