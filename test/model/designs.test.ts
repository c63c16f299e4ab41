// Every registered design: step is pure (never mutates a deep-frozen
// input) and total (never throws, even on nonsense ids), and enabled()
// offers only actions the vocabulary knows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { type Action, actionKinds, defaultConfig, isFailure } from '../../model/vocabulary.js';
import { fixedSeed } from '../../properties/defaults.js';

const id = fc.integer({ min: -1, max: 6 });
const rawAction: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('proc_mmap' as const), proc: id, exporter: id, pages: id, shared: fc.boolean(), offset: id }),
  fc.record({ kind: fc.constant('proc_munmap' as const), proc: id, vma: id }),
  fc.record({ kind: fc.constant('proc_fork' as const), proc: id }),
  fc.record({ kind: fc.constant('proc_exit' as const), proc: id }),
  fc.record({ kind: fc.constant('proc_touch' as const), proc: id, vma: id, page: id }),
  fc.record({ kind: fc.constant('proc_odirect' as const), proc: id, importer: id, vma: id, page: id, read: fc.boolean() }),
  fc.record({ kind: fc.constant('proc_kernel_copy' as const), proc: id, vma: id, page: id }),
  fc.record({ kind: fc.constant('proc_reg_mr' as const), proc: id, importer: id, vma: id, odp: fc.boolean() }),
  fc.record({ kind: fc.constant('proc_dereg_mr' as const), proc: id, mr: id }),
  fc.record({ kind: fc.constant('dev_io_dma' as const), importer: id, io: id }),
  fc.record({ kind: fc.constant('dev_io_complete' as const), importer: id, io: id }),
  fc.record({ kind: fc.constant('dev_mr_dma' as const), importer: id, mr: id, page: id }),
  fc.record({ kind: fc.constant('importer_ack_invalidate' as const), importer: id, mr: id }),
  fc.record({ kind: fc.constant('exporter_evict' as const), exporter: id, alloc: id }),
  fc.record({ kind: fc.constant('exporter_evict_finish' as const), exporter: id, alloc: id }),
  fc.record({ kind: fc.constant('exporter_unbind' as const), exporter: id }),
  fc.record({ kind: fc.constant('exporter_unbind_finish' as const), exporter: id }),
  fc.record({ kind: fc.constant('inject_insert_fail' as const), nth: id }),
);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe.each(designs.map((d) => [d.id, d] as const))('%s', (_id, design) => {
  const presetArb = fc.constantFrom(...design.presets);
  // Half the steps are enabled actions (deep states), half raw nonsense.
  const stepArb = fc.tuple(fc.boolean(), fc.nat(), rawAction);

  it('step is pure and total over random sequences from every preset', () => {
    fc.assert(
      fc.property(presetArb, fc.array(stepArb, { maxLength: 30 }), (preset, steps) => {
        let state = design.init(defaultConfig, resolveKnobs(design, preset));
        for (const [useEnabled, choice, raw] of steps) {
          const enabled = design.enabled(state);
          const action = useEnabled && enabled.length > 0 ? enabled[choice % enabled.length]! : raw;
          const before = structuredClone(state);
          deepFreeze(state);
          const result = design.step(state, action);
          expect(state).toEqual(before);
          expect(typeof result.ret).toBe('string');
          design.view(result.state);
          design.audit(result.state);
          state = result.state;
        }
      }),
      { seed: fixedSeed, numRuns: 400 },
    );
  });

  it('enabled() offers only vocabulary actions; without an armed fault a refusal changes nothing', () => {
    fc.assert(
      fc.property(presetArb, fc.array(fc.nat(), { maxLength: 20 }), (preset, choices) => {
        let state = design.init(defaultConfig, resolveKnobs(design, preset));
        for (const choice of choices) {
          const enabled = design.enabled(state);
          for (const a of enabled) expect(actionKinds).toContain(a.kind);
          if (enabled.length === 0) return;
          const armed = !enabled.some((a) => a.kind === 'inject_insert_fail');
          const r = design.step(state, enabled[choice % enabled.length]!);
          if (isFailure(r.ret) && !armed) expect(r.state).toEqual(state);
          state = r.state;
        }
      }),
      { seed: fixedSeed, numRuns: 300 },
    );
  });
});
