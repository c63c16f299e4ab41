// vma-p2p state keys (Design.key), through behaviour only: two action
// sequences from init, then how their keys compare in both modes.
//   same   exact keys equal (so symmetric keys equal too): the states are
//          the same, or differ only in what no property can see.
//   iso    exact keys differ, symmetric keys equal: isomorphic states
//          (processes, objects or alike importers renamed, dead
//          objects, VMAs, MRs and undone p2p_maps dropped).
//   differ both differ: a difference some property could observe.
import { describe, expect, it } from 'vitest';
import { vmaP2p } from '../../../model/vma-p2p/index.js';
import { type Config, defaultConfig } from '../../../model/vocabulary.js';
import { type Act, fails, keyRelation, type Row, type World } from '../key-relation.js';
import { ack, deregMr, evict, evictFinish, exit, fork, injectInsertFail, mmap, mrDma, munmap, regMr, touch, unbind, unbindFinish } from '../../actions.js';

// defaultConfig: nic0 = importer 2 is the only one that can import: ODP, host-bridge

// --- worlds

const nic = (name: string) => ({ kind: 'rdma' as const, name, odp: true });
/** Two alike ODP NICs, importers 1 and 2, as in test/properties/exhaustive.test.ts. */
const twins: Config = {
  ...defaultConfig,
  importers: [defaultConfig.importers[0]!, nic('nic0'), nic('nic1')],
  routes: [['bus-addr'], ['host-bridge'], ['host-bridge']],
};
/** The same NICs, one behind a switch with the GPU: not alike. */
const unlike: Config = { ...twins, routes: [['bus-addr'], ['host-bridge'], ['bus-addr']] };
const twoExporters: Config = {
  ...defaultConfig,
  exporters: [
    { name: 'e0', pages: 1 },
    { name: 'e1', pages: 1 },
  ],
  routes: defaultConfig.routes.map((r) => [r[0]!, r[0]!]),
};

const { relation } = keyRelation(vmaP2p, 'rfc-2019');

const imported = [mmap(1), regMr(), mrDma()];
const legacy: World = { preset: 'legacy-importer' };
const noWait: World = { preset: 'exporter-no-wait' };

describe('vma-p2p key: the default world', () => {
  it.each<Row>([
    // identical states
    ['one history, twice', [mmap(1)], [mmap(1)], 'same'],
    ['an MR and a fork in either order', [mmap(1), regMr(), fork()], [mmap(1), fork(), regMr()], 'same'],
    ['an idle child exiting before or after an mmap', [fork(), exit(1), mmap(1)], [fork(), mmap(1), exit(1)], 'same'],
    ['fault injection armed before or after a fork', [injectInsertFail(1), fork()], [fork(), injectInsertFail(1)], 'same'],
    ['a touch with PTEs present changes nothing', [mmap(1), touch(0)], [mmap(1)], 'same'],
    ['a second DMA through the mapping changes nothing', [...imported, mrDma()], imported, 'same'],
    ['a fault maps the whole MR, whichever page faulted', [mmap(2), regMr(), mrDma(0, 0)], [mmap(2), regMr(), mrDma(0, 1)], 'same'],
    ['an injected p2p_map failure spent vs never armed', [mmap(1), regMr(), injectInsertFail(0), fails(mrDma())], [mmap(1), regMr()], 'same'],
    ['an injection past the MR left armed, before or after the fault', [mmap(1), regMr(), injectInsertFail(1), mrDma()], [...imported, injectInsertFail(1)], 'same'],
    ['fenced in the notifier vs fenced by a later ack', { knobs: { revoke_fence: 'in-notifier' }, actions: [...imported, evict(0)] }, [...imported, evict(0), ack()], 'same'],
    // processes
    ['p0 or p1 maps', [fork(), mmap(1)], [fork(), mmap(1, { proc: 1 })], 'iso'],
    ['parent or child unmaps the shared object', [mmap(1), fork(), munmap(0, 0)], [mmap(1), fork(), munmap(1, 1)], 'iso'],
    ['parent or child exits', [fork(), exit(0)], [fork(), exit(1)], 'iso'],
    ['p0 or p1 imports its own object', [fork(), mmap(1), regMr(0), mrDma()], [fork(), mmap(1, { proc: 1 }), regMr(0, { proc: 1 }), mrDma()], 'iso'],
    ['parent or child imports the shared object', [mmap(1), fork(), regMr(0), mrDma()], [mmap(1), fork(), regMr(1, { proc: 1 }), mrDma()], 'iso'],
    ['a child vs no child', [fork()], [], 'differ'],
    ['a dead child vs no child', [fork(), exit(1)], [], 'differ'],
    ['a dead child vs a live one', [fork(), exit(1)], [fork()], 'differ'],
    ['a child with the mapping vs one without', [mmap(1), fork()], [fork(), mmap(1)], 'differ'],
    ['an MR in the parent vs in the child', [mmap(1), fork(), regMr(0)], [mmap(1), fork(), regMr(1, { proc: 1 }), regMr(0), deregMr(0, 1)], 'iso'],
    ['two MRs in one process vs one in each', [mmap(1), fork(), regMr(0), regMr(0)], [mmap(1), fork(), regMr(0), regMr(1, { proc: 1 })], 'differ'],
    // dead entities forgotten
    ['mapped and unmapped vs never mapped', [mmap(1), munmap(0)], [], 'iso'],
    ['an mmap failed by injection vs none', [injectInsertFail(0), fails(mmap(1))], [], 'iso'],
    ['a deregistered MR vs none', [mmap(1), regMr(), deregMr(0)], [mmap(1)], 'iso'],
    ['an imported then deregistered MR vs none', [...imported, deregMr(0)], [mmap(1)], 'iso'],
    ['an MR left behind by munmap, imported before or not', [...imported, munmap(0)], [mmap(1), regMr(), munmap(0)], 'iso'],
    ['an MR left behind by munmap vs none', [mmap(1), regMr(), munmap(0)], [mmap(1), munmap(0)], 'differ'],
    // objects and pages
    ['one page vs two', [mmap(1)], [mmap(2)], 'differ'],
    ['page 0 vs page 1 of the BAR', [mmap(1)], [mmap(1), mmap(1), munmap(0)], 'differ'],
    ['a 1-page vs a 2-page object in RAM', [mmap(2), mmap(1)], [mmap(2), mmap(2)], 'differ'],
    ['objects renamed: which one took page 0 again', [mmap(1), munmap(0), mmap(1), mmap(1)], [mmap(1), mmap(1), munmap(0), mmap(1)], 'iso'],
    ['objects renamed: an evicted object vs one born in RAM', [mmap(1), evict(0), evictFinish(0), touch(0)], [mmap(2), mmap(1), munmap(0)], 'iso'],
    ['objects renamed: RAM objects of one process in either order', [mmap(2), mmap(1), mmap(2)], [mmap(2), mmap(2), mmap(1)], 'iso'],
    ['objects renamed: which of two alike RAM objects the parent imports', [mmap(2), mmap(1), mmap(1), fork(), regMr(2)], [mmap(2), mmap(1), mmap(1), fork(), regMr(1)], 'iso'],
    ['objects renamed: which of two alike 2-page RAM objects the parent imports', [mmap(1), mmap(2), mmap(2), fork(), regMr(2)], [mmap(1), mmap(2), mmap(2), fork(), regMr(1)], 'iso'],
    ['objects renamed: RAM objects of two processes, swapped', [mmap(2), fork(), mmap(1), mmap(2, { proc: 1 })], [mmap(2), fork(), mmap(2), mmap(1, { proc: 1 })], 'iso'],
    ['a RAM object in the parent vs in the child (alike after fork)', [mmap(2), fork(), mmap(1)], [mmap(2), fork(), mmap(1, { proc: 1 })], 'iso'],
    ['in the BAR vs evicted to RAM', [mmap(1)], [mmap(1), evict(0), evictFinish(0), touch(0)], 'differ'],
    ['evicted to RAM vs gone with the driver', [mmap(1), evict(0), evictFinish(0), unbind(), unbindFinish()], [mmap(1), unbind(), unbindFinish()], 'differ'],
    ['evicting vs evicted', [mmap(1), evict(0)], [mmap(1), evict(0), evictFinish(0)], 'differ'],
    ['evicted, PTEs zapped vs faulted back in', [mmap(1), evict(0), evictFinish(0)], [mmap(1), evict(0), evictFinish(0), touch(0)], 'differ'],
    ['one VMA on the object vs two', [mmap(1), fork()], [mmap(1), fork(), munmap(1, 1)], 'differ'],
    // MRs and p2p_maps
    ['an MR vs none', [mmap(1), regMr()], [mmap(1)], 'differ'],
    ['an MR faulted in vs not', imported, [mmap(1), regMr()], 'differ'],
    ['an MR on a 1-page vs a 2-page object', [mmap(1), regMr()], [mmap(2), regMr()], 'differ'],
    ['an MR faulted to RAM vs not faulted', [mmap(1), evict(0), evictFinish(0), regMr(), mrDma()], [mmap(1), evict(0), evictFinish(0), regMr()], 'differ'],
    ['two MRs faulted vs one of them', [mmap(1), regMr(), regMr(), mrDma(0), mrDma(1)], [mmap(1), regMr(), regMr(), mrDma(0)], 'differ'],
    ['one MR faulted of two, the first or the second', [mmap(1), regMr(), regMr(), mrDma(0)], [mmap(1), regMr(), regMr(), mrDma(1)], 'iso'],
    ['invalidation pending vs acked', [...imported, evict(0)], [...imported, evict(0), ack()], 'differ'],
    ['acked vs moved to RAM', [...imported, evict(0), ack()], [...imported, evict(0), ack(), evictFinish(0)], 'differ'],
    ['unbind: invalidation pending vs acked', [...imported, unbind()], [...imported, unbind(), ack()], 'differ'],
    ['a pending invalidation vs an ignored one', [...imported, evict(0)], { preset: 'legacy-importer', actions: [...imported, evict(0)] }, 'differ'],
    ['a map gone stale under a pending invalidation vs a fresh one', { preset: 'exporter-no-wait', actions: [...imported, evict(0)] }, [...imported, evict(0)], 'differ'],
    // fault injection and the exporter
    ['injection armed vs not', [injectInsertFail(0)], [], 'differ'],
    ['injection at 0 vs at 1', [injectInsertFail(0)], [injectInsertFail(1)], 'differ'],
    ['bound vs unbinding', [], [unbind()], 'differ'],
    ['unbinding vs unbound', [unbind()], [unbind(), unbindFinish()], 'differ'],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

describe('vma-p2p key: importers that ignore, exporters that do not wait, the RFC as posted', () => {
  it.each<Row>([
    ['an ignored munmap leaves the map, obeyed it undoes it', { ...legacy, actions: [...imported, munmap(0)] }, [...imported, munmap(0)], 'differ'],
    ['a left-behind mapping MR in p0 or p1', [fork(), mmap(1, { proc: 1 }), regMr(0, { proc: 1 }), mrDma(), munmap(0, 1)], [fork(), mmap(1), regMr(0), mrDma(), munmap(0, 0)], 'iso', legacy],
    ['a left-behind mapping MR vs one whose VMA is still there', [...imported, munmap(0)], imported, 'differ', legacy],
    ['an ignored eviction, then a fresh object on the page', [...imported, evict(0), mmap(1)], [...imported, evict(0), mmap(1), munmap(1)], 'differ', noWait],
    ['a stale map acked vs never made', [...imported, evict(0), ack()], [mmap(1), evict(0), regMr()], 'iso', noWait],
    [
      'dereg without a VMA: the map stays (as posted) or is undone',
      { knobs: { importer: 'ignores', dma_unmap_without_vma: 'bug' }, actions: [...imported, munmap(0), deregMr(0)] },
      { knobs: { importer: 'ignores' }, actions: [...imported, munmap(0), deregMr(0)] },
      'differ',
    ],
    [
      'a failed fault that leaks its p2p_maps vs one that unwinds',
      { knobs: { dma_map_error_unwind: 'leaks' }, actions: [mmap(2), regMr(), injectInsertFail(1), fails(mrDma())] },
      [mmap(2), regMr(), injectInsertFail(1), fails(mrDma())],
      'differ',
    ],
    [
      'an object kept for an outstanding map (exporter_waits=always) vs freed',
      { knobs: { importer: 'ignores', exporter_waits: 'always' }, actions: [...imported, munmap(0)] },
      { knobs: { importer: 'ignores' }, actions: [...imported, munmap(0)] },
      'differ',
    ],
    ['a left-behind MR mapping a 2-page vs a 1-page RAM object', [mmap(2), mmap(2), regMr(1), mrDma(), munmap(1)], [mmap(2), mmap(1), regMr(1), mrDma(), munmap(1)], 'differ', legacy],
    ['MRs left behind, one mapping, in either id order', [mmap(1), regMr(), regMr(), mrDma(0), munmap(0)], [mmap(1), regMr(), regMr(), mrDma(1), munmap(0)], 'iso', legacy],
    [
      'left-behind MRs mapping page 0 in p0 and page 1 in p1, or the other way',
      [fork(), mmap(1), regMr(0), mrDma(0), mmap(1, { proc: 1 }), regMr(1, { proc: 1 }), mrDma(1), munmap(0, 0), munmap(1, 1), mmap(1)],
      [fork(), mmap(1, { proc: 1 }), regMr(0, { proc: 1 }), mrDma(0), mmap(1), regMr(1), mrDma(1), munmap(0, 1), munmap(1, 0), mmap(1)],
      'differ',
      legacy,
    ],
    [
      'left-behind MRs holding stale maps of page 0 from a dead and a live object, in p0 and p1 or swapped',
      [fork(), mmap(1), regMr(0), mrDma(0), munmap(0, 0), mmap(1, { proc: 1 }), fork(1), regMr(1, { proc: 1 }), mrDma(1), evict(1), munmap(1, 1), mmap(1)],
      [fork(), mmap(1, { proc: 1 }), regMr(0, { proc: 1 }), mrDma(0), munmap(0, 1), mmap(1), fork(0), regMr(1), mrDma(1), evict(1), munmap(1, 0), mmap(1)],
      'differ',
      { config: { ...defaultConfig, processes: 3 }, knobs: { importer: 'ignores', exporter_waits: 'never' } },
    ],
    [
      'two MRs on an evicted object, the stale BAR mapping in the first or the second',
      [mmap(1), regMr(), regMr(), mrDma(0), evict(0), mrDma(1)],
      [mmap(1), regMr(), regMr(), mrDma(1), evict(0), mrDma(0)],
      'iso',
      { knobs: { importer: 'ignores', exporter_waits: 'never' } },
    ],
    [
      'objects kept for outstanding maps, in either id order',
      [mmap(1), mmap(1), regMr(0), regMr(1), mrDma(0), mrDma(1), munmap(0), munmap(1)],
      [mmap(1), mmap(1), munmap(0), mmap(1), regMr(2), regMr(1), mrDma(0), mrDma(1), munmap(2), munmap(1)],
      'iso',
      { knobs: { importer: 'ignores', exporter_waits: 'always' } },
    ],
    [
      'an undone map of the first object on page 0 vs of the second',
      [mmap(1), regMr(0), mrDma(0), deregMr(0), munmap(0), mmap(1), regMr(1), deregMr(1), munmap(1)],
      [mmap(1), regMr(0), deregMr(0), munmap(0), mmap(1), regMr(1), mrDma(1), deregMr(1), munmap(1)],
      'iso',
    ],
    ['two imports done in either order', [mmap(1), mmap(1), regMr(0), regMr(1), mrDma(0), mrDma(1)], [mmap(1), mmap(1), regMr(0), regMr(1), mrDma(1), mrDma(0)], 'iso'],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

describe('vma-p2p key: alike importers are interchangeable', () => {
  const world: World = { config: twins };
  it.each<Row>([
    ['an MR by one NIC vs its twin', [mmap(1), regMr(0, { importer: 1 })], [mmap(1), regMr(0, { importer: 2 })], 'iso', world],
    ['an import by one NIC vs its twin', [mmap(1), regMr(0, { importer: 1 }), mrDma(0, 0, 1)], [mmap(1), regMr(0, { importer: 2 }), mrDma(0, 0, 2)], 'iso', world],
    ['twins with an MR each, one imported, swapped', [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 2 }), mrDma(0, 0, 1)], [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 2 }), mrDma(1, 0, 2)], 'iso', world],
    ['twins importing page 0 and 1, or 1 and 0', [mmap(1), mmap(1), regMr(0, { importer: 1 }), regMr(1, { importer: 2 }), mrDma(0, 0, 1), mrDma(1, 0, 2)], [mmap(1), mmap(1), regMr(0, { importer: 2 }), regMr(1, { importer: 1 }), mrDma(0, 0, 2), mrDma(1, 0, 1)], 'iso', world],
    ['a NIC with a dead MR vs one without', [mmap(1), regMr(0, { importer: 1 }), deregMr(0), regMr(0, { importer: 2 })], [mmap(1), regMr(0, { importer: 2 })], 'iso', world],
    ['dead and live MRs swapped between twins', [mmap(1), regMr(0, { importer: 1 }), deregMr(0), regMr(0, { importer: 2 })], [mmap(1), regMr(0, { importer: 2 }), deregMr(0), regMr(0, { importer: 1 })], 'iso', world],
    ['twins both imported, one acked, swapped', [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 2 }), mrDma(0, 0, 1), mrDma(1, 0, 2), evict(0), ack(0, 1)], [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 2 }), mrDma(0, 0, 1), mrDma(1, 0, 2), evict(0), ack(1, 2)], 'iso', world],
    ['twins: the importer of a RAM mapping, swapped', [mmap(1), evict(0), evictFinish(0), regMr(0, { importer: 1 }), mrDma(0, 0, 1)], [mmap(1), evict(0), evictFinish(0), regMr(0, { importer: 2 }), mrDma(0, 0, 2)], 'iso', world],
    [
      'twins holding {unfaulted, faulted} and {faulted}, registered in either order',
      [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 1 }), regMr(0, { importer: 2 }), mrDma(1, 0, 1), mrDma(2, 0, 2)],
      [mmap(1), regMr(0, { importer: 2 }), regMr(0, { importer: 2 }), regMr(0, { importer: 1 }), mrDma(0, 0, 2), mrDma(2, 0, 1)],
      'iso',
      world,
    ],
    ['one NIC with two MRs vs one each', [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 1 })], [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 2 })], 'differ', world],
    ['one NIC importing twice vs each once', [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 1 }), mrDma(0, 0, 1), mrDma(1, 0, 1)], [mmap(1), regMr(0, { importer: 1 }), regMr(0, { importer: 2 }), mrDma(0, 0, 1), mrDma(1, 0, 2)], 'differ', world],
    ['a NIC importing page 0 vs page 1 of the BAR', [mmap(1), mmap(1), regMr(0, { importer: 1 }), mrDma(0, 0, 1)], [mmap(1), mmap(1), regMr(1, { importer: 1 }), mrDma(0, 0, 1)], 'differ', world],
    ['an MR by NICs on different routes (not alike)', [mmap(1), regMr(0, { importer: 1 })], [mmap(1), regMr(0, { importer: 2 })], 'differ', { config: unlike }],
    ['an import by NICs on different routes (not alike)', [mmap(1), regMr(0, { importer: 1 }), mrDma(0, 0, 1)], [mmap(1), regMr(0, { importer: 2 }), mrDma(0, 0, 2)], 'differ', { config: unlike }],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

describe('vma-p2p key: processes are sorted by what they hold', () => {
  // three processes sharing a BAR object, two with a RAM object of 1 or 2 pages
  const world: World = { config: { ...defaultConfig, processes: 3 } };
  const holding = (one: number, two: number): Act[] => [mmap(2), fork(), fork(), mmap(1, { proc: one }), mmap(2, { proc: two })];
  it.each<Row>([
    ['p0: 1, p1: 2 vs p0: 1, p2: 2', holding(0, 1), holding(0, 2), 'iso', world],
    ['p0: 1, p1: 2 vs p1: 1, p0: 2', holding(0, 1), holding(1, 0), 'iso', world],
    ['p0: 1, p1: 2 vs p1: 1, p2: 2', holding(0, 1), holding(1, 2), 'iso', world],
    ['p0: 1, p1: 2 vs p2: 1, p0: 2', holding(0, 1), holding(2, 0), 'iso', world],
    ['p0: 1, p1: 2 vs p2: 1, p1: 2', holding(0, 1), holding(2, 1), 'iso', world],
    ['p1 and p2 each with a 1-page RAM object, mapped in either order', [mmap(2), fork(), fork(), mmap(1, { proc: 1 }), mmap(1, { proc: 2 })], [mmap(2), fork(), fork(), mmap(1, { proc: 2 }), mmap(1, { proc: 1 })], 'iso', world],
    ['all three with a 1-page RAM object, p1 and p2 mapping in either order', [mmap(2), fork(), fork(), mmap(1), mmap(1, { proc: 1 }), mmap(1, { proc: 2 })], [mmap(2), fork(), fork(), mmap(1), mmap(1, { proc: 2 }), mmap(1, { proc: 1 })], 'iso', world],
    ['p0: 1, p1: 2 vs p0: 1 and 2', holding(0, 1), holding(0, 0), 'differ', world],
    ['p2: 1, p1: 2 vs p2: 1 and 2', holding(2, 1), holding(2, 2), 'differ', world],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});

describe('vma-p2p key: exporters', () => {
  const world: World = { config: twoExporters };
  it.each<Row>([
    ['mapping e0 vs e1', [mmap(1)], [mmap(1, { exporter: 1 })], 'differ', world],
    ['an object of e0 vs of e1 in RAM', [mmap(1), evict(0, 0), evictFinish(0, 0)], [mmap(1, { exporter: 1 }), evict(0, 1), evictFinish(0, 1)], 'differ', world],
    ['unbinding e0 vs e1', [unbind(0)], [unbind(1)], 'differ', world],
    ['importing from e0 vs e1', [mmap(1), regMr(), mrDma()], [mmap(1, { exporter: 1 }), regMr(), mrDma()], 'differ', world],
  ])('%s', (_name, a, b, want, world) => expect(relation(a, b, world)).toBe(want));
});
