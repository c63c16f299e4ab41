// What the model tests share: run a design from init through a list of
// actions, read a state's bytes, and walk a machine at random to reach
// states no table lists.
import { type Design, type Knobs, resolveKnobs } from '../../model/design.js';
import type { Machine } from '../../model/machine.js';
import type { State } from '../../model/state.js';
import { type Action, type Config, defaultConfig, type Event, type Ret } from '../../model/vocabulary.js';

export interface Setup {
  /** A preset name; the design's first (its default) unless given. */
  readonly preset?: string;
  readonly knobs?: Knobs;
  readonly config?: Config;
}

export interface Run<S> {
  readonly state: S;
  /** The state the last action was applied to. */
  readonly before: S;
  /** The return of every action, in order. */
  readonly rets: readonly Ret[];
  /** The return of the last action. */
  readonly ret: Ret;
  /** The events of the last action. */
  readonly events: readonly Event[];
}

/** The full knob set of the setup's preset and overrides. */
export function knobsOf<S extends State>(design: Design<S>, setup: Setup): Knobs {
  const preset = design.presets.find((p) => p.name === (setup.preset ?? design.presets[0]!.name));
  if (!preset) throw new Error(`${design.id} has no preset ${setup.preset}`);
  return resolveKnobs(design as unknown as Design, preset, setup.knobs);
}

export function run<S extends State>(design: Design<S>, actions: readonly Action[], setup: Setup = {}): Run<S> {
  let state = design.init(setup.config ?? defaultConfig, knobsOf(design, setup));
  let before = state;
  const rets: Ret[] = [];
  let events: readonly Event[] = [];
  for (const action of actions) {
    before = state;
    const r = design.step(state, action);
    state = r.state;
    rets.push(r.ret);
    events = r.events;
  }
  return { state, before, rets, ret: rets[rets.length - 1] ?? '0', events };
}

/** A copy of the state's bytes: what purity and canonical forms are judged on. */
export const bytesOf = (s: State): Uint8Array => Uint8Array.from(s.b.subarray(s.o, s.o + s.layout.width));

/** The default world with exporters e0, e1... of these page counts, each importer routed to every one as to e0. */
export const withExporters = (pages: readonly number[]): Config => ({
  ...defaultConfig,
  exporters: pages.map((n, e) => ({ name: `e${e}`, pages: n })),
  routes: defaultConfig.routes.map((r) => pages.map(() => r[0]!)),
});

/** The world's limits raised, so that one process can hold several VMAs, MRs, bios, allocations. */
export const roomy: Config = { ...defaultConfig, limits: { vmas: 3, mrs: 2, fds: 1, bios: 2, allocations: 3, faults: 2 } };

/**
 * The states of one walk from init: at each step the enabled action
 * `pick % count` (the walk ends where none is enabled). Each state is
 * a fresh copy, free for the caller to keep.
 */
export function walk<S extends State>(m: Machine<S>, picks: readonly number[]): S[] {
  const enabled = new Int32Array(m.actions.length);
  let s = m.init();
  const states = [s];
  for (const pick of picks) {
    const n = m.enabledInto(s, enabled);
    if (n === 0) break;
    const out = m.out();
    m.applyAt(s, enabled[pick % n]!, out);
    if (out.written) s = out.d;
    states.push(s);
  }
  return states;
}
