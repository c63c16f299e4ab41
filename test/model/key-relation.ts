// What the key tests of both designs share: reach a state from init by a
// list of actions (each expected to succeed, or marked to fail), then say
// how two states' keys compare with and without symmetry.
import { type Design, type Knobs, resolveKnobs } from '../../model/design.js';
import { type Action, type Config, defaultConfig, isFailure } from '../../model/vocabulary.js';

/** An action the row means to fail (its errno is part of the history). */
export type Act = Action | { readonly fails: Action };
export const fails = (a: Action): Act => ({ fails: a });

export interface World {
  readonly config?: Config;
  readonly preset?: string;
  readonly knobs?: Knobs;
}
export type Side = readonly Act[] | (World & { readonly actions: readonly Act[] });
export type Relation = 'same' | 'iso' | 'differ';
export type Row = [name: string, a: Side, b: Side, want: Relation, world?: World];

export function keyRelation<S>(design: Design<S>, defaultPreset: string) {
  const reach = (side: Side, world: World): S => {
    const w = 'actions' in side ? { ...world, ...side } : world;
    const acts = 'actions' in side ? side.actions : (side as readonly Act[]);
    const preset = design.presets.find((p) => p.name === (w.preset ?? defaultPreset))!;
    let s = design.init(w.config ?? defaultConfig, resolveKnobs(design as Design, preset, w.knobs));
    acts.forEach((act, i) => {
      const action = 'fails' in act ? act.fails : act;
      const r = design.step(s, action);
      if (isFailure(r.ret) !== 'fails' in act) throw new Error(`step ${i} ${action.kind} returned ${r.ret}`);
      s = r.state;
    });
    return s;
  };
  const relation = (a: Side, b: Side, world: World = {}): Relation | 'exact equal, symmetric differ' => {
    const [sa, sb] = [reach(a, world), reach(b, world)];
    const exact = design.key(sa, false) === design.key(sb, false);
    const sym = design.key(sa, true) === design.key(sb, true);
    if (exact) return sym ? 'same' : 'exact equal, symmetric differ';
    return sym ? 'iso' : 'differ';
  };
  return { reach, relation };
}
