// Every registered design and preset: step is pure (the bytes of the
// state handed in never change) and total (it never throws, even on
// nonsense ids: negative, past the world, fractional), and enabled()
// offers only actions of the vocabulary, from the world's action table;
// a refusal leaves the state as it was unless it spends a fault injection;
// a slot id one past the world is refused;
// an action the design declares inert (which the complete search skips)
// changes nothing and shows no event a property reads, in any state; a
// step reads and writes no byte outside its own state.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { NONE } from '../../model/packed.js';
import { Out, type State } from '../../model/state.js';
import { type Action, actionKinds, defaultConfig, isFailure } from '../../model/vocabulary.js';
import { isJudged } from '../../properties/catalogue.js';
import { fixedSeed } from '../../properties/defaults.js';
import { bytesOf, knobsOf, roomy } from './run.js';

const id = fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constantFrom(99, 1.5, -0.5, 255, 256, Number.NaN));
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
  fc.record({ kind: fc.constant('proc_vfio_dma_buf' as const), proc: id, exporter: id, page: id, pages: id }),
  fc.record({ kind: fc.constant('proc_prime_export' as const), proc: id, vma: id }),
  fc.record({ kind: fc.constant('proc_reg_dmabuf_mr' as const), proc: id, importer: id, fd: id, odp: fc.boolean() }),
  fc.record({ kind: fc.constant('proc_bind_rx' as const), proc: id, importer: id, fd: id }),
  fc.record({ kind: fc.constant('proc_close' as const), proc: id, fd: id }),
  fc.record({ kind: fc.constant('exporter_memory' as const), exporter: id, on: fc.boolean() }),
  fc.record({ kind: fc.constant('exporter_reset' as const), exporter: id }),
  fc.record({ kind: fc.constant('exporter_restore' as const), exporter: id, alloc: id }),
);

/** The default world and a roomier one (several VMAs, MRs, bios per process). */
const worlds = fc.constantFrom(defaultConfig, roomy);

describe.each(designs.map((d) => [d.id, d] as const))('%s', (_id, design) => {
  const presetArb = fc.constantFrom(...design.presets.map((p) => p.name));
  // Half the steps are enabled actions (deep states), half raw nonsense.
  const stepArb = fc.tuple(fc.boolean(), fc.nat(), rawAction);

  it('step is pure and total over random sequences from every preset', () => {
    fc.assert(
      fc.property(presetArb, worlds, fc.array(stepArb, { maxLength: 30 }), (preset, config, steps) => {
        let state = design.init(config, knobsOf(design, { preset }));
        for (const [useEnabled, choice, raw] of steps) {
          const enabled = design.enabled(state);
          const action = useEnabled && enabled.length > 0 ? enabled[choice % enabled.length]! : raw;
          const before = bytesOf(state);
          const result = design.step(state, action);
          expect(bytesOf(state)).toEqual(before);
          expect(typeof result.ret).toBe('string');
          expect(result.state.layout).toBe(state.layout);
          design.view(result.state);
          design.audit(result.state);
          design.held(result.state);
          design.decode(result.state);
          state = result.state;
        }
      }),
      { seed: fixedSeed, numRuns: 400 },
    );
  });

  it('an action naming a slot past the world (a VMA, MR, bio, allocation or fd id) is refused and changes nothing', () => {
    const slotIds = ['vma', 'mr', 'io', 'alloc', 'fd'] as const;
    const namesSlot = rawAction.filter((a) => slotIds.some((f) => f in a));
    fc.assert(
      fc.property(presetArb, worlds, fc.array(fc.nat(), { maxLength: 25 }), namesSlot, fc.nat(), (preset, config, choices, raw, pick) => {
        const m = design.machine(config, knobsOf(design, { preset }));
        const fields = slotIds.filter((f) => f in raw);
        const field = fields[pick % fields.length]!;
        const limit = { vma: m.world.vmas, mr: m.world.mrs, io: m.layout.bios, alloc: m.world.allocs, fd: m.layout.fds }[field];
        // every other id names something, so that only the one past the world can refuse it
        const valid = Object.fromEntries(Object.entries({ proc: 0, exporter: 0, page: 0, pages: 1, offset: 0, nth: 0 }).filter(([k]) => k in raw));
        const importer = 'importer' in raw ? { importer: Math.abs(Math.trunc(Number(raw.importer) || 0)) % config.importers.length } : {};
        const action = { ...raw, ...valid, ...importer, [field]: limit } as Action;
        let state = design.init(config, knobsOf(design, { preset }));
        for (const choice of [...choices, 0]) {
          const r = design.step(state, action);
          expect(isFailure(r.ret), `${action.kind} ${field}=${limit}: ${r.ret}`).toBe(true);
          expect(bytesOf(r.state)).toEqual(bytesOf(state));
          const enabled = design.enabled(state);
          if (enabled.length === 0) return;
          state = design.step(state, enabled[choice % enabled.length]!).state;
        }
      }),
      { seed: fixedSeed, numRuns: 300 },
    );
  });

  it('a step reads and writes its own bytes only: a state among others (as in the search arena) steps as it does alone', () => {
    const pad = 16;
    fc.assert(
      fc.property(presetArb, worlds, fc.array(fc.nat(), { maxLength: 25 }), fc.constantFrom(0, 1, 0xff), (preset, config, choices, fill) => {
        const m = design.machine(config, knobsOf(design, { preset }));
        const enabled = new Int32Array(m.actions.length);
        /** A buffer of `fill` with room for a state at `pad`: read past either end, 1 looks like a live slot naming entity 0, 0xff like garbage. */
        const crowded = () => new Uint8Array(pad + m.width + pad).fill(fill);
        const untouched = (b: Uint8Array) => [...b.subarray(0, pad), ...b.subarray(pad + m.width)].every((x) => x === fill);
        let state = m.init();
        for (const choice of [...choices, 0]) {
          const input = crowded();
          input.set(bytesOf(state), pad);
          const among = m.wrap(input, pad);
          const n = m.enabledInto(state, enabled);
          for (let k = 0; k < n; k++) {
            const alone = m.out();
            const near = new Out(m.wrap(crowded(), pad));
            const ret = m.applyAt(state, enabled[k]!, alone);
            const nearRet = m.applyAt(among, enabled[k]!, near);
            const written = (o: Out<State>) => (o.written ? bytesOf(o.d) : null);
            // expect() only on a difference: a million passing expects cost more than the steps
            if (nearRet === ret && isDeepStrictEqual(near.events, alone.events) && isDeepStrictEqual(written(near), written(alone)) && untouched(input) && untouched(near.d.b)) continue;
            expect(nearRet, m.actions[enabled[k]!]!.kind).toBe(ret);
            expect(near.events).toEqual(alone.events);
            expect(written(near)).toEqual(written(alone));
            expect(untouched(input) && untouched(near.d.b)).toBe(true);
          }
          if (n === 0) return;
          const out = m.out();
          m.applyAt(state, enabled[choice % n]!, out);
          if (out.written) state = out.d;
        }
      }),
      { seed: fixedSeed, numRuns: 300 },
    );
  });

  it('enabled() offers only vocabulary actions, each from the action table; without an armed fault a refusal changes nothing', () => {
    fc.assert(
      fc.property(presetArb, worlds, fc.array(fc.nat(), { maxLength: 20 }), (preset, config, choices) => {
        let state = design.init(config, knobsOf(design, { preset }));
        const table = new Set(design.machine(config, knobsOf(design, { preset })).actions);
        for (const choice of choices) {
          const enabled = design.enabled(state);
          expect(enabled.filter((a) => !actionKinds.includes(a.kind) || !table.has(a))).toEqual([]);
          if (enabled.length === 0) return;
          const armed = state.header.armed !== NONE;
          const r = design.step(state, enabled[choice % enabled.length]!);
          if (isFailure(r.ret) && !armed) expect(bytesOf(r.state)).toEqual(bytesOf(state));
          state = r.state;
        }
      }),
      { seed: fixedSeed, numRuns: 300 },
    );
  });

  it('an action declared inert changes nothing and shows nothing judged, in every state a random walk reaches', () => {
    fc.assert(
      fc.property(presetArb, worlds, fc.array(fc.nat(), { maxLength: 25 }), (preset, config, choices) => {
        const m = design.machine(config, knobsOf(design, { preset }));
        const inert = m.actions.filter((_, i) => m.inertAt[i] === 1);
        let state = design.init(config, knobsOf(design, { preset }));
        for (const choice of choices) {
          for (const a of inert) {
            const r = design.step(state, a);
            if (isDeepStrictEqual(bytesOf(r.state), bytesOf(state)) && !r.events.some(isJudged)) continue;
            expect(bytesOf(r.state), `${a.kind} ${r.ret}`).toEqual(bytesOf(state));
            expect(r.events.filter(isJudged), a.kind).toEqual([]);
          }
          const enabled = design.enabled(state);
          if (enabled.length === 0) return;
          state = design.step(state, enabled[choice % enabled.length]!).state;
        }
      }),
      { seed: fixedSeed, numRuns: 30 },
    );
  });
});
