// model/symmetry.ts over random reachable states of every design and
// preset: the canonical form is a relabelling of the state, less the
// fields no step reads (everything a property or a step can see is the
// same, up to the names of processes, VMA slots, allocations, MRs,
// files and bios), canonicalising never changes the state, the form of
// a form is itself, and every byte of it is written. The rows of what
// it merges and what it keeps apart are in each design's symmetry.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import type { Machine } from '../../model/machine.js';
import type { State } from '../../model/state.js';
import { type Config, defaultConfig, type GhostView, type Ret } from '../../model/vocabulary.js';
import { fixedSeed } from '../../properties/defaults.js';
import { canonicalOf } from './canonical.js';
import { bytesOf, knobsOf, walk } from './run.js';

/** Three processes with two VMA slots, two MRs and two dma-buf files each, two bios, three allocations, three BAR pages: every kind of slot to rename. */
const crowded: Config = {
  ...defaultConfig,
  exporters: [{ name: 'e0', pages: 3 }],
  processes: 3,
  limits: { vmas: 2, mrs: 2, fds: 2, bios: 2, allocations: 3, faults: 1 },
};

/** The ghost view with allocations named by first appearance (pages, then evictions). */
function viewUpToNames(view: GhostView) {
  const names = new Map<number, number>();
  const name = (a: number) => {
    if (!names.has(a)) names.set(a, names.size);
    return names.get(a)!;
  };
  const pages = view.exporters.map((e) => e.pages.map((p) => (p.owner === null ? null : name(p.owner))));
  const evicting = view.exporters.map((e) => e.evicting.map(name).sort((x, y) => x - y));
  return { drivers: view.exporters.map((e) => e.driver), pages, evicting, obligations: view.obligations };
}

/** Every enabled action's outcome, names stripped (`vma1` -> `vma`), as a sorted multiset (events too: a step visits slots in their order). */
function successors(m: Machine<State>, s: State): string[] {
  const enabled = new Int32Array(m.actions.length);
  const n = m.enabledInto(s, enabled);
  const seen: string[] = [];
  for (let k = 0; k < n; k++) {
    const out = m.out();
    const ret: Ret = m.applyAt(s, enabled[k]!, out);
    const changed = out.written && bytesOf(out.d).some((x, i) => x !== s.b[s.o + i]);
    seen.push(`${m.actions[enabled[k]!]!.kind} ${ret.replace(/\d+$/, '')} ${out.events.map((e) => e.kind).sort().join(',')} ${changed}`);
  }
  return seen.sort();
}

describe.each(designs.flatMap((d) => [defaultConfig, crowded].map((config) => [d.id, config === defaultConfig ? 'default' : 'crowded', d, config] as const)))(
  '%s, %s world',
  (_id, _world, design, config) => {
    const presetArb = fc.constantFrom(...design.presets.map((p) => p.name));
    const walkArb = fc.tuple(presetArb, fc.array(fc.nat(), { minLength: 1, maxLength: 24 }));

    it('the canonical form is a relabelling: view, audit, held, clean, obligations and every successor agree', () => {
      fc.assert(
        fc.property(walkArb, ([preset, picks]) => {
          const m = design.machine(config, knobsOf(design, { preset }));
          const s = walk(m, picks).at(-1)!;
          const before = bytesOf(s);
          const c = m.wrap(canonicalOf(s), 0);
          expect(bytesOf(s)).toEqual(before);
          expect(viewUpToNames(design.view(c))).toEqual(viewUpToNames(design.view(s)));
          expect(design.audit(c).length).toBe(design.audit(s).length);
          expect(design.held(c).length).toBe(design.held(s).length);
          expect([m.clean(c), m.unbinding(c), m.evicting(c)]).toEqual([m.clean(s), m.unbinding(s), m.evicting(s)]);
          expect(successors(m, c)).toEqual(successors(m, s));
        }),
        { seed: fixedSeed, numRuns: 150 },
      );
    });

    it('the canonical form of a canonical form is itself', () => {
      fc.assert(
        fc.property(walkArb, ([preset, picks]) => {
          const m = design.machine(config, knobsOf(design, { preset }));
          for (const s of walk(m, picks)) {
            const form = canonicalOf(s);
            expect(canonicalOf(m.wrap(form, 0))).toEqual(form);
            // every byte is written, padding too, and none past it: a buffer's old bytes never show through
            const dirty = new Uint8Array(m.width + 8).fill(0xff);
            m.canonical(s, dirty, 4);
            expect(dirty.subarray(4, 4 + m.width)).toEqual(form);
            expect([dirty[3], dirty[4 + m.width]]).toEqual([0xff, 0xff]);
          }
        }),
        { seed: fixedSeed, numRuns: 150 },
      );
    });
  },
);
