// The expected-verdict table (properties/expected.ts), judged by the
// search: every cell of every preset of every registered design. A
// violated/sometimes cell is backed by a shrunk trace that replays; a
// holds/never cell by the runs made (10,000; P2P_DEEP=1 for 100,000).
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { actionKinds } from '../../model/vocabulary.js';
import { catalogue } from '../../properties/catalogue.js';
import { defaultRuns, defaultSeed } from '../../properties/defaults.js';
import { evaluate, fromList } from '../../properties/evaluate.js';
import { expected } from '../../properties/expected.js';
import { explore } from '../../properties/explore.js';

const runs = process.env.P2P_DEEP === '1' ? defaultRuns * 10 : defaultRuns;
const seed = defaultSeed();
/** Steps taken by the search, per action kind, over every design and preset. */
const coverage = new Map<string, number>();

describe.each(designs.map((d) => [d.id, d] as const))('%s', (id, design) => {
  const table = expected[id];

  it('has an expectation, with a reason, for every preset and property', () => {
    expect(Object.keys(table).sort()).toEqual(design.presets.map((p) => p.name).sort());
    for (const preset of design.presets)
      for (const p of catalogue) expect(table[preset.name]?.[p.id]?.reason, `${preset.name} ${p.id}`).toBeTruthy();
  });

  describe.each(design.presets.map((p) => [p.name] as const))('preset %s', (preset) => {
    const run = explore({ design, preset, runs, seed });
    for (const [kind, n] of run.coverage) coverage.set(kind, (coverage.get(kind) ?? 0) + n);

    it.each(run.results.map((r) => [r.property, r] as const))(`%s (seed ${seed})`, (_property, r) => {
      const want = table[preset]![r.property]!;
      expect(r.verdict, `${id}/${preset} ${r.property}: ${want.reason}`).toBe(want.verdict);
      if (!r.finding) return;
      // the shrunk trace replays, step for step, to the same finding
      const property = catalogue.find((p) => p.id === r.property)!;
      const actions = r.finding.steps.map((s) => s.action);
      const replay = evaluate(design, run.config, run.knobs, fromList(actions), [property]);
      expect(replay.steps.map((s) => s.ret)).toEqual(r.finding.steps.map((s) => s.ret).slice(0, replay.steps.length));
      expect(replay.findings.get(r.property)?.steps).toEqual(r.finding.steps);
    });
  });
});

describe('the search as a whole', () => {
  it('reaches every action of the vocabulary', () => {
    expect(actionKinds.filter((k) => !coverage.has(k))).toEqual([]);
  });

  it('has every safety and liveness property violated by some preset (it can fail)', () => {
    for (const p of catalogue.filter((c) => c.kind !== 'capability')) {
      const violators = Object.values(expected).flatMap((table) =>
        Object.values(table).filter((row) => row[p.id]?.verdict === 'violated'),
      );
      expect(violators.length, p.id).toBeGreaterThan(0);
    }
  });
});
