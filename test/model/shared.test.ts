// model/shared.ts: the kernel facts both designs share (refusals, task
// slots, find_vma, routes, first fit) and the renaming of alike importers
// that the symmetric state keys use.
import { describe, expect, it } from 'vitest';
import { firstFit, freeSlot, importerRenaming, liveVma, procAlive, refuse, routeOf } from '../../model/shared.js';
import { type Config, defaultConfig, type ImporterConfig, type Route } from '../../model/vocabulary.js';

const slot = (alive: boolean, born: boolean) => ({ alive, born });
const pool = (...owners: (number | null)[]) => owners.map((owner) => ({ owner }));

describe('refuse', () => {
  it('returns the state as it was, the errno and no events', () => {
    const state = { x: 1 };
    const step = refuse(state, '-EBUSY');
    expect(step).toEqual({ state, ret: '-EBUSY', events: [] });
    expect(step.state).toBe(state);
  });
});

describe('task slots', () => {
  it('procAlive: only a live slot, never one out of range', () => {
    const procs = [slot(true, true), slot(false, true), slot(false, false)];
    expect([0, 1, 2, 3, -1].map((p) => procAlive(procs, p))).toEqual([true, false, false, false, false]);
  });

  it.each<[string, ReturnType<typeof slot>[], number | null]>([
    ['the first unborn slot', [slot(true, true), slot(false, false), slot(false, false)], 1],
    ['slot 0 when it is unborn', [slot(false, false), slot(false, false)], 0],
    ['past a dead slot (exit does not free it)', [slot(false, true), slot(true, true), slot(false, false)], 2],
    ['none when every slot was born', [slot(true, true), slot(false, true)], null],
    ['none without slots', [], null],
  ])('freeSlot: %s', (_name, procs, want) => expect(freeSlot(procs)).toBe(want));
});

describe('liveVma (find_vma)', () => {
  const vmas = [
    { proc: 0, mapped: true, id: 'a' },
    { proc: 1, mapped: true, id: 'b' },
    { proc: 0, mapped: false, id: 'c' },
  ];
  it.each<[string, number, number, string | undefined]>([
    ['a mapped VMA of the caller', 0, 0, 'a'],
    ["another process's VMA", 0, 1, undefined],
    ['the VMA of that other process', 1, 1, 'b'],
    ['an unmapped VMA', 0, 2, undefined],
    ['no such VMA', 0, 3, undefined],
  ])('%s', (_name, proc, vma, want) => expect(liveVma(vmas, proc, vma)?.id).toBe(want));

  it('returns the VMA itself', () => expect(liveVma(vmas, 0, 0)).toBe(vmas[0]));
});

describe('routeOf', () => {
  const config: Config = { ...defaultConfig, routes: [['bus-addr', 'none'], ['host-bridge', 'bus-addr']] };
  it.each<[number, number, Route]>([
    [0, 0, 'bus-addr'],
    [0, 1, 'none'],
    [1, 0, 'host-bridge'],
    [1, 1, 'bus-addr'],
    [1, 2, 'none'],
    [2, 0, 'none'],
    [9, 9, 'none'],
  ])('importer %i, exporter %i: %s', (importer, exporter, want) => expect(routeOf(config, importer, exporter)).toBe(want));
});

describe('firstFit (gen_pool first fit)', () => {
  it.each<[string, ReturnType<typeof pool>, number, number[] | null]>([
    ['the lowest pages of an empty pool', pool(null, null, null), 2, [0, 1]],
    ['one page', pool(null, null), 1, [0]],
    ['the whole pool', pool(null, null, null), 3, [0, 1, 2]],
    ['after a taken page', pool(0, null, null), 2, [1, 2]],
    ['past a hole too small', pool(null, 0, null, null), 2, [2, 3]],
    ['into the hole when it fits', pool(0, null, 1, null), 1, [1]],
    ['up to the last page', pool(0, 1, null), 1, [2]],
    ['nothing when no run is long enough', pool(null, 0, null), 2, null],
    ['nothing when the pool is full', pool(0, 1), 1, null],
    ['nothing when more pages than the pool', pool(null, null), 3, null],
    ['nothing from an empty pool', pool(), 1, null],
  ])('%s', (_name, pages, n, want) => expect(firstFit(pages, n)).toEqual(want));
});

describe('importerRenaming', () => {
  const nvme = (name: string, p2pQueue = true): ImporterConfig => ({ kind: 'nvme', name, p2pQueue });
  const nic = (name: string, odp = true): ImporterConfig => ({ kind: 'rdma', name, odp });
  const world = (importers: ImporterConfig[], routes: Route[]): Config => ({
    ...defaultConfig,
    importers,
    routes: routes.map((r) => [r]),
  });
  const sigs =
    (...s: string[]) =>
    (i: number) =>
      s[i]!;

  it('is the identity when no two importers are alike, whatever they hold', () => {
    expect(importerRenaming(defaultConfig, sigs('d', 'c', 'b', 'a'))).toEqual([0, 1, 2, 3]);
  });

  it.each<[string, Config]>([
    ['kind', world([nvme('a'), nic('b')], ['bus-addr', 'bus-addr'])],
    ['ODP', world([nic('a', true), nic('b', false)], ['host-bridge', 'host-bridge'])],
    ['P2P queue', world([nvme('a', true), nvme('b', false)], ['bus-addr', 'bus-addr'])],
    ['route', world([nic('a'), nic('b')], ['host-bridge', 'bus-addr'])],
  ])('never merges importers that differ in %s', (_name, config) => {
    expect(importerRenaming(config, sigs('b', 'a'))).toEqual([0, 1]);
  });

  it('merges importers that differ only in name, and renames them by what they hold', () => {
    const twins = world([nic('nic0'), nic('mlx5_1')], ['host-bridge', 'host-bridge']);
    expect(importerRenaming(twins, sigs('b', 'a'))).toEqual([1, 0]);
    expect(importerRenaming(twins, sigs('a', 'b'))).toEqual([0, 1]);
    expect(importerRenaming(twins, sigs('', 'a'))).toEqual([0, 1]);
    expect(importerRenaming(twins, sigs('a', ''))).toEqual([1, 0]);
    const writtenOtherwise = world([nic('nic0'), { odp: true, name: 'nic1', kind: 'rdma' }], ['host-bridge', 'host-bridge']);
    expect(importerRenaming(writtenOtherwise, sigs('b', 'a'))).toEqual([1, 0]);
  });

  it('gives each member the index of its rank in signature order', () => {
    const three = world([nic('x'), nic('y'), nic('z')], ['host-bridge', 'host-bridge', 'host-bridge']);
    expect(importerRenaming(three, sigs('c', 'a', 'b'))).toEqual([2, 0, 1]);
    expect(importerRenaming(three, sigs('b', 'c', 'a'))).toEqual([1, 2, 0]);
    expect(importerRenaming(three, sigs('a|b', 'a', 'b'))).toEqual([1, 0, 2]);
  });

  it('breaks ties between equal signatures by index', () => {
    const three = world([nic('x'), nic('y'), nic('z')], ['host-bridge', 'host-bridge', 'host-bridge']);
    expect(importerRenaming(three, sigs('s', 's', 's'))).toEqual([0, 1, 2]);
    expect(importerRenaming(three, sigs('x', 'a', 'x'))).toEqual([1, 0, 2]);
    expect(importerRenaming(three, sigs('x', 'x', 'a'))).toEqual([1, 2, 0]);
  });

  it('keeps ties in index order in a large class too', () => {
    const n = 48;
    const many = world(
      Array.from({ length: n }, (_, i) => nic(`nic${i}`)),
      Array.from({ length: n }, () => 'host-bridge'),
    );
    // signatures 'b','a','b','a',...: the 'a's first, each group in index order
    const sig = (i: number) => (i % 2 === 0 ? 'b' : 'a');
    const rename = importerRenaming(many, sig);
    const byNewIndex = Array.from({ length: n }, (_, k) => rename.indexOf(k));
    const odds = Array.from({ length: n / 2 }, (_, j) => 2 * j + 1);
    const evens = Array.from({ length: n / 2 }, (_, j) => 2 * j);
    expect(byNewIndex).toEqual([...odds, ...evens]);
  });

  it('renames within each class, onto the class its own indices', () => {
    // nic0 (0), nvme0 (1), nic1 (2), nvme1 (3): two classes, interleaved
    const mixed = world([nic('nic0'), nvme('nvme0'), nic('nic1'), nvme('nvme1')], ['host-bridge', 'bus-addr', 'host-bridge', 'bus-addr']);
    expect(importerRenaming(mixed, sigs('b', 'b', 'a', 'a'))).toEqual([2, 3, 0, 1]);
    expect(importerRenaming(mixed, sigs('a', 'b', 'b', 'a'))).toEqual([0, 3, 2, 1]);
    expect(importerRenaming(mixed, sigs('b', 'a', 'a', 'b'))).toEqual([2, 1, 0, 3]);
  });

  it('leaves importers outside any class where they are', () => {
    const config = world([nic('nic0'), nic('slow', false), nic('nic1')], ['host-bridge', 'host-bridge', 'host-bridge']);
    expect(importerRenaming(config, sigs('b', 'a', 'a'))).toEqual([2, 1, 0]);
  });

  it('asks the signature afresh on every call with the same config', () => {
    const twins = world([nvme('nvme0'), nvme('nvme1')], ['bus-addr', 'bus-addr']);
    expect([importerRenaming(twins, sigs('b', 'a')), importerRenaming(twins, sigs('a', 'b')), importerRenaming(twins, sigs('b', 'a'))]).toEqual([
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
  });

  it('returns a fresh array each time', () => {
    const twins = world([nvme('nvme0'), nvme('nvme1')], ['bus-addr', 'bus-addr']);
    const first = importerRenaming(twins, sigs('b', 'a'));
    first[0] = 7;
    expect(importerRenaming(twins, sigs('b', 'a'))).toEqual([1, 0]);
  });
});
