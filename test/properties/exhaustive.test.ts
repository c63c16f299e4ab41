// The complete search (properties/exhaustive.ts) against itself on every
// preset of the default world: symmetry reduction merges states, never a
// verdict or a shortest length; a search bounded by depth is incomplete
// and agrees with the complete one on everything within its depth,
// liveness included (it closes its graph under kernel, device and exit
// steps). The fast mechanics are in search.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Design, type Knobs, resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { defaultConfig } from '../../model/vocabulary.js';
import { catalogue } from '../../properties/catalogue.js';
import { evaluate, type Finding, fromList } from '../../properties/evaluate.js';
import { type CheckResult, checkExhaustive } from '../../properties/exhaustive.js';

/** The deepest state a finding of the default world shows its property in (vma-p2p exporter-no-wait). */
const deepest = 6;

/** The fewest steps of a finding after which evaluate() finds its property: where its state is. */
function depthOf(design: Design, knobs: Knobs, finding: Finding): number {
  const property = catalogue.find((p) => p.id === finding.property)!;
  const actions = finding.steps.map((s) => s.action);
  for (let k = 0; k <= actions.length; k++)
    if (evaluate(design, defaultConfig, knobs, fromList(actions.slice(0, k)), [property]).findings.has(property.id)) return k;
  throw new Error(`${property.id}: no prefix of the finding shows it`);
}

describe.each(designs.flatMap((d) => d.presets.map((p) => [`${d.id}/${p.name}`, d, resolveKnobs(d, p)] as const)))('%s', (_name, design, knobs) => {
  let on: CheckResult;
  let off: CheckResult;
  beforeAll(() => {
    on = checkExhaustive(design, defaultConfig, knobs, { symmetry: true });
    off = checkExhaustive(design, defaultConfig, knobs, { symmetry: false });
  });

  it('symmetry on and off: both complete, the same verdicts and shortest lengths, fewer states with it', () => {
    expect([on.complete, off.complete]).toEqual([true, true]);
    expect(on.results.map((r) => [r.property, r.verdict, r.finding?.steps.length])).toEqual(
      off.results.map((r) => [r.property, r.verdict, r.finding?.steps.length]),
    );
    expect(on.states).toBeLessThan(off.states);
    expect(on.transitions).toBeLessThan(off.transitions);
    expect(on.diameter).toBeLessThanOrEqual(off.diameter);
  });

  it('without symmetry, every finding replays to itself too', () => {
    for (const r of off.results) {
      if (!r.finding) continue;
      const property = catalogue.find((p) => p.id === r.property)!;
      const again = evaluate(design, defaultConfig, knobs, fromList(r.finding.steps.map((s) => s.action)), [property], { toEnd: true });
      expect(again.findings.get(r.property), r.property).toEqual(r.finding);
    }
  });

  it(`bounded by depth 0..${deepest}: incomplete, and exactly the complete search's findings that fit`, () => {
    const depths = new Map(on.results.flatMap((r) => (r.finding ? [[r.property, depthOf(design, knobs, r.finding)] as const] : [])));
    expect(Math.max(...depths.values())).toBeLessThanOrEqual(deepest);
    for (let depth = 0; depth <= deepest; depth++) {
      const bounded = checkExhaustive(design, defaultConfig, knobs, { symmetry: true, depth });
      expect([bounded.complete, bounded.stoppedBy, bounded.diameter], `depth ${depth}`).toEqual([false, 'depth', depth]);
      expect(bounded.states).toBeLessThan(on.states);
      on.results.forEach((r, i) => {
        const fits = r.finding !== undefined && depths.get(r.property)! <= depth;
        expect(bounded.results[i]!.finding, `${r.property} at depth ${depth}`).toEqual(fits ? r.finding : undefined);
      });
    }
  });
});
