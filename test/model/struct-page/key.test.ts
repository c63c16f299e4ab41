// struct-page state keys (Design.key), through behaviour only: two action
// sequences from init, then how their keys compare in both modes.
//   same   exact keys equal (so symmetric keys equal too): the states are
//          the same, or differ only in what no property can see
//          (generations without a stale pin, consumed ids).
//   iso    exact keys differ, symmetric keys equal: isomorphic states
//          (processes, allocations or alike importers renamed, dead
//          entities dropped).
//   differ both differ: a difference some property could observe.
import { describe, expect, it } from 'vitest';
import { structPage } from '../../../model/struct-page/index.js';
import { type Config, defaultConfig } from '../../../model/vocabulary.js';
import { type Act, fails, keyRelation, type Row, type Side, type World } from '../key-relation.js';
import { deregMr, evict, evictFinish, exit, fork, injectInsertFail, ioComplete, mmap, mrDma, munmap, pread, pwrite, regMr, unbind, unbindFinish } from '../../actions.js';

// defaultConfig: nvme0 P2P queue, nvme1 none, nic0 ODP host-bridge, nic1 no ODP, route none

// --- worlds

const nvme = (name: string) => ({ kind: 'nvme' as const, name, p2pQueue: true });
const nic = (name: string) => ({ kind: 'rdma' as const, name, odp: true });
/** Two alike NVMe queues (0, 1) and two alike ODP NICs (2, 3). */
const twins: Config = {
  ...defaultConfig,
  importers: [nvme('nvme0'), nvme('nvme1'), nic('nic0'), nic('nic1')],
  routes: [['bus-addr'], ['bus-addr'], ['host-bridge'], ['host-bridge']],
};
const withPages = (...pages: number[]): Config => ({
  ...defaultConfig,
  exporters: pages.map((n, i) => ({ name: `e${i}`, pages: n })),
  routes: defaultConfig.routes.map(() => pages.map(() => 'bus-addr' as const)),
});
const three = withPages(3);
const thirteen = withPages(13);
const twoExporters = withPages(1, 1);

const { reach, relation } = keyRelation(structPage, 'mainline');

const lsfmm: World = { preset: 'lsfmm-2020' };
const odpFaults: World = { knobs: { odp_p2pdma: 'on' } };

describe('struct-page key: the default world', () => {
  it.each<Row>([
    // identical states
    ['one history, twice', [mmap(1)], [mmap(1)], 'same'],
    ['a fork and an O_DIRECT in either order', [mmap(1), pread(0), fork()], [mmap(1), fork(), pread(0)], 'same'],
    ['an idle child exiting before or after an mmap', [fork(), exit(1), mmap(1)], [fork(), mmap(1), exit(1)], 'same'],
    ['fault injection armed before or after a fork', [injectInsertFail(1), fork()], [fork(), injectInsertFail(1)], 'same'],
    ['evicted, drained and unmapped vs just unmapped', [mmap(1), evict(0), evictFinish(0), munmap(0)], [mmap(1), munmap(0)], 'same'],
    // generations only as staleness
    ['a free page freed once or twice more', [mmap(1), munmap(0)], [mmap(1), munmap(0), injectInsertFail(0), fails(mmap(1))], 'same'],
    ['a fresh pin on a page of generation 1 or 0', [injectInsertFail(0), fails(mmap(1)), mmap(1), pread(0)], [mmap(1), pread(0)], 'same'],
    [
      'a stale pin, its page freed once or twice since',
      [mmap(1), pread(0), ioComplete(), munmap(0)],
      [mmap(1), pread(0), ioComplete(), munmap(0), injectInsertFail(0), fails(mmap(1))],
      'same',
    ],
    [
      'a completed pin of a page freed since vs of the page as it is',
      [mmap(1), pread(0), ioComplete(), munmap(0), mmap(1)],
      [mmap(1), munmap(0), mmap(1), pread(0, 1), ioComplete()],
      'iso',
    ],
    // processes
    ['p0 or p1 maps', [fork(), mmap(1)], [fork(), mmap(1, { proc: 1 })], 'iso'],
    ['parent or child unmaps the shared page', [mmap(1), fork(), munmap(0, 0)], [mmap(1), fork(), munmap(1, 1)], 'iso'],
    ['parent or child exits', [fork(), exit(0)], [fork(), exit(1)], 'iso'],
    ['p0 or p1 registers an MR', [fork(), mmap(1), regMr(0)], [fork(), mmap(1, { proc: 1 }), regMr(0, { proc: 1 })], 'iso'],
    ['p0 or p1 holds an MR on a mapping both have', [mmap(1), fork(), regMr(0)], [mmap(1), fork(), regMr(1, { proc: 1 })], 'iso'],
    ['a child vs no child', [fork()], [], 'differ'],
    ['a dead child vs no child', [fork(), exit(1)], [], 'differ'],
    ['a dead child vs a live one', [fork(), exit(1)], [fork()], 'differ'],
    ['a child with the mapping vs one without', [mmap(1), fork()], [fork(), mmap(1)], 'differ'],
    // dead entities forgotten
    ['mapped and unmapped vs never mapped', [mmap(1), munmap(0)], [], 'iso'],
    ['a completed O_DIRECT vs none', [mmap(1), pread(0), ioComplete()], [mmap(1)], 'iso'],
    ['a deregistered MR vs none', [mmap(1), regMr(), deregMr(0)], [mmap(1)], 'iso'],
    // pages and refcounts
    ['one page vs two', [mmap(1)], [mmap(2)], 'differ'],
    ['page 0 vs page 1 of the pool', [mmap(1)], [mmap(1), mmap(1), munmap(0)], 'differ'],
    ['an O_DIRECT in flight vs none', [mmap(1), pread(0)], [mmap(1)], 'differ'],
    ['an O_DIRECT in flight vs completed', [mmap(1), pread(0)], [mmap(1), pread(0), ioComplete()], 'differ'],
    ['pread vs pwrite', [mmap(1), pread(0)], [mmap(1), pwrite(0)], 'differ'],
    ['pread into page 0 vs page 1', [mmap(2), pread(0, 0, 0)], [mmap(2), pread(0, 0, 1)], 'differ'],
    ['two preads into one page vs one each', [mmap(2), pread(0, 0, 0), pread(0, 0, 0)], [mmap(2), pread(0, 0, 0), pread(0, 0, 1)], 'differ'],
    ['an ODP MR vs none', [mmap(1), regMr()], [mmap(1)], 'differ'],
    // allocations
    [
      'allocations renamed: which one took page 0 again',
      [mmap(1), munmap(0), mmap(1), mmap(1)],
      [mmap(1), mmap(1), munmap(0), mmap(1)],
      'iso',
    ],
    ['evicting vs evicted', [mmap(1), evict(0)], [mmap(1), evict(0), evictFinish(0)], 'differ'],
    ['evicting vs idle', [mmap(1), pread(0), evict(0)], [mmap(1), pread(0)], 'differ'],
    ['evicted but mapped vs unmapped', [mmap(1), evict(0), evictFinish(0)], [mmap(1), munmap(0)], 'differ'],
    ['an evicted mapping of page 0 vs one of page 1', [mmap(1), evict(0), evictFinish(0)], [mmap(1), mmap(1), munmap(0), evict(1), evictFinish(1)], 'differ'],
    [
      'allocations renamed: two evicting ones in either id order',
      [mmap(1), mmap(1), pread(0, 0), pread(0, 1), evict(0), evict(1)],
      [mmap(1), mmap(1), munmap(0), mmap(1), pread(0, 2), pread(0, 1), evict(1), evict(2)],
      'iso',
    ],
    [
      'a zapped mapping of an evicted allocation vs of a live one',
      [mmap(1), pread(0, 0), munmap(0), mmap(1), evict(1), evictFinish(1), mmap(1), pread(0, 2), munmap(2), unbind()],
      [mmap(1), pread(0, 0), munmap(0), mmap(1), pread(0, 1), unbind()],
      'differ',
    ],
    [
      'evicting allocations named after the ones that own pages',
      [mmap(1), mmap(1), evict(0), evict(1), mmap(1), mmap(1), pread(0, 3), munmap(3), munmap(2)],
      [mmap(1), mmap(1), pread(0, 1), evict(0), evict(1)],
      'differ',
    ],
    // the exporter and fault injection
    ['bound vs unbinding', [], [unbind()], 'differ'],
    ['unbinding vs unbound', [unbind()], [unbind(), unbindFinish()], 'differ'],
    ['injection armed vs not', [injectInsertFail(0)], [], 'differ'],
    ['injection at page 0 vs page 1', [injectInsertFail(0)], [injectInsertFail(1)], 'differ'],
    ['a failed mmap that put its pgmap ref vs none', [injectInsertFail(0), fails(mmap(1))], [], 'same'],
    ['a failed mmap that leaked a pgmap ref vs none', { preset: 'bug-insert-leak', actions: [injectInsertFail(0), fails(mmap(1))] }, { preset: 'bug-insert-leak', actions: [] }, 'differ'],
    ['pgmap ref per mapped page vs none', [mmap(1)], { preset: 'bug-zone-device-refcount', actions: [mmap(1)] }, 'differ'],
    [
      'a failed insert that reset the page count vs one that did not',
      [injectInsertFail(1), fails(mmap(2))],
      { knobs: { insert_fail_resets_count: 'off' }, actions: [injectInsertFail(1), fails(mmap(2))] },
      'differ',
    ],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

describe('struct-page key: MRs that pin (lsfmm-2020) and ODP faults', () => {
  it.each<Row>([
    ['a pinned MR vs an ODP one', [mmap(1), regMr(0, { odp: false })], [mmap(1), regMr()], 'differ', lsfmm],
    ['a pinned MR by nic0 vs by nic1 (not alike)', [mmap(1), regMr(0, { odp: false })], [mmap(1), regMr(0, { importer: 3, odp: false })], 'differ', lsfmm],
    ['O_DIRECT by nvme0 vs nvme1 (not alike)', [mmap(1), pread(0)], [mmap(1), pread(1)], 'differ', lsfmm],
    ['a deregistered pinned MR vs none', [mmap(1), regMr(0, { odp: false }), deregMr(0)], [mmap(1)], 'iso', lsfmm],
    ['an ODP MR faulted vs not', [mmap(1), regMr(), mrDma()], [mmap(1), regMr()], 'differ', odpFaults],
    ['an ODP MR faulted on page 0 vs page 1', [mmap(2), regMr(), mrDma()], [mmap(2), regMr(), mrDma(0, 1)], 'differ', odpFaults],
    ['an ODP MR invalidated by eviction vs never faulted', [mmap(1), regMr(), mrDma(), evict(0)], [mmap(1), regMr(), evict(0)], 'same', odpFaults],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

describe('struct-page key: alike importers are interchangeable', () => {
  const world: World = { config: twins };
  const pinning: World = { config: twins, preset: 'lsfmm-2020' };
  const faulting: World = { config: twins, knobs: { odp_p2pdma: 'on' } };
  it.each<Row>([
    ['O_DIRECT by one NVMe vs its twin', [mmap(1), pread(0)], [mmap(1), pread(1)], 'iso', world],
    ['pread and pwrite by twins, swapped', [mmap(2), pread(0, 0, 0), pwrite(1, 0, 1)], [mmap(2), pread(1, 0, 0), pwrite(0, 0, 1)], 'iso', world],
    ['twins reading page 0 and 1, or 1 and 0', [mmap(2), pread(0, 0, 0), pread(1, 0, 1)], [mmap(2), pread(1, 0, 0), pread(0, 0, 1)], 'iso', world],
    ['pread and pwrite by twins vs both pread', [mmap(2), pread(0, 0, 0), pwrite(1, 0, 1)], [mmap(2), pread(0, 0, 0), pread(1, 0, 1)], 'differ', world],
    ['a twin that completed its I/O vs one that never did any', [mmap(1), pread(0), ioComplete(), pread(1)], [mmap(1), pread(1)], 'iso', world],
    ['the other twin completed', [mmap(1), pread(0), ioComplete(), pread(1)], [mmap(1), pread(1), ioComplete(0, 1), pread(0)], 'iso', world],
    ['one twin with both reads vs one each', [mmap(1), pread(0), pread(0)], [mmap(1), pread(0), pread(1)], 'differ', world],
    ['an ODP MR by one NIC vs its twin', [mmap(1), regMr()], [mmap(1), regMr(0, { importer: 3 })], 'iso', world],
    ['a NIC with a dead MR vs one without', [mmap(1), regMr(), deregMr(0), regMr(0, { importer: 3 })], [mmap(1), regMr(0, { importer: 3 })], 'iso', world],
    ['dead and live MRs swapped between twins', [mmap(1), regMr(), deregMr(0), regMr(0, { importer: 3 })], [mmap(1), regMr(0, { importer: 3 }), deregMr(0), regMr()], 'iso', world],
    ['a NIC and an NVMe both busy, twins swapped', [mmap(1), pread(0), regMr()], [mmap(1), pread(1), regMr(0, { importer: 3 })], 'iso', world],
    ['a faulted MR by one NIC vs its twin', [mmap(1), regMr(), mrDma()], [mmap(1), regMr(0, { importer: 3 }), mrDma(0, 0, 3)], 'iso', faulting],
    ['twins: one faulted, one not, swapped', [mmap(1), regMr(), regMr(0, { importer: 3 }), mrDma()], [mmap(1), regMr(), regMr(0, { importer: 3 }), mrDma(1, 0, 3)], 'iso', faulting],
    ['one NIC with two MRs vs one each', [mmap(1), regMr(), regMr()], [mmap(1), regMr(), regMr(0, { importer: 3 })], 'differ', world],
    [
      'twins holding pinned and ODP MRs, registered in either order',
      [mmap(1), regMr(), regMr(0, { odp: false }), regMr(0, { importer: 3, odp: false })],
      [mmap(1), regMr(0, { importer: 3, odp: false }), regMr(0, { importer: 3 }), regMr(0, { odp: false })],
      'iso',
      pinning,
    ],
    [
      'twins holding {ODP, pinned} and {pinned} vs {ODP} and {pinned, pinned}',
      [mmap(1), regMr(), regMr(0, { odp: false }), regMr(0, { importer: 3, odp: false })],
      [mmap(1), regMr(), regMr(0, { importer: 3, odp: false }), regMr(0, { importer: 3, odp: false })],
      'differ',
      pinning,
    ],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

describe('struct-page key: allocations and exporters are told apart by their pages', () => {
  /** Map, pin every page with O_DIRECT, unmap: the allocations live on through their pins only. */
  const pinnedOnly = (...sizes: number[]): Act[] => {
    const acts: Act[] = sizes.map((n) => mmap(n));
    sizes.forEach((n, v) => {
      for (let p = 0; p < n; p++) acts.push(pread(0, v, p));
    });
    for (let v = 0; v < sizes.length; v++) acts.push(munmap(v));
    return acts;
  };
  it.each<Row>([
    ['pins on 1+1+1 pages vs 1+2', pinnedOnly(1, 1, 1), pinnedOnly(1, 2), 'differ', { config: three }],
    ['pins on 2+1 pages vs 3', pinnedOnly(2, 1), pinnedOnly(3), 'differ', { config: three }],
    ['pins on 1+2 pages vs 2+1', pinnedOnly(1, 2), pinnedOnly(2, 1), 'differ', { config: three }],
    ['pins on 1+1 pages vs 2', pinnedOnly(1, 1), pinnedOnly(2), 'differ'],
    ['pinned-only allocations, ids shifted by a dead one', pinnedOnly(1, 1), [mmap(1), munmap(0), ...pinnedOnly(1, 1).map((a) => shift(a))], 'iso'],
    ['mapping e0 vs e1', [mmap(1)], [mmap(1, { exporter: 1 })], 'differ', { config: twoExporters }],
    ['unbinding e0 vs e1', [unbind(0)], [unbind(1)], 'differ', { config: twoExporters }],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

it('symmetric keys keep the pages of a zapped VMA apart: pages 1-2 vs page 12', () => {
  const sym = (side: Side) => structPage.key(reach(side, { config: thirteen }), true);
  expect(sym([mmap(1), mmap(2), evict(1), evictFinish(1), munmap(0)])).not.toBe(sym([mmap(12), mmap(1), evict(1), evictFinish(1), munmap(0)]));
});

describe('struct-page exact keys keep what the symmetric ones keep', () => {
  /** Twelve importers, 1 and 11 ODP NICs; 13 pages: ids past ten, so run-together digits would collide. */
  const odpAt = (i: number) => i === 1 || i === 11;
  const importers = Array.from({ length: 12 }, (_, i) =>
    odpAt(i) ? { kind: 'rdma' as const, name: `nic${i}`, odp: true } : { kind: 'nvme' as const, name: `nvme${i}`, p2pQueue: true },
  );
  const many: World = { config: { ...defaultConfig, exporters: [{ name: 'e0', pages: 13 }], importers, routes: importers.map(() => ['bus-addr']) } };
  const thirteenMaps = [fork(), ...Array.from({ length: 13 }, () => mmap(1, { proc: 1 }))];
  it.each<Row>([
    ['the pages a zapped VMA covered: 2 vs 1', [mmap(2), evict(0), evictFinish(0)], [mmap(1), evict(0), evictFinish(0)], 'differ'],
    ['an MR of importer 1 on vma 12 vs of importer 11 on vma 2', [...thirteenMaps, regMr(12, { importer: 1, proc: 1 })], [...thirteenMaps, regMr(2, { importer: 11, proc: 1 })], 'differ', many],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

/** The same action one VMA later (after an extra mmap and munmap of VMA 0). */
function shift(a: Act): Act {
  if ('fails' in a) return a;
  return 'vma' in a ? { ...a, vma: a.vma + 1 } : a;
}
