// The expected table at the smallest search that meets it (2000 runs,
// seed 42): every cell of every preset, each search inside its own it()
// so a mutation tool sees which test covers what. expected.test.ts is the
// full judgement (10,000 runs, the exhaustive cross-check).
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { catalogue } from '../../properties/catalogue.js';
import { evaluate, fromList } from '../../properties/evaluate.js';
import { expected } from '../../properties/expected.js';
import { explore } from '../../properties/explore.js';

const columns = designs.flatMap((d) => d.presets.map((p) => [`${d.id} ${p.name}`, d, p.name] as const));

describe.each(columns)('%s', (_name, design, preset) => {
  it('meets the expected table at 2000 runs; every finding replays to itself', () => {
    const run = explore({ design, preset, runs: 2000, seed: 42 });
    const want = expected[design.id][preset]!;
    expect(Object.fromEntries(run.results.map((r) => [r.property, r.verdict]))).toEqual(
      Object.fromEntries(catalogue.map((p) => [p.id, want[p.id]!.verdict])),
    );
    for (const r of run.results) {
      if (!r.finding) continue;
      expect(r.finding.property).toBe(r.property);
      const property = catalogue.find((p) => p.id === r.property)!;
      const again = evaluate(design, run.config, run.knobs, fromList(r.finding.steps.map((s) => s.action)), [property]);
      expect(again.findings.get(r.property), r.property).toEqual(r.finding);
    }
  });
});
