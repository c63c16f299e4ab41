// model/machine.ts: the actions a design declares inert (machine.inertAt)
// are skipped by the complete search, so the declaration must be true of
// every state: applying one never changes the state and never emits an
// event a property judges (isJudged). Checked for every design and preset
// over random reachable states of the default world, every inert action
// of the table applied to each, enabled there or not.
//
// The check can fail: a design that declared a state-changing action
// inert would have the search skip transitions it must take. The last
// tests declare mmap (which creates a VMA) and, without the GUP gate,
// process_vm_readv (which kmaps the BAR) inert and see the check report them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Design } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { Machine } from '../../model/machine.js';
import type { State } from '../../model/state.js';
import { type Action, defaultConfig } from '../../model/vocabulary.js';
import { structPage } from '../../model/struct-page/index.js';
import { fixedSeed } from '../../properties/defaults.js';
import { isJudged } from '../../properties/catalogue.js';
import { formatAction } from '../../model/format.js';
import { loadWorld } from '../../worlds/load.js';
import { smallest, spacesOf } from '../properties/world-sizes.js';
import { bytesOf, knobsOf, roomy, walk } from './run.js';

/** The first inert action of `m` that changes `s` or emits a judged event there, in words, or null. */
function brokenInert<S extends State>(m: Machine<S>, s: S): string | null {
  const before = bytesOf(s);
  for (let i = 0; i < m.actions.length; i++) {
    if (m.inertAt[i] !== 1) continue;
    const out = m.out();
    const ret = m.applyAt(s, i, out);
    const after = out.written ? bytesOf(out.d) : bytesOf(s);
    const changed = after.some((x, k) => x !== before[k]);
    const judged = out.events.filter(isJudged);
    if (changed || judged.length > 0) return `${formatAction(m.actions[i]!, m.world.config)} -> ${ret}${changed ? ' changed the state' : ''}${judged.length > 0 ? ` emitted ${judged.map((e) => e.kind)}` : ''}`;
  }
  return null;
}

const picksArb = fc.array(fc.nat(), { minLength: 1, maxLength: 30 });

describe.each(designs.flatMap((d) => d.presets.map((p) => [d.id, p.name, d] as const)))('%s %s', (_id, preset, design) => {
  const m = design.machine(defaultConfig, knobsOf(design, { preset }));

  it('declares some actions inert, and none of them ever acts', () => {
    expect(m.inertAt.some((x) => x === 1)).toBe(true);
    fc.assert(
      fc.property(picksArb, (picks) => {
        for (const s of walk(m, picks)) expect(brokenInert(m, s)).toBeNull();
      }),
      { seed: fixedSeed, numRuns: 60 },
    );
  });

  // the complete search judges no-leak by clean(), replay and explore by held()
  it('clean(s) says exactly that held(s) is empty', () => {
    let clean = 0;
    fc.assert(
      fc.property(picksArb, (picks) => {
        for (const s of walk(m, picks)) {
          expect(m.clean(s)).toBe(design.held(s).length === 0);
          if (m.clean(s)) clean++;
        }
      }),
      { seed: fixedSeed, numRuns: 60 },
    );
    expect(clean).toBeGreaterThan(60);
  });
});

/** A design's minimal-world spaces under 10k states, or else its smallest in any shipped world. */
function smallSpaces(design: Design) {
  const all = spacesOf(design);
  const small = all.filter((x) => x.world === 'minimal' && x.states < 10_000);
  return small.length > 0 ? small : [smallest(all)];
}

// every reachable state, not a sample: the states where clean() and held() could part are rare on a walk
describe.each(designs.map((d) => [d.id, d] as const))('%s, every reachable state', (_id, design) => {
  it.each(smallSpaces(design).map((x) => [x.preset.name, x.world, x] as const))('%s in %s: clean(s) says exactly that held(s) is empty', (_p, _w, { world, preset, states }) => {
    const m = design.machine(loadWorld(world).config, knobsOf(design, { preset: preset.name }));
    const key = new Uint8Array(m.width);
    const enabled = new Int32Array(m.actions.length);
    const seen = new Set<string>();
    const stack = [m.init()];
    let clean = 0;
    for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
      m.canonical(s, key, 0);
      const k = Buffer.from(key).toString('latin1');
      if (seen.has(k)) continue;
      seen.add(k);
      expect(m.clean(s), design.held(s).join('; ')).toBe(design.held(s).length === 0);
      if (m.clean(s)) clean++;
      for (let i = 0, n = m.enabledInto(s, enabled); i < n; i++) {
        const out = m.out();
        m.applyAt(s, enabled[i]!, out);
        if (out.written) stack.push(out.d);
      }
    }
    expect(seen.size).toBe(states);
    expect(clean).toBeGreaterThan(0);
  });
});

/**
 * The first census error of `m` in `s`, in words, or null: an action the
 * census offers must step under applyAt() (the search's step, which
 * skips apply()'s wait for a task inside mmap()) as under apply(), and
 * never be refused for a full slot table (BOUND); one it leaves out
 * must change nothing and emit nothing judged (but mmap_start where
 * mmap has no window to show).
 */
function censusError<S extends State>(m: Machine<S>, s: S): string | null {
  const before = bytesOf(s);
  const enabled = new Int32Array(m.actions.length);
  const offered = new Set(enabled.subarray(0, m.enabledInto(s, enabled)));
  for (let i = 0; i < m.actions.length; i++) {
    const name = formatAction(m.actions[i]!, m.world.config);
    const out = m.out();
    const ret = m.apply(s, m.actions[i]!, out);
    const after = out.written ? bytesOf(out.d) : before;
    if (!offered.has(i)) {
      // where ->mmap inserts nothing, mmap_start then mmap_link is mmap: the census offers only the whole call
      if (m.actions[i]!.kind === 'proc_mmap_start' && !m.spec.splitsMmap) continue;
      if (after.some((x, k) => x !== before[k]) || out.events.some(isJudged)) return `${name} -> ${ret} acts, and the census leaves it out`;
      continue;
    }
    if (ret === 'BOUND') return `${name} -> BOUND is offered`;
    const at = m.out();
    const atRet = m.applyAt(s, i, at);
    const atAfter = at.written ? bytesOf(at.d) : before;
    if (atRet !== ret || atAfter.some((x, k) => x !== after[k])) return `${name} -> ${ret}, but ${atRet} as the search steps it`;
  }
  return null;
}

describe.each(designs.flatMap((d) => d.presets.map((p) => [d.id, p.name, d] as const)))('census of %s %s', (_id, preset, design) => {
  it.each([
    ['default', defaultConfig],
    ['roomy', roomy],
  ])('offers what may act, as the search steps it, and leaves out only refusals (%s world)', (_world, config) => {
    const m = design.machine(config, knobsOf(design, { preset }));
    fc.assert(
      fc.property(picksArb, (picks) => {
        for (const s of walk(m, picks)) expect(censusError(m, s)).toBeNull();
      }),
      { seed: fixedSeed, numRuns: 40 },
    );
  });
});

describe('the check catches a false declaration', () => {
  /** struct-page in `preset` with `kind` declared inert as well. */
  const liar = (preset: string, kind: Action['kind']) => {
    const honest = structPage.machine(defaultConfig, knobsOf(structPage, { preset }));
    return new Machine({ ...honest.spec, inert: (a, k, c) => a.kind === kind || honest.spec.inert(a, k, c) }, defaultConfig, honest.knobs);
  };

  it('an action that changes the state', () => {
    const m = liar('mainline', 'proc_mmap');
    expect(brokenInert(m, m.init())).toBe('p0: mmap(e0, 1, MAP_SHARED, 0) -> vma0 changed the state');
  });

  it('an action that leaves the state but emits a judged event', () => {
    const m = liar('lsfmm-2020', 'proc_kernel_copy');
    expect(brokenInert(m, walk(m, [0]).at(-1)!)).toBe('p0: process_vm_readv(vma0, 0) -> 0 emitted cpu_access');
  });
});
