// properties/arbitrary.ts: a run is a list of picks (an action kind and a
// choice among that kind's enabled actions), resolved against the state it
// meets. The module is imported inside each test, so a fault in its top
// level (the weighted pick arbitrary) fails a test instead of the file's
// import.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { findDesign } from '../../model/designs.js';
import { type ActionKind, actionKinds, defaultConfig } from '../../model/vocabulary.js';
import { mmap } from '../actions.js';

const arbitrary = () => import('../../properties/arbitrary.js');
const structPage = findDesign('struct-page')!;
const vmaP2p = findDesign('vma-p2p')!;
const spInit = () => structPage.init(defaultConfig, resolveKnobs(structPage, structPage.presets[0]!));
const vpInit = () => vmaP2p.init(defaultConfig, resolveKnobs(vmaP2p, vmaP2p.presets[0]!));

describe('resolvePick', () => {
  it('takes the choice modulo the enabled actions of the kind', async () => {
    const { resolvePick } = await arbitrary();
    const s = spInit();
    const mmaps = structPage.enabled(s).filter((a) => a.kind === 'proc_mmap');
    expect(mmaps.length).toBe(4);
    const picked = [0, 1, 2, 3, 4, 6, 9, 223].map((choice) => resolvePick(structPage, s, { kind: 'proc_mmap', choice }));
    expect(picked).toEqual([0, 1, 2, 3, 0, 2, 1, 3].map((i) => mmaps[i]));
  });

  it('an mmap pick in the top eighth of choices stops before vma_link_file() where the design splits mmap, and shrinks to a whole one', async () => {
    const { resolvePick } = await arbitrary();
    const starts = structPage.enabled(spInit()).filter((a) => a.kind === 'proc_mmap_start');
    expect([224, 225, 255].map((choice) => resolvePick(structPage, spInit(), { kind: 'proc_mmap', choice }))).toEqual([0, 1, 3].map((i) => starts[i]));
    expect(resolvePick(vmaP2p, vpInit(), { kind: 'proc_mmap', choice: 255 })?.kind).toBe('proc_mmap');
    // while a task is inside mmap(), an mmap pick links it
    const started = structPage.step(spInit(), starts[0]!).state;
    expect(resolvePick(structPage, started, { kind: 'proc_mmap', choice: 3 })).toEqual({ kind: 'proc_mmap_link', proc: 0, vma: 0 });
  });

  it('resolves against the state it is given', async () => {
    const { resolvePick } = await arbitrary();
    const s = structPage.step(spInit(), mmap(1)).state;
    const touches = structPage.enabled(s).filter((a) => a.kind === 'proc_touch');
    expect(touches.length).toBeGreaterThan(0);
    expect(resolvePick(structPage, s, { kind: 'proc_touch', choice: 0 })).toEqual(touches[0]);
    expect(resolvePick(structPage, s, { kind: 'proc_touch', choice: touches.length })).toEqual(touches[0]);
  });

  it('a single candidate is every choice', async () => {
    const { resolvePick } = await arbitrary();
    const forks = [0, 1, 77, 255].map((choice) => resolvePick(vmaP2p, vpInit(), { kind: 'proc_fork', choice }));
    expect(forks).toEqual([0, 1, 2, 3].map(() => ({ kind: 'proc_fork', proc: 0 })));
  });

  it.each<ActionKind>(['dev_io_dma', 'dev_io_complete', 'proc_dereg_mr', 'exporter_unbind_finish'])('is null when no %s is enabled', async (kind) => {
    const { resolvePick } = await arbitrary();
    expect(resolvePick(structPage, spInit(), { kind, choice: 0 })).toBeNull();
    expect(resolvePick(structPage, spInit(), { kind, choice: 200 })).toBeNull();
  });
});

describe('fromPicks', () => {
  it('resolves pick i in the state it is handed, and ends after the last pick', async () => {
    const { fromPicks } = await arbitrary();
    const source = fromPicks(structPage, [
      { kind: 'proc_mmap', choice: 5 },
      { kind: 'dev_io_complete', choice: 0 },
      { kind: 'proc_munmap', choice: 0 },
    ]);
    const s0 = spInit();
    const s1 = structPage.step(s0, mmap(1)).state;
    expect(source(s0, 0)).toEqual(mmap(2));
    expect(source(s0, 1)).toBeNull();
    expect(source(s0, 2)).toBeNull();
    expect(source(s1, 2)).toEqual({ kind: 'proc_munmap', proc: 0, vma: 0 });
    expect(source(s1, 3)).toBeUndefined();
    expect(source(s1, 99)).toBeUndefined();
  });

  it('an empty list ends at once', async () => {
    const { fromPicks } = await arbitrary();
    expect(fromPicks(vmaP2p, [])(vpInit(), 0)).toBeUndefined();
  });
});

describe('picksArb', () => {
  it('draws runs no longer than maxLength, most of them long', async () => {
    const { picksArb } = await arbitrary();
    const runs = fc.sample(picksArb(64), { seed: 7, numRuns: 100 });
    const lengths = runs.map((r) => r.length);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(64);
    expect(lengths.filter((n) => n > 20).length).toBeGreaterThan(30);
    expect(fc.sample(picksArb(5), { seed: 7, numRuns: 50 }).every((r) => r.length <= 5)).toBe(true);
    expect(fc.sample(picksArb(0), { seed: 7, numRuns: 10 })).toEqual(Array.from({ length: 10 }, () => []));
  });

  it('draws every kind, choices 0..255, build-up kinds more often than teardown', async () => {
    const { picksArb } = await arbitrary();
    const picks = fc.sample(picksArb(64), { seed: 11, numRuns: 200 }).flat();
    const count = (kind: ActionKind) => picks.filter((p) => p.kind === kind).length;
    // the halves of a split mmap are drawn as mmap picks (resolvePick)
    expect(new Set(picks.map((p) => p.kind))).toEqual(new Set(actionKinds.filter((k) => k !== 'proc_mmap_start' && k !== 'proc_mmap_link')));
    expect(picks.every((p) => Number.isInteger(p.choice) && p.choice >= 0 && p.choice <= 255)).toBe(true);
    expect(Math.max(...picks.map((p) => p.choice))).toBeGreaterThan(240);
    expect(count('dev_mr_dma')).toBeGreaterThan(3 * count('exporter_unbind'));
    expect(count('proc_odirect')).toBeGreaterThan(3 * count('proc_munmap'));
  });
});
