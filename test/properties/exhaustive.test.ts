// Cross-checks between the random search and the exhaustive one: every
// holds/never cell is confirmed by breadth-first search to the default
// depth, and every violated/sometimes cell's shrunk random trace is as
// short as the exhaustive shortest. Symmetry changes counts, not verdicts.
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { defaultConfig } from '../../model/vocabulary.js';
import { defaultRuns, fixedSeed } from '../../properties/defaults.js';
import { checkExhaustive } from '../../properties/exhaustive.js';
import { expected } from '../../properties/expected.js';
import { explore } from '../../properties/explore.js';

/** Deep enough for every violated cell (the deepest needs 6 steps). */
const depth = process.env.P2P_DEEP === '1' ? 7 : 6;

describe.each(designs.flatMap((d) => d.presets.map((p) => [`${d.id}/${p.name}`, d, p] as const)))('%s', (_name, design, preset) => {
  const knobs = resolveKnobs(design, preset);
  const bfs = checkExhaustive(design, defaultConfig, knobs, { depth, symmetry: true, maxStates: 2_000_000 });
  const random = explore({ design, preset: preset.name, runs: defaultRuns, seed: fixedSeed });

  it(`agrees with the expected table to depth ${depth}`, () => {
    expect(bfs.complete).toBe(true);
    for (const r of bfs.results) expect(r.verdict, r.property).toBe(expected[design.id][preset.name]![r.property]!.verdict);
  });

  it('the shrunk random traces are as short as the shortest', () => {
    for (const r of random.results) {
      if (!r.finding) continue;
      const shortest = bfs.results.find((b) => b.property === r.property)!.finding!;
      expect(r.finding.steps.length, r.property).toBe(shortest.steps.length);
    }
  });
});

describe('exhaustive search mechanics', () => {
  const [design] = designs;
  const knobs = resolveKnobs(design!, design!.presets[1]!);

  it.each(designs.flatMap((d) => d.presets.map((p) => [`${d.id}/${p.name}`, d, p] as const)))(
    'symmetry reduction merges states without changing a verdict or a shortest length (%s)',
    (_name, d, p) => {
      const k = resolveKnobs(d, p);
      const on = checkExhaustive(d, defaultConfig, k, { depth: 4, symmetry: true, maxStates: 1e6 });
      const off = checkExhaustive(d, defaultConfig, k, { depth: 4, symmetry: false, maxStates: 1e6 });
      expect(on.states).toBeLessThan(off.states);
      expect(on.results.map((r) => [r.verdict, r.finding?.steps.length])).toEqual(
        off.results.map((r) => [r.verdict, r.finding?.steps.length]),
      );
    },
  );

  it.each(designs.map((d) => [d.id, d] as const))('alike importers are interchangeable (%s)', (_id, d) => {
    const nic = (name: string) => ({ kind: 'rdma' as const, name, odp: true });
    const twins = {
      ...defaultConfig,
      importers: [defaultConfig.importers[0]!, nic('nic0'), nic('nic1')],
      routes: [['bus-addr'], ['host-bridge'], ['host-bridge']] as const,
    };
    const unlike = { ...twins, routes: [['bus-addr'], ['host-bridge'], ['bus-addr']] as const };
    const k = resolveKnobs(d, d.presets[1]!);
    const run = (config: typeof defaultConfig, symmetry: boolean) => checkExhaustive(d, config, k, { depth: 4, symmetry, maxStates: 1e6 });
    expect(run(twins, true).states).toBeLessThan(run(unlike, true).states);
    expect(run(twins, true).results.map((r) => r.verdict)).toEqual(run(twins, false).results.map((r) => r.verdict));
  });

  it('reports progress as each level starts and every 1,024 new states', () => {
    const seen: { depth: number; states: number; transitions: number }[] = [];
    const r = checkExhaustive(design!, defaultConfig, knobs, { depth: 5, symmetry: false, maxStates: 1e6, onProgress: (p) => seen.push(p) });
    const levels = seen.filter((p, i) => i === 0 || p.depth !== seen[i - 1]!.depth);
    expect(levels.map((p) => p.depth)).toEqual([1, 2, 3, 4, 5]);
    expect(levels[0]).toEqual({ depth: 1, states: 1, transitions: 0 });
    const within = seen.filter((p) => !levels.includes(p));
    expect(within.length).toBe(Math.floor(r.states / 1024));
    for (const p of within) expect(p.states % 1024).toBe(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.transitions).toBeGreaterThanOrEqual(seen[i - 1]!.transitions);
  });

  it('the memory bound stops cleanly with the depth reached', () => {
    const r = checkExhaustive(design!, defaultConfig, knobs, { depth: 10, symmetry: true, maxStates: 500 });
    expect(r.complete).toBe(false);
    expect(r.states).toBe(500);
    expect(r.depth).toBeLessThan(10);
  });
});
