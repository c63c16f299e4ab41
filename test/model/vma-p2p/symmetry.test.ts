// vma-p2p canonical forms (model/symmetry.ts), through behaviour only:
// two action sequences from init, then how the states compare.
//   same    equal bytes: the same state (dead objects, VMAs, MRs and
//           undone p2p_maps are zeroed, so they leave nothing behind)
//   iso     the bytes differ, the forms are equal: one state with its
//           processes, VMA slots, objects or MRs relabelled
//   differ  the forms differ: a difference some step or property can see
import { describe, expect, it } from 'vitest';
import { vmaP2p } from '../../../model/vma-p2p/index.js';
import { type Config, defaultConfig, defaultLimits } from '../../../model/vocabulary.js';
import { ack, deregMr, evict, evictFinish, exit, fork, injectInsertFail, mmap, mrDma, munmap, regMr, touch, unbind, unbindFinish } from '../../actions.js';
import { canonicalOf, canonicalRelation, fails, type Row, type Side } from '../canonical.js';
import { roomy, run, type Setup, withExporters } from '../run.js';

// defaultConfig: nic0 = importer 2 is the only one that can import (ODP, host-bridge);
// per process 1 VMA and 1 MR, 2 objects, 1 fault

const related = canonicalRelation(vmaP2p);
// the rows fault their MRs in: the ODP fault path (the presets map at registration)
const relation = (a: Side, b: Side, setup: Setup = {}) => related(a, b, { ...setup, knobs: { odp_map: 'first-fault', ...setup.knobs } });

const imported = [mmap(1), regMr(), mrDma()];
const legacy: Setup = { preset: 'legacy-importer' };
const noWait: Setup = { preset: 'exporter-no-wait' };
/** The importer fences in a later step of its own (ack_invalidate). */
const deferred: Setup = { knobs: { revoke_fence: 'deferred' } };
const big: Setup = { config: roomy };
const twoExporters: Setup = { config: withExporters([1, 1]) };
/** Three processes, two VMAs each: which process holds what is what the form sorts by. */
const threeProcs: Setup = { config: { ...defaultConfig, processes: 3, limits: { ...defaultLimits, vmas: 2, allocations: 3 } } };

describe('vma-p2p canonical forms: the default world', () => {
  it.each<Row>([
    // identical states
    ['one history, twice', [mmap(1)], [mmap(1)], 'same'],
    ['an MR and a fork in either order', [mmap(1), regMr(), fork()], [mmap(1), fork(), regMr()], 'same'],
    ['an idle child exiting before or after an mmap', [fork(), exit(1), mmap(1)], [fork(), mmap(1), exit(1)], 'same'],
    ['fault injection armed before or after a fork', [injectInsertFail(1), fork()], [fork(), injectInsertFail(1)], 'same'],
    ['a touch with PTEs present changes nothing', [mmap(1), touch(0)], [mmap(1)], 'same'],
    ['a second DMA through the mapping changes nothing', [...imported, mrDma()], imported, 'same'],
    ['a fault maps the whole MR, whichever page faulted', [mmap(2), regMr(), mrDma(0, 0)], [mmap(2), regMr(), mrDma(0, 1)], 'same'],
    ['an injection past the MR left armed, before or after the fault', [mmap(1), regMr(), injectInsertFail(1), mrDma()], [...imported, injectInsertFail(1)], 'same'],
    ['fenced in the notifier vs fenced by a later ack', [...imported, evict(0)], { knobs: deferred.knobs, actions: [...imported, evict(0), ack()] }, 'same'],
    // dead entities leave nothing behind
    ['mapped and unmapped vs never mapped', [mmap(1), munmap(0)], [], 'same'],
    ['a dead child vs no child: the slot is free again', [fork(), exit(1)], [], 'same'],
    ['a deregistered MR vs none', [mmap(1), regMr(), deregMr(0)], [mmap(1)], 'same'],
    ['an imported then deregistered MR vs none', [...imported, deregMr(0)], [mmap(1)], 'same'],
    ['an MR left behind by munmap, imported before or not', [...imported, munmap(0)], [mmap(1), regMr(), munmap(0)], 'same'],
    // processes
    ['p0 or p1 maps', [fork(), mmap(1)], [fork(), mmap(1, { proc: 1 })], 'iso'],
    ['parent or child unmaps the shared object', [mmap(1), fork(), munmap(0, 0)], [mmap(1), fork(), munmap(0, 1)], 'iso'],
    ['parent or child exits', [fork(), exit(0)], [fork(), exit(1)], 'iso'],
    ['p0 or p1 imports its own object', [fork(), mmap(1), regMr(0), mrDma()], [fork(), mmap(1, { proc: 1 }), regMr(0, { proc: 1 }), mrDma()], 'iso'],
    ['p0 forks, then p0 or p1 registers the MR on the object both map', [mmap(1), fork(), regMr(0)], [mmap(1), fork(), regMr(0, { proc: 1 })], 'iso'],
    ['p0 forks, then p0 or p1 imports the object both map', [mmap(1), fork(), regMr(0), mrDma()], [mmap(1), fork(), regMr(0, { proc: 1 }), mrDma()], 'iso'],
    ['p0 and p1 each with an MR, one imported, registered in either order', [mmap(1), fork(), regMr(0), regMr(0, { proc: 1 }), mrDma(0)], [mmap(1), fork(), regMr(0, { proc: 1 }), regMr(0), mrDma(1)], 'iso'],
    ['a child vs no child', [fork()], [], 'differ'],
    ['a dead child vs a live one', [fork(), exit(1)], [fork()], 'differ'],
    ['a child with the mapping vs one without', [mmap(1), fork()], [fork(), mmap(1)], 'differ'],
    ['an MR left behind by munmap vs none', [mmap(1), regMr(), munmap(0)], [mmap(1), munmap(0)], 'differ'],
    // objects and pages
    ['one page vs two', [mmap(1)], [mmap(2)], 'differ'],
    ['page 0 vs page 1 of the BAR', [fork(), mmap(1, { proc: 1 })], [fork(), mmap(1), mmap(1, { proc: 1 }), munmap(0, 0)], 'differ'],
    ['a 1-page vs a 2-page object in RAM', [fork(), mmap(2), mmap(1, { proc: 1 })], [fork(), mmap(2), mmap(2, { proc: 1 })], 'differ'],
    ['objects renamed: p0 or p1 took page 0', [fork(), mmap(1), mmap(1, { proc: 1 })], [fork(), mmap(1, { proc: 1 }), mmap(1)], 'iso'],
    ['objects renamed: an evicted object vs one born in RAM', [mmap(1), evict(0), evictFinish(0), touch(0)], [fork(), mmap(2, { proc: 1 }), mmap(1), exit(1)], 'iso'],
    ['in the BAR vs evicted to RAM', [mmap(1)], [mmap(1), evict(0), evictFinish(0), touch(0)], 'differ'],
    ['evicted to RAM vs gone with the driver', [mmap(1), evict(0), evictFinish(0), unbind(), unbindFinish()], [mmap(1), unbind(), unbindFinish()], 'differ'],
    ['evicting vs evicted', [mmap(1), evict(0)], [mmap(1), evict(0), evictFinish(0)], 'differ'],
    ['evicted, PTEs zapped vs faulted back in', [mmap(1), evict(0), evictFinish(0)], [mmap(1), evict(0), evictFinish(0), touch(0)], 'differ'],
    ['one VMA on the object vs two', [mmap(1), fork()], [mmap(1), fork(), munmap(0, 1)], 'differ'],
    // MRs and p2p_maps
    ['an MR vs none', [mmap(1), regMr()], [mmap(1)], 'differ'],
    ['an MR faulted in vs not', imported, [mmap(1), regMr()], 'differ'],
    ['an MR on a 1-page vs a 2-page object', [mmap(1), regMr()], [mmap(2), regMr()], 'differ'],
    ['an MR faulted to RAM vs not faulted', [mmap(1), evict(0), evictFinish(0), regMr(), mrDma()], [mmap(1), evict(0), evictFinish(0), regMr()], 'differ'],
    ['invalidation pending vs acked', [...imported, evict(0)], [...imported, evict(0), ack()], 'differ', deferred],
    ['acked vs moved to RAM', [...imported, evict(0), ack()], [...imported, evict(0), ack(), evictFinish(0)], 'differ', deferred],
    ['unbind: invalidation pending vs acked', [...imported, unbind()], [...imported, unbind(), ack()], 'differ', deferred],
    ['a pending invalidation vs an ignored one', { knobs: deferred.knobs, actions: [...imported, evict(0)] }, { preset: 'legacy-importer', actions: [...imported, evict(0)] }, 'differ'],
    ['a map gone stale under a pending invalidation vs a fresh one', { preset: 'exporter-no-wait', actions: [...imported, evict(0)] }, { knobs: deferred.knobs, actions: [...imported, evict(0)] }, 'differ'],
    // fault injection and the exporter
    ['injection armed vs not', [injectInsertFail(0)], [], 'differ'],
    ['injection at 0 vs at 1', [injectInsertFail(0)], [injectInsertFail(1)], 'differ'],
    ['an mmap failed by injection vs none: the fault limit counts it', [injectInsertFail(0), fails(mmap(1))], [], 'differ'],
    ['an injected p2p_map failure spent vs never armed', [mmap(1), regMr(), injectInsertFail(0), fails(mrDma())], [mmap(1), regMr()], 'differ'],
    ['bound vs unbinding', [], [unbind()], 'differ'],
    ['unbinding vs unbound', [unbind()], [unbind(), unbindFinish()], 'differ'],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('vma-p2p canonical forms: why VMA slots keep their ids', () => {
  // as in struct-page: one state with its VMA slots swapped, an ODP MR on
  // the first mapping or the second; after both munmap()s the next mmap()
  // fills slot 0, and odpFault() faults through the MR that covers it
  const first = [mmap(1), mmap(1), regMr(0)];
  const second = [fork(), mmap(1, { proc: 1 }), mmap(1), exit(1), mmap(1), regMr(1)];
  const then = [munmap(0), munmap(1), mmap(1), mrDma(0, 0)];

  it('an ODP MR faults through whatever VMA holds its slot: the two states have different futures', () => {
    expect([run(vmaP2p, [...first, ...then], big).ret, run(vmaP2p, [...second, ...then], big).ret]).toEqual(['0', '-EFAULT']);
  });

  it('so the canonical form keeps them apart', () => expect(relation(first, second, big)).toBe('differ'));
});

describe('vma-p2p canonical forms: more slots than the default world', () => {
  it.each<Row>([
    ['VMA slots keep their ids (an ODP MR faults through its slot): RAM objects of one process mapped in either order', [mmap(2), mmap(1), mmap(2)], [mmap(2), mmap(2), mmap(1)], 'differ', big],
    ['objects renamed: RAM objects of two processes, swapped', [mmap(2), fork(), mmap(1), mmap(2, { proc: 1 })], [mmap(2), fork(), mmap(2), mmap(1, { proc: 1 })], 'iso', big],
    ['a RAM object in the parent vs in the child', [mmap(2), fork(), mmap(1)], [mmap(2), fork(), mmap(1, { proc: 1 })], 'iso', big],
    [
      'a process is named by its MRs as a set: p0 registers two MRs in either order, p1 one',
      [mmap(1), mmap(1), fork(), regMr(0), regMr(1), regMr(1, { proc: 1 })],
      [mmap(1), mmap(1), fork(), regMr(1), regMr(0), regMr(1, { proc: 1 })],
      'iso',
      big,
    ],
    ['two MRs in one process vs one in each', [mmap(1), fork(), regMr(0), regMr(0)], [mmap(1), fork(), regMr(0), regMr(0, { proc: 1 })], 'differ', big],
    ['two MRs faulted vs one of them', [mmap(1), regMr(), regMr(), mrDma(0), mrDma(1)], [mmap(1), regMr(), regMr(), mrDma(0)], 'differ', big],
    ['MRs renamed: one faulted of two, the first or the second', [mmap(1), regMr(), regMr(), mrDma(0)], [mmap(1), regMr(), regMr(), mrDma(1)], 'iso', big],
    ['MRs renamed: two imports done in either order', [mmap(1), mmap(1), regMr(0), regMr(1), mrDma(0), mrDma(1)], [mmap(1), mmap(1), regMr(0), regMr(1), mrDma(1), mrDma(0)], 'same', big],
    [
      'objects kept for outstanding maps, in either id order',
      [mmap(1), mmap(1), regMr(0), regMr(1), mrDma(0), mrDma(1), munmap(0), munmap(1)],
      [mmap(1), mmap(1), regMr(1), regMr(0), mrDma(0), mrDma(1), munmap(0), munmap(1)],
      'iso',
      { config: roomy, knobs: { importer: 'ignores', exporter_waits: 'always' } },
    ],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('vma-p2p canonical forms: importers that ignore, exporters that do not wait, the RFC as posted', () => {
  it.each<Row>([
    ['an ignored munmap leaves the map, obeyed it undoes it', { ...legacy, actions: [...imported, munmap(0)] }, [...imported, munmap(0)], 'differ'],
    ['a left-behind mapping MR in p0 or p1', [fork(), mmap(1, { proc: 1 }), regMr(0, { proc: 1 }), mrDma(), munmap(0, 1)], [fork(), mmap(1), regMr(0), mrDma(), munmap(0, 0)], 'iso', legacy],
    ['a left-behind mapping MR vs one whose VMA is still there', [...imported, munmap(0)], imported, 'differ', legacy],
    ['an eviction not waited for, then a fresh object on the page vs none', [fork(), ...imported, evict(0), mmap(1, { proc: 1 })], [fork(), ...imported, evict(0), mmap(1, { proc: 1 }), munmap(0, 1)], 'differ', noWait],
    ['a stale map acked vs never made', [...imported, evict(0), ack()], [mmap(1), evict(0), regMr()], 'same', noWait],
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
    ['a left-behind MR mapping a 2-page vs a 1-page RAM object', [fork(), mmap(2, { proc: 1 }), mmap(2), regMr(0), mrDma(), munmap(0)], [fork(), mmap(2, { proc: 1 }), mmap(1), regMr(0), mrDma(), munmap(0)], 'differ', legacy],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('vma-p2p canonical forms: processes are sorted by what they hold', () => {
  // three processes sharing a BAR object, two with a RAM object of 1 or 2 pages
  const holding = (one: number, two: number) => [mmap(2), fork(), fork(), mmap(1, { proc: one }), mmap(2, { proc: two })];
  it.each<Row>([
    ['p0: 1, p1: 2 vs p0: 1, p2: 2', holding(0, 1), holding(0, 2), 'iso', threeProcs],
    ['p0: 1, p1: 2 vs p1: 1, p0: 2', holding(0, 1), holding(1, 0), 'iso', threeProcs],
    ['p0: 1, p1: 2 vs p1: 1, p2: 2', holding(0, 1), holding(1, 2), 'iso', threeProcs],
    ['p0: 1, p1: 2 vs p2: 1, p0: 2', holding(0, 1), holding(2, 0), 'iso', threeProcs],
    ['p0: 1, p1: 2 vs p2: 1, p1: 2', holding(0, 1), holding(2, 1), 'iso', threeProcs],
    ['p1 and p2 each with a 1-page RAM object, mapped in either order', [mmap(2), fork(), fork(), mmap(1, { proc: 1 }), mmap(1, { proc: 2 })], [mmap(2), fork(), fork(), mmap(1, { proc: 2 }), mmap(1, { proc: 1 })], 'iso', threeProcs],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('vma-p2p canonical forms: exporters keep their ids', () => {
  it.each<Row>([
    ['mapping e0 vs e1', [mmap(1)], [mmap(1, { exporter: 1 })], 'differ', twoExporters],
    ['an object of e0 vs of e1 in RAM', [mmap(1), evict(0, 0), evictFinish(0, 0)], [mmap(1, { exporter: 1 }), evict(0, 1), evictFinish(0, 1)], 'differ', twoExporters],
    ['unbinding e0 vs e1', [unbind(0)], [unbind(1)], 'differ', twoExporters],
    ['importing from e0 vs e1', [mmap(1), regMr(), mrDma()], [mmap(1, { exporter: 1 }), regMr(), mrDma()], 'differ', twoExporters],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('vma-p2p canonical forms: a leaked p2p_map names its object', () => {
  it('an orphaned BAR page names the object the form renamed, as the page owner does', () => {
    // e0 of 3 pages: a0 takes page 0 and goes, so the 2-page object in slot a1 is named a0 by its pages
    const config: Config = { ...defaultConfig, exporters: [{ name: 'e0', pages: 3 }], limits: { ...defaultLimits, vmas: 2 } };
    const history = [mmap(1), mmap(2), munmap(0), regMr(1), injectInsertFail(1), mrDma()];
    const { state, rets } = run(vmaP2p, history, { config, knobs: { odp_map: 'first-fault', dma_map_error_unwind: 'leaks' } });
    expect(rets.at(-1)).toBe('-EFAULT');
    expect([state.page(0, 1).owner, state.page(0, 1).orphaned, state.page(0, 1).orphan_alloc]).toEqual([1, true, 1]);
    const form = state.m.wrap(canonicalOf(state), 0);
    expect([form.page(0, 1).owner, form.page(0, 1).orphaned, form.page(0, 1).orphan_alloc]).toEqual([0, true, 0]);
  });
});
