// Every shipped world is finite: the complete search of each design and
// preset in it runs to the end (a holds there is a proof for that world),
// its size is the pinned one (world-sizes.ts), and its findings replay.
// The default world's searches are expected.test.ts's; this file makes
// the others'.
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { defaultConfig } from '../../model/vocabulary.js';
import { catalogue } from '../../properties/catalogue.js';
import { evaluate, fromList } from '../../properties/evaluate.js';
import { checkExhaustive } from '../../properties/exhaustive.js';
import { loadWorld, worldNames } from '../../worlds/load.js';
import { stateBound, worldSizes } from './world-sizes.js';

const columns = designs.flatMap((d) => d.presets.map((p) => ({ name: `${d.id}/${p.name}`, design: d, knobs: resolveKnobs(d, p) })));

describe('the shipped worlds', () => {
  it('each has a pinned size for every design and preset, and nothing else does', () => {
    expect(Object.keys(worldSizes).sort()).toEqual([...worldNames()].sort());
    for (const world of worldNames()) expect(Object.keys(worldSizes[world]!), world).toEqual(columns.map((c) => c.name));
  });

  it('the default world is the default config', () => {
    expect(loadWorld('default').config).toEqual(defaultConfig);
  });
});

describe.each(worldNames().filter((w) => w !== 'default'))('world %s', (world) => {
  const { config } = loadWorld(world);

  it.each(columns.map((c) => [c.name, c] as const))('%s: the complete search ends, at its pinned size; its findings replay', (name, { design, knobs }) => {
    const pinned = worldSizes[world]![name]!;
    const r = checkExhaustive(design, config, knobs, { symmetry: true, maxStates: stateBound(pinned) });
    expect([r.complete, r.stoppedBy]).toEqual([true, null]);
    expect({ states: r.states, transitions: r.transitions, diameter: r.diameter }).toEqual(pinned);
    for (const x of r.results) {
      if (!x.finding) continue;
      const property = catalogue.find((p) => p.id === x.property)!;
      const again = evaluate(design, config, knobs, fromList(x.finding.steps.map((s) => s.action)), [property], { toEnd: true });
      expect(again.findings.get(x.property), x.property).toEqual(x.finding);
    }
  });
});
