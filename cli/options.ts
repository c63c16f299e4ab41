// Turning option words into model objects; anything unknown is a UsageError.
import { type Design, type Knobs, knobOverrides, type PresetSpec } from '../model/design.js';
import { designs, findDesign } from '../model/designs.js';
import { catalogue, findProperty, type PropertyId } from '../properties/catalogue.js';
import { type Config, defaultConfig } from '../model/vocabulary.js';
import { loadWorld, worldNames } from '../worlds/load.js';
import { usage } from './errors.js';

export function designOption(id: string | undefined): Design {
  if (id === undefined) return usage('--design is required (one of: ' + designs.map((d) => d.id).join(', ') + ')');
  return findDesign(id) ?? usage(`--design: unknown design '${id}' (one of: ${designs.map((d) => d.id).join(', ')})`);
}

/** The preset `name` of `design` (its first without one); `option` is how the user named it. */
export function presetOption(design: Design, name: string | undefined, option = '--preset'): PresetSpec {
  if (name === undefined) return design.presets[0]!;
  const names = design.presets.map((p) => p.name);
  return (
    design.presets.find((p) => p.name === name) ??
    usage(`${option}: unknown preset '${name}' of ${design.id} (one of: ${names.join(', ')})`)
  );
}

export const knobOptions = (design: Design, pairs: readonly string[]): Knobs =>
  knobOverrides(design, pairs, (expected) => usage(`--knob: expected ${expected}`));

export function propertyOptions(ids: readonly string[]): PropertyId[] | undefined {
  if (ids.length === 0) return undefined;
  return ids.map(
    (id) => findProperty(id)?.id ?? usage(`--property: unknown property '${id}' (one of: ${catalogue.map((p) => p.id).join(', ')})`),
  );
}

export function intOption(name: string, value: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    usage(`${name}: expected a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

/** fast-check seeds are 32-bit: a larger one would silently alias a smaller. */
export const seedOption = (value: string | undefined, fallback: number) => intOption('--seed', value, fallback, 0, 2 ** 32 - 1);

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--world NAME|FILE`: a shipped world or a world file; the default world without it. */
export function worldOption(spec: string | undefined): { readonly name: string; readonly config: Config } {
  if (spec === undefined) return { name: 'default', config: defaultConfig };
  try {
    const world = loadWorld(spec);
    return { name: world.name, config: world.config };
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (code === undefined) throw err; // a TraceSyntaxError: FILE:LINE, exit 2
    return usage(`--world: no shipped world '${spec}' (one of: ${worldNames().join(', ')}) and no file: ${code}`);
  }
}
