// The expected table at the smallest search that meets it: breadth-first
// to depth 6, the longest shortest trace of the default world (dma-buf
// dynamic-move-notify, dma-to-bound-exporter), each preset's search inside
// its own it() so a mutation tool sees which test covers what. Within
// the depth every violated/sometimes cell is found and its trace
// replays; a holds/never cell is only not contradicted here.
// expected.test.ts proves it with the complete search.
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { defaultConfig } from '../../model/vocabulary.js';
import { catalogue } from '../../properties/catalogue.js';
import { evaluate, fromList } from '../../properties/evaluate.js';
import { checkExhaustive } from '../../properties/exhaustive.js';
import { expected } from '../../properties/expected.js';

const depth = 6;
const columns = designs.flatMap((d) => d.presets.map((p) => [`${d.id} ${p.name}`, d, p] as const));

describe.each(columns)('%s', (_name, design, preset) => {
  it(`meets the expected table within depth ${depth}; every finding replays to itself`, () => {
    const knobs = resolveKnobs(design, preset);
    const r = checkExhaustive(design, defaultConfig, knobs, { symmetry: true, depth });
    expect([r.complete, r.stoppedBy]).toEqual([false, 'depth']);
    const want = expected[design.id][preset.name]!;
    expect(Object.fromEntries(r.results.map((x) => [x.property, x.verdict]))).toEqual(
      Object.fromEntries(catalogue.map((p) => [p.id, want[p.id]!.verdict])),
    );
    for (const x of r.results) {
      if (!x.finding) continue;
      const property = catalogue.find((p) => p.id === x.property)!;
      const again = evaluate(design, defaultConfig, knobs, fromList(x.finding.steps.map((s) => s.action)), [property], { toEnd: true });
      expect(again.findings.get(x.property), x.property).toEqual(x.finding);
    }
  });
});
