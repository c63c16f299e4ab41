// struct-page canonical forms (model/symmetry.ts), through behaviour
// only: two action sequences from init, then how the states compare.
//   same    equal bytes: the same state (dead slots are zeroed, so a
//           forgotten entity leaves nothing behind)
//   iso     the bytes differ, the forms are equal: one state with its
//           processes, VMA slots, allocations, MRs or bios relabelled
//   differ  the forms differ: a difference some step or property can see
import { describe, expect, it } from 'vitest';
import { structPage } from '../../../model/struct-page/index.js';
import { defaultConfig, defaultLimits } from '../../../model/vocabulary.js';
import { deregMr, evict, evictFinish, exit, fork, injectInsertFail, ioComplete, mmap, mrDma, munmap, pread, pwrite, regMr, unbind, unbindFinish } from '../../actions.js';
import { canonicalRelation, fails, type Row } from '../canonical.js';
import { roomy, run, type Setup, withExporters } from '../run.js';

// defaultConfig: nvme0 P2P queue, nvme1 none, nic0 ODP host-bridge, nic1 no ODP, route none;
// per process 1 VMA and 1 MR, 1 bio, 2 allocations, 1 fault

const relation = canonicalRelation(structPage);

const lsfmm: Setup = { preset: 'lsfmm-2020' };
const big: Setup = { config: roomy };
const twoExporters: Setup = { config: withExporters([1, 1]) };
/** Three processes, two VMAs each: which process holds what is what the form sorts by. */
const threeProcs: Setup = { config: { ...defaultConfig, processes: 3, limits: { ...defaultLimits, vmas: 2, allocations: 3 } } };

describe('struct-page canonical forms: the default world', () => {
  it.each<Row>([
    // identical states
    ['one history, twice', [mmap(1)], [mmap(1)], 'same'],
    ['a fork and an O_DIRECT in either order', [mmap(1), pread(0), fork()], [mmap(1), fork(), pread(0)], 'same'],
    ['an idle child exiting before or after an mmap', [fork(), exit(1), mmap(1)], [fork(), mmap(1), exit(1)], 'same'],
    ['fault injection armed before or after a fork', [injectInsertFail(1), fork()], [fork(), injectInsertFail(1)], 'same'],
    ['evicted, drained and unmapped vs just unmapped', [mmap(1), evict(0), evictFinish(0), munmap(0)], [mmap(1), munmap(0)], 'same'],
    ['pread vs pwrite: a bio does not keep its direction', [mmap(1), pread(0)], [mmap(1), pwrite(0)], 'same'],
    // dead entities leave nothing behind
    ['mapped and unmapped vs never mapped', [mmap(1), munmap(0)], [], 'same'],
    ['a completed O_DIRECT vs none', [mmap(1), pread(0), ioComplete()], [mmap(1)], 'same'],
    ['a deregistered MR vs none', [mmap(1), regMr(), deregMr(0)], [mmap(1)], 'same'],
    ['a dead child vs no child: the slot is free again', [fork(), exit(1)], [], 'same'],
    ['a mapping the other process made and unmapped vs none', [fork(), mmap(1), regMr(0)], [fork(), mmap(1), mmap(1, { proc: 1 }), munmap(0, 1), regMr(0)], 'same'],
    // processes
    ['p0 or p1 maps', [fork(), mmap(1)], [fork(), mmap(1, { proc: 1 })], 'iso'],
    ['parent or child unmaps the shared page', [mmap(1), fork(), munmap(0, 0)], [mmap(1), fork(), munmap(0, 1)], 'iso'],
    ['parent or child exits', [fork(), exit(0)], [fork(), exit(1)], 'iso'],
    ['p0 or p1 registers an MR on its own mapping', [fork(), mmap(1), regMr(0)], [fork(), mmap(1, { proc: 1 }), regMr(0, { proc: 1 })], 'iso'],
    ['p0 forks, then p0 or p1 registers the MR on the mapping both have', [mmap(1), fork(), regMr(0)], [mmap(1), fork(), regMr(0, { proc: 1 })], 'iso'],
    ['p0 and p1 each with an MR, registered in either order', [mmap(1), fork(), regMr(0), regMr(0, { proc: 1, odp: false, importer: 3 })], [mmap(1), fork(), regMr(0, { proc: 1, odp: false, importer: 3 }), regMr(0)], 'iso', lsfmm],
    ['a child vs no child', [fork()], [], 'differ'],
    ['a dead child vs a live one', [fork(), exit(1)], [fork()], 'differ'],
    ['a child with the mapping vs one without', [mmap(1), fork()], [fork(), mmap(1)], 'differ'],
    // pages and refcounts
    ['one page vs two', [mmap(1)], [mmap(2)], 'differ'],
    ['page 0 vs page 1 of the pool', [fork(), mmap(1, { proc: 1 })], [fork(), mmap(1), mmap(1, { proc: 1 }), munmap(0, 0)], 'differ'],
    ['an O_DIRECT in flight vs none', [mmap(1), pread(0)], [mmap(1)], 'differ'],
    ['an O_DIRECT in flight vs completed', [mmap(1), pread(0)], [mmap(1), pread(0), ioComplete()], 'differ'],
    ['pread into page 0 vs page 1', [mmap(2), pread(0, 0, 0)], [mmap(2), pread(0, 0, 1)], 'differ'],
    ['an ODP MR vs none', [mmap(1), regMr()], [mmap(1)], 'differ'],
    // allocations
    ['p0 or p1 took page 0', [fork(), mmap(1), mmap(1, { proc: 1 })], [fork(), mmap(1, { proc: 1 }), mmap(1)], 'iso'],
    ['evicting vs evicted', [mmap(1), evict(0)], [mmap(1), evict(0), evictFinish(0)], 'differ'],
    ['evicting vs idle', [mmap(1), pread(0), evict(0)], [mmap(1), pread(0)], 'differ'],
    ['evicted but mapped vs unmapped', [mmap(1), evict(0), evictFinish(0)], [mmap(1), munmap(0)], 'differ'],
    // the exporter and fault injection
    ['bound vs unbinding', [], [unbind()], 'differ'],
    ['unbinding vs unbound', [unbind()], [unbind(), unbindFinish()], 'differ'],
    ['injection armed vs not', [injectInsertFail(0)], [], 'differ'],
    ['injection at page 0 vs page 1', [injectInsertFail(0)], [injectInsertFail(1)], 'differ'],
    ['a spent injection vs none: the fault limit counts it', [injectInsertFail(0), fails(mmap(1))], [], 'differ'],
    ['a failed mmap that leaked a pgmap ref vs one that put it', { preset: 'bug-insert-leak', actions: [injectInsertFail(0), fails(mmap(1))] }, [injectInsertFail(0), fails(mmap(1))], 'differ'],
    ['pgmap ref per mapped page vs none', [mmap(1)], { preset: 'bug-zone-device-refcount', actions: [mmap(1)] }, 'differ'],
    [
      'a failed insert that reset the page count vs one that did not',
      [injectInsertFail(1), fails(mmap(2))],
      { knobs: { insert_fail_resets_count: 'off' }, actions: [injectInsertFail(1), fails(mmap(2))] },
      'differ',
    ],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('struct-page canonical forms: more slots than the default world', () => {
  it.each<Row>([
    ['two preads into one page vs one each', [mmap(2), pread(0, 0, 0), pread(0, 0, 0)], [mmap(2), pread(0, 0, 0), pread(0, 0, 1)], 'differ', big],
    ['bios renamed: two preads in either order', [mmap(2), pread(0, 0, 0), pread(0, 0, 1)], [mmap(2), pread(0, 0, 1), pread(0, 0, 0)], 'iso', big],
    ['bios renamed: the one left in slot 0 or 1', [mmap(2), pread(0, 0, 0), pread(0, 0, 1), ioComplete(0)], [mmap(2), pread(0, 0, 1)], 'iso', big],
    ['VMA slots keep their ids: page 0 mapped first or second', [mmap(1), mmap(1)], [fork(), mmap(1, { proc: 1 }), mmap(1), exit(1), mmap(1)], 'differ', big],
    [
      'allocations held by pins only: 1+1 pages vs 2',
      [mmap(1), mmap(1), pread(0, 0), pread(0, 1), munmap(0), munmap(1)],
      [mmap(2), pread(0, 0, 0), pread(0, 0, 1), munmap(0)],
      'differ',
      big,
    ],
    [
      'allocations held by pins only, pinned and unmapped in either order',
      [mmap(1), mmap(1), pread(0, 0), pread(0, 1), munmap(0), munmap(1)],
      [mmap(1), mmap(1), pread(0, 1), pread(0, 0), munmap(1), munmap(0)],
      'iso',
      big,
    ],
    ['MRs renamed: two ODP MRs, the first deregistered or the second', [mmap(1), regMr(), regMr(), deregMr(0)], [mmap(1), regMr(), regMr(), deregMr(1)], 'iso', big],
    [
      'a process is named by its MRs as a set: p0 registers two MRs in either order, p1 one',
      [mmap(1), mmap(1), fork(), regMr(0), regMr(1), regMr(1, { proc: 1 })],
      [mmap(1), mmap(1), fork(), regMr(1), regMr(0), regMr(1, { proc: 1 })],
      'iso',
      big,
    ],
    ['one process with two MRs vs one each', [mmap(1), fork(), regMr(), regMr()], [mmap(1), fork(), regMr(), regMr(0, { proc: 1 })], 'differ', big],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('struct-page canonical forms: processes are sorted by what they hold', () => {
  // three processes sharing a 1-page mapping; one maps the other page, one registers an MR
  const holding = (maps: number, registers: number) => [mmap(1), fork(), fork(), mmap(1, { proc: maps }), regMr(0, { proc: registers })];
  it.each<Row>([
    ['p0 maps, p1 registers vs p0 maps, p2 registers', holding(0, 1), holding(0, 2), 'iso', threeProcs],
    ['p0 maps, p1 registers vs p1 maps, p0 registers', holding(0, 1), holding(1, 0), 'iso', threeProcs],
    ['p0 maps, p1 registers vs p2 maps, p1 registers', holding(0, 1), holding(2, 1), 'iso', threeProcs],
    ['p2 maps, p0 registers vs p1 maps, p2 registers', holding(2, 0), holding(1, 2), 'iso', threeProcs],
    ['one process maps and registers vs two do', holding(0, 1), holding(0, 0), 'differ', threeProcs],
    ['p1 or p2 exits, the others alike', [mmap(1), fork(), fork(), exit(1)], [mmap(1), fork(), fork(), exit(2)], 'iso', threeProcs],
    ['a second mapping in p1 vs none', [mmap(1), fork(), fork(), mmap(1, { proc: 1 })], [mmap(1), fork(), fork()], 'differ', threeProcs],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('struct-page canonical forms: MRs that pin (lsfmm-2020) and ODP faults', () => {
  it.each<Row>([
    ['a pinned MR vs an ODP one', [mmap(1), regMr(0, { odp: false })], [mmap(1), regMr()], 'differ', lsfmm],
    ['a pinned MR by nic0 vs by nic1 (importers keep their ids)', [mmap(1), regMr(0, { odp: false })], [mmap(1), regMr(0, { importer: 3, odp: false })], 'differ', lsfmm],
    ['O_DIRECT by nvme0 vs nvme1', [mmap(1), pread(0)], [mmap(1), pread(1)], 'differ', lsfmm],
    ['a deregistered pinned MR vs none', [mmap(1), regMr(0, { odp: false }), deregMr(0)], [mmap(1)], 'same', lsfmm],
    ['an ODP MR faulted vs not', [mmap(1), regMr(), mrDma()], [mmap(1), regMr()], 'differ'],
    ['an ODP MR faulted on page 0 vs page 1', [mmap(2), regMr(), mrDma()], [mmap(2), regMr(), mrDma(0, 1)], 'differ'],
    ['an ODP MR invalidated by eviction vs never faulted', [mmap(1), regMr(), mrDma(), evict(0)], [mmap(1), regMr(), evict(0)], 'same'],
    ['an ODP MR invalidated by munmap vs never faulted', [mmap(1), regMr(), mrDma(), munmap(0)], [mmap(1), regMr(), munmap(0)], 'same'],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});

describe('struct-page canonical forms: why VMA slots keep their ids', () => {
  // p0 maps page 0 then page 1, and an ODP MR covers the first; or page 1
  // then page 0, and the MR covers the second: one state with its VMA
  // slots swapped. After both munmap()s, the next mmap() fills slot 0,
  // which only the first MR still covers: devMrDma() faults through it.
  const first = [mmap(1), mmap(1), regMr(0)];
  const second = [fork(), mmap(1, { proc: 1 }), mmap(1), exit(1), mmap(1), regMr(1)];
  const then = [munmap(0), munmap(1), mmap(1), mrDma(0, 0)];
  const setup: Setup = { config: roomy };

  it('an ODP MR mirrors whatever VMA holds its slot: the two states have different futures', () => {
    expect([run(structPage, [...first, ...then], setup).ret, run(structPage, [...second, ...then], setup).ret]).toEqual(['0', '-EFAULT']);
  });

  it('so the canonical form keeps them apart', () => expect(relation(first, second, setup)).toBe('differ'));
});

describe('struct-page canonical forms: exporters keep their ids', () => {
  it.each<Row>([
    ['mapping e0 vs e1', [mmap(1)], [mmap(1, { exporter: 1 })], 'differ', twoExporters],
    ['unbinding e0 vs e1', [unbind(0)], [unbind(1)], 'differ', twoExporters],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});
