// The Design contract: every design is a pure state machine over the
// shared vocabulary, in the shape of XState's
// transition(logic, snapshot, event) -> [next, actions].
import type { Machine } from './machine.js';
import type { State } from './state.js';
import type { Action, Config, GhostView, Step } from './vocabulary.js';

export type DesignId = 'struct-page' | 'vma-p2p' | 'dma-buf';

/** Knob values are words (`on`, `off`, `refused`...) so a CLI can set them. */
export type Knobs = Readonly<Record<string, string>>;

export interface KnobSpec {
  readonly name: string;
  readonly values: readonly string[];
  readonly default: string;
  /** One line: which design decision the knob is. */
  readonly doc: string;
  /** The commit or message the decision comes from. */
  readonly cite: string;
}

export interface PresetSpec {
  readonly name: string;
  /** One line: what the preset stands for. */
  readonly doc: string;
  readonly cite: string;
  /** Only the knobs that differ from their defaults. */
  readonly knobs: Knobs;
}

export interface Design<S extends State = State> {
  readonly id: DesignId;
  readonly title: string;
  /** The first preset is the design's default. */
  readonly presets: readonly PresetSpec[];
  readonly knobs: readonly KnobSpec[];
  init(config: Config, knobs: Knobs): S;
  /** Pure and total: never changes `state`, never throws. */
  step(state: S, action: Action): Step<S>;
  /** Concrete actions worth trying from `state`. */
  enabled(state: S): Action[];
  view(state: S): GhostView;
  /** Broken internal accounting, empty when consistent. */
  audit(state: S): string[];
  /** References and memory still held; empty once the world is idle and clean. */
  held(state: S): string[];
  /** The state in kernel words, keyed by the names a trace uses (e0, p0, vma0, mr0...). */
  decode(state: S): Record<string, unknown>;
  /** The packed machine of a world: what the exhaustive search drives (same step). */
  machine(config: Config, knobs: Knobs): Machine<S>;
}

/** A lore message by its Message-ID, as knobs, presets and properties cite one. */
export const lore = (id: string) => `https://lore.kernel.org/r/${id}`;

/**
 * Knob overrides from `name=value` words (a trace's `Knobs:` line, the
 * `--knob` options); `fail` is told what was expected instead.
 */
export function knobOverrides(design: Pick<Design, 'id' | 'knobs'>, words: readonly string[], fail: (expected: string) => never): Knobs {
  const knobs: Record<string, string> = {};
  for (const word of words) {
    const m = /^([^=\s]+)=(\S+)$/.exec(word);
    if (!m) fail(`name=value, got '${word}'`);
    const [, name, value] = m as unknown as [string, string, string];
    const spec = design.knobs.find((k) => k.name === name);
    if (!spec) fail(`a knob of ${design.id} (one of: ${design.knobs.map((k) => k.name).join(', ')}), got '${name}'`);
    if (!spec.values.includes(value)) fail(`${name}=${spec.values.join('|')}, got '${word}'`);
    if (Object.hasOwn(knobs, name)) fail(`each knob once, got ${name} twice`);
    knobs[name] = value;
  }
  return knobs;
}

/** Resolve a preset plus overrides into a full knob set, defaults filled in. */
export function resolveKnobs(design: Pick<Design, 'knobs'>, preset: PresetSpec, overrides: Knobs = {}): Knobs {
  const knobs: Record<string, string> = {};
  for (const spec of design.knobs) knobs[spec.name] = spec.default;
  return { ...knobs, ...preset.knobs, ...overrides };
}
