// Step table for vma-p2p: from init in the default world (or a roomier
// one where a row needs more than one VMA or MR per process), a short
// action prefix, then the action under test: its exact return and what
// decode(), the ghost view, audit, held() and the events show.
import { describe, expect, it } from 'vitest';
import type { Knobs } from '../../../model/design.js';
import { NONE } from '../../../model/packed.js';
import { vmaP2p } from '../../../model/vma-p2p/index.js';
import type { VpState } from '../../../model/vma-p2p/state.js';
import { type Action, type Config, defaultConfig, type Event, type Ret } from '../../../model/vocabulary.js';
import { catalogue, type PropertyId } from '../../../properties/catalogue.js';
import { judgedStep } from '../../../properties/evaluate.js';
import { evictStuck, leftBehind, unbindStuck } from '../../../properties/liveness.js';
import {
  ack,
  deregMr,
  evict,
  evictFinish,
  exit,
  fork,
  injectInsertFail,
  ioComplete,
  ioDma,
  kernelCopy,
  mmap,
  mmapLink,
  mmapStart,
  mrDma,
  munmap,
  pread,
  regMr,
  touch,
  unbind,
  unbindFinish,
} from '../../actions.js';
import { bytesOf, type Run, roomy, run as runDesign, withExporters } from '../run.js';

// defaultConfig: importers nvme0 (P2P queue), nvme1, nic0 (ODP, host-bridge), nic1 (no ODP, no route)
const NVME0 = 0;
const NIC0 = 2;
const NIC1 = 3;

// the rows take the ODP fault path (odp_map=first-fault); 'ibv_reg_mr maps at registration' covers the presets' default
const run = (actions: readonly Action[], opts: { preset?: string; knobs?: Knobs; config?: Config } = {}) =>
  runDesign(vmaP2p, actions, { ...opts, knobs: { odp_map: 'first-fault', ...opts.knobs } });
const decode = (s: VpState) => vmaP2p.decode(s);
/** The importer fences in a later step of its own (ack_invalidate). */
const deferred = { knobs: { revoke_fence: 'deferred' } };
const kinds = (events: readonly Event[]) => events.map((e) => e.kind);
const owners = (r: Run<VpState>) => vmaP2p.view(r.state).exporters[0]!.pages.map((p) => p.owner);
const bar = (page: number, stale = false) => ({ kind: 'dma', importer: NIC0, path: 'mr', target: { mem: 'bar', exporter: 0, page, stale }, route: 'host-bridge' });
const ram = { kind: 'dma', importer: NIC0, path: 'mr', target: { mem: 'ram' }, route: 'host-bridge' };

/** The safety violation the catalogue reports for the last step, or null. */
function violation(r: Run<VpState>, id: PropertyId): string | null {
  const p = catalogue.find((x) => x.id === id)!;
  if (p.kind !== 'safety') throw new Error(`${id} is not a safety property`);
  return p.violation(judgedStep(defaultConfig, r.events, vmaP2p.view(r.state), vmaP2p.audit(r.state)));
}

const mapped = [mmap(1), regMr(), mrDma()];
/** The default world with two VMA slots per process: the two allocations run out first. */
const twoVmas: Config = { ...defaultConfig, limits: { ...defaultConfig.limits, vmas: 2 } };

describe('proc_mmap: the exporter driver f_op->mmap', () => {
  it('places the object first-fit in the BAR', () => {
    const r = run([mmap(1)]);
    expect(r.ret).toBe('vma0');
    expect(decode(r.state)).toEqual({
      e0: { driver: 'bound', page0: { owner: 'a0' }, page1: { owner: null } },
      a0: { exporter: 'e0', placement: 'bar', pages: '0+1', vmas: 1, evicting: false },
      p0: { vma0: { exporter: 'e0', alloc: 'a0', npages: 1, ptes: true } },
    });
  });

  it('places the object in system RAM when the BAR is full, never -ENOMEM', () => {
    const r = run([fork(), mmap(1), mmap(2, { proc: 1 })]);
    expect(r.rets).toEqual(['p1', 'vma0', 'vma0']);
    expect(owners(r)).toEqual([0, null]);
    expect(decode(r.state)).toMatchObject({ a1: { placement: 'ram', pages: '2' }, p1: { vma0: { alloc: 'a1' } } });
    const t = run([fork(), mmap(1), mmap(2, { proc: 1 }), touch(0, 1, 1)]);
    expect([t.ret, t.events]).toEqual(['0', []]);
  });

  it.each<[string, Action[], Ret, Config?]>([
    ['MAP_PRIVATE (is_cow_mapping)', [mmap(1, { shared: false })], '-EINVAL'],
    ['a non-zero offset', [mmap(1, { offset: 1 })], '-EINVAL'],
    ['no pages', [mmap(0)], '-EINVAL'],
    ['an unbinding driver', [unbind(), mmap(1)], '-ENODEV'],
    ['no such exporter', [mmap(1, { exporter: 7 })], '-EBADF'],
    ['a dead process', [exit(), mmap(1)], '-ESRCH'],
    ['a second VMA past the world limit (map_count)', [mmap(1), mmap(1)], '-ENOMEM'],
    ['past the VMA limit, even once the driver is gone', [mmap(1), unbind(), mmap(1)], '-ENOMEM'],
    ['an object longer than the largest BAR (BOUND)', [mmap(3)], 'BOUND'],
    ['a third object past the allocation limit (BOUND)', [fork(), mmap(1), mmap(1, { proc: 1 }), mmap(1)], 'BOUND', twoVmas],
  ])('refuses %s, the state as it was', (_, actions, ret, config) => {
    const r = run(actions, config ? { config } : {});
    expect(r.ret).toBe(ret);
    expect(r.events).toEqual([]);
    expect(bytesOf(r.state)).toEqual(bytesOf(r.before));
  });

  it('fails -ENOMEM on the injected PFN insert: no object, no VMA, the injection spent', () => {
    const r = run([injectInsertFail(0), mmap(1)]);
    expect(r.ret).toBe('-ENOMEM');
    expect(r.events).toEqual([]);
    expect(decode(r.state)).toEqual({ fault: { armed: null, fired: 1 }, e0: { driver: 'bound', page0: { owner: null }, page1: { owner: null } }, p0: {} });
    expect(vmaP2p.audit(r.state)).toEqual([]);
    expect(run([injectInsertFail(0), mmap(1), mmap(1)]).ret).toBe('vma0');
  });

  it('spends the injection even when the mmap has fewer pages than nth', () => {
    const r = run([injectInsertFail(1), mmap(1)]);
    expect(r.ret).toBe('vma0');
    expect(decode(r.state)).toMatchObject({ fault: { armed: null, fired: 1 } });
  });
});

describe('GUP paths refuse VM_IO|VM_PFNMAP (check_vma_flags)', () => {
  it.each<[string, Action, Ret]>([
    ['O_DIRECT pread', pread(NVME0), '-EFAULT'],
    ['process_vm_readv', kernelCopy(), '-EFAULT'],
    ['a pinned (non-ODP) MR', regMr(0, { odp: false }), '-EFAULT'],
    ['an ODP MR on a NIC without ODP', regMr(0, { importer: NIC1 }), '-EOPNOTSUPP'],
    ['an MR on an NVMe drive', regMr(0, { importer: NVME0 }), '-EINVAL'],
    ['an MR on no such VMA', regMr(5), '-EFAULT'],
    ['O_DIRECT on a NIC', pread(NIC0), '-EINVAL'],
    ['an I/O DMA: no bio is ever in flight', ioDma(), '-EBADF'],
    ['an I/O completion', ioComplete(), '-EBADF'],
  ])('%s', (_, action, ret) => {
    const r = run([mmap(1), action]);
    expect(r.ret).toBe(ret);
    expect(r.events).toEqual([]);
    expect(bytesOf(r.state)).toEqual(bytesOf(r.before));
  });

  it('an ODP MR registers without mapping anything', () => {
    const r = run([mmap(2), regMr()]);
    expect(r.ret).toBe('mr0');
    expect(r.events).toEqual([]);
    expect(decode(r.state)).toMatchObject({ mr0: { proc: 'p0', importer: 'nic0', vma: 'vma0', pending_invalidation: false, dma_list: [null, null] } });
  });

  it('a second MR past the per-process limit is -ENOMEM; the other process has its own; a freed slot is taken again', () => {
    const r = run([mmap(1), regMr(), regMr()]);
    expect(r.ret).toBe('-ENOMEM');
    expect(bytesOf(r.state)).toEqual(bytesOf(r.before));
    expect(run([mmap(1), regMr(), fork(), regMr(0, { proc: 1 })]).ret).toBe('mr1');
    expect(run([mmap(1), regMr(), fork(), deregMr(), regMr(0, { proc: 1 })]).ret).toBe('mr0');
  });
});

describe('ibv_reg_mr maps at registration (odp_map=registration, the presets\' default)', () => {
  const reg = (actions: readonly Action[], opts: { preset?: string; knobs?: Knobs } = {}) => runDesign(vmaP2p, actions, opts);

  it('mlx5_ib_init_odp_mr(): SNAPSHOT maps the pages the CPU has mapped, through p2p_map; the DMA needs no fault', () => {
    const r = reg([mmap(2), regMr()]);
    expect(r.ret).toBe('mr0');
    expect(r.events).toEqual([{ kind: 'p2p_map', importer: NIC0, alloc: 0 }, { kind: 'p2p_map', importer: NIC0, alloc: 0 }]);
    const dma = reg([mmap(2), regMr(), mrDma(0, 1)]);
    expect(dma.events).toEqual([bar(1)]);
    expect(bytesOf(dma.state)).toEqual(bytesOf(dma.before));
  });

  it('a map refused at registration fails ibv_reg_mr and leaves no MR', () => {
    const r = reg([mmap(1), regMr()], { preset: 'as-posted' });
    expect(r.ret).toBe('-EREMOTEIO');
    expect(decode(r.state)).not.toHaveProperty('mr0');
  });

  it('with the CPU PTEs zapped there is nothing to snapshot: the MR registers unmapped and the first DMA faults', () => {
    const r = reg([mmap(1), evict(), ack(), evictFinish(), regMr(), mrDma()]);
    expect(r.rets.slice(-2)).toEqual(['mr0', '0']);
    expect(r.events).toEqual([ram]);
  });
});

describe('dev_mr_dma: ODP fault -> hmm_range_dma_map -> p2p_map', () => {
  it('maps the whole MR range and DMAs to the BAR', () => {
    const r = run([mmap(2), regMr(), mrDma(0, 1)]);
    expect(r.ret).toBe('0');
    expect(r.events).toEqual([{ kind: 'p2p_map', importer: NIC0, alloc: 0 }, { kind: 'p2p_map', importer: NIC0, alloc: 0 }, bar(1)]);
    expect(decode(r.state)).toMatchObject({ mr0: { dma_list: ['p2p_map a0 e0 page 0', 'p2p_map a0 e0 page 1'] } });
    const again = run([mmap(2), regMr(), mrDma(0, 1), mrDma(0, 0)]);
    expect(again.events).toEqual([bar(0)]);
    expect(bytesOf(again.state)).toEqual(bytesOf(again.before));
  });

  it('p2p_map works with the CPU PTEs zapped, as long as the VMA is mapped', () => {
    const r = run([mmap(1), regMr(), evict(), ack(), evictFinish(), mrDma()]);
    expect(r.rets).toEqual(['vma0', 'mr0', '0', '-ENOENT', '0', '0']);
    expect(r.events).toEqual([ram]);
  });

  it('an object in RAM maps RAM addresses', () => {
    const r = run([fork(), mmap(2), mmap(1, { proc: 1 }), regMr(0, { proc: 1 }), mrDma()]);
    expect(r.ret).toBe('0');
    expect(r.events).toEqual([ram]);
    expect(decode(r.state)).toMatchObject({ mr0: { dma_list: ['ram'] } });
  });

  it('waits -EBUSY while the VMA in the MR\'s slot is still being mmapped (a pasted trace; the search does not split mmap)', () => {
    const linking = [mmap(1), regMr(), munmap(), mmapStart(1)];
    expect(run([...linking, mrDma()]).ret).toBe('-EBUSY');
    expect(run([...linking, mmapLink(), mrDma()]).ret).toBe('0');
  });

  it('pci_test_p2p() by distance refuses a pair with no route: -EREMOTEIO', () => {
    const config: Config = { ...defaultConfig, routes: [['bus-addr'], ['bus-addr'], ['none'], ['none']] };
    const r = run(mapped, { config });
    expect(r.ret).toBe('-EREMOTEIO');
    expect(r.events).toEqual([]);
    expect(decode(r.state)).toMatchObject({ mr0: { dma_list: [null] } });
  });

  it('pci_test_p2p() as posted refuses every pair: -EREMOTEIO', () => {
    expect(run(mapped, { preset: 'as-posted' }).ret).toBe('-EREMOTEIO');
    expect(run(mapped, { knobs: { pci_test_p2p: 'as-posted' } }).ret).toBe('-EREMOTEIO');
  });

  it('a munmapped VMA faults -EFAULT; a new mapping in the slot is the one the MR mirrors', () => {
    expect(run([mmap(1), regMr(), munmap(), mrDma()]).ret).toBe('-EFAULT');
    const r = run([mmap(1), regMr(), munmap(), mmap(1), mrDma()]);
    expect(r.rets).toEqual(['vma0', 'mr0', '0', 'vma0', '0']);
    expect(r.events).toEqual([{ kind: 'p2p_map', importer: NIC0, alloc: 0 }, bar(0)]);
    // an MR longer than the new mapping finds no VMA covering it
    expect(run([mmap(2), regMr(), munmap(), mmap(1), mrDma()]).ret).toBe('-EFAULT');
  });

  it.each<[string, Action[], Ret]>([
    ['no such MR', [mrDma(4)], '-EBADF'],
    ['a free MR slot', [mrDma(1)], '-EBADF'],
    ['another importer', [mmap(1), regMr(), mrDma(0, 0, NIC1)], '-EBADF'],
    ['a page past the MR', [mmap(1), regMr(), mrDma(0, 1)], '-EINVAL'],
    ['a fractional page', [mmap(1), regMr(), mrDma(0, 0.5)], '-EINVAL'],
  ])('%s', (_, actions, ret) => {
    expect(run(actions).ret).toBe(ret);
  });
});

describe('munmap and exit: the notifier fires synchronously', () => {
  it('an obeying importer p2p_unmaps inside munmap, then the object is freed', () => {
    const r = run([...mapped, munmap()]);
    expect(r.ret).toBe('0');
    expect(r.events).toEqual([
      { kind: 'invalidate', importer: NIC0, mr: 0 },
      { kind: 'p2p_unmap', importer: NIC0, alloc: 0 },
      { kind: 'page_free', exporter: 0, page: 0 },
    ]);
    expect(decode(r.state)).toEqual({
      e0: { driver: 'bound', page0: { owner: null }, page1: { owner: null } },
      p0: {},
      mr0: { proc: 'p0', importer: 'nic0', vma: 'vma0', pending_invalidation: false, dma_list: [null] },
    });
    expect(vmaP2p.audit(r.state)).toEqual([]);
  });

  it('a legacy importer keeps its mapping after munmap and DMAs into the page reused by a new object in the same slot', () => {
    const r = run([...mapped, munmap(), mmap(1), mrDma()], { preset: 'legacy-importer' });
    expect(r.rets).toEqual(['vma0', 'mr0', '0', '0', 'vma0', '0']);
    expect(r.events).toEqual([bar(0, true)]);
    expect(decode(r.state)).toMatchObject({ e0: { page0: { owner: 'a0' } }, a0: { placement: 'bar' }, mr0: { dma_list: ['p2p_map freed e0 page 0 (stale)'] } });
    expect(violation(r, 'dma-to-live-allocation')).toBe('DMA by nic0 to e0 page 0, freed or revoked since it was mapped (now a0)');
  });

  it('a page freed under a holder marks it stale, whoever takes the page next', () => {
    const r = run([...mapped, munmap()], { preset: 'legacy-importer' });
    expect(decode(r.state)).toMatchObject({ e0: { page0: { owner: null } }, mr0: { dma_list: ['p2p_map freed e0 page 0 (stale)'] } });
    const d = run([...mapped, munmap(), mrDma()], { preset: 'legacy-importer' });
    expect(d.events).toEqual([bar(0, true)]);
    expect(violation(d, 'dma-to-live-allocation')).toBe('DMA by nic0 to e0 page 0, freed or revoked since it was mapped (now free)');
  });

  it('exit fences in mmu_notifier_release, frees the object and deregisters the MR', () => {
    const r = run([...mapped, exit()]);
    expect(r.ret).toBe('0');
    expect(kinds(r.events)).toEqual(['invalidate', 'p2p_unmap', 'page_free']);
    expect(decode(r.state)).toEqual({ e0: { driver: 'bound', page0: { owner: null }, page1: { owner: null } } });
    expect(vmaP2p.held(r.state)).toEqual([]);
    expect(run([...mapped, exit(), deregMr()]).ret).toBe('-EBADF');
  });

  it('exporter_waits=always holds the BAR after munmap until the legacy importer deregisters', () => {
    const opts = { preset: 'legacy-importer', knobs: { exporter_waits: 'always' } };
    const r = run([...mapped, munmap()], opts);
    expect(kinds(r.events)).toEqual(['invalidate']);
    expect(owners(r)).toEqual([0, null]);
    expect(decode(r.state)).toMatchObject({ a0: { vmas: 0, placement: 'bar' } });
    const d = run([...mapped, munmap(), deregMr()], opts);
    expect(d.events).toEqual([
      { kind: 'p2p_unmap', importer: NIC0, alloc: 0 },
      { kind: 'page_free', exporter: 0, page: 0 },
    ]);
    expect(decode(d.state)).not.toHaveProperty('a0');
  });
});

describe('fork: dup_mmap copies the VMA to the same slot, the child is not mirrored', () => {
  it('copies the VMA with its PTEs and keeps the object until the last close', () => {
    const r = run([mmap(1), fork()]);
    expect(r.ret).toBe('p1');
    expect(decode(r.state)).toMatchObject({ a0: { vmas: 2 }, p1: { vma0: { exporter: 'e0', alloc: 'a0', npages: 1, ptes: true } } });
    const parentUnmaps = run([mmap(1), fork(), munmap(0)]);
    expect(parentUnmaps.events).toEqual([]);
    expect(owners(parentUnmaps)).toEqual([0, null]);
    const childExits = run([mmap(1), fork(), munmap(0), exit(1)]);
    expect(childExits.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
  });

  it('copies every VMA to its own slot, a hole included; the child maps into the hole', () => {
    const r = run([mmap(1), mmap(1), munmap(0), fork(), mmap(1, { proc: 1 })], { config: roomy });
    expect(r.rets).toEqual(['vma0', 'vma1', '0', 'p1', 'vma0']);
    expect(decode(r.state)).toMatchObject({ a1: { vmas: 2 }, p0: { vma1: { alloc: 'a1' } }, p1: { vma0: { alloc: 'a0' }, vma1: { alloc: 'a1' } } });
  });

  it('-EAGAIN with no free process slot; an exited slot is taken again', () => {
    expect(run([fork(), fork()]).rets).toEqual(['p1', '-EAGAIN']);
    expect(run([fork(), exit(1), fork()]).rets).toEqual(['p1', '0', 'p1']);
    expect(run([fork(), exit(0), fork(1)]).rets).toEqual(['p1', '0', 'p0']);
  });
});

describe('proc_touch: PTEs or the exporter vm_ops->fault', () => {
  it.each<[string, Action[], Ret, Event['kind'][]]>([
    ['PTEs present: a user access to the BAR', [mmap(1), touch()], '0', ['cpu_access']],
    ['a VMA slot past the world', [touch(3)], '-EBADF', []],
    ['a VMA slot never used', [touch(0)], 'SIGSEGV', []],
    ['a page past the VMA', [mmap(1), touch(0, 1)], 'SIGSEGV', []],
    ['a munmapped VMA', [mmap(1), munmap(), touch()], 'SIGSEGV', []],
    ['zapped by eviction: the fault maps the BAR again', [mmap(1), evict(), touch()], '0', ['cpu_access']],
    ['zapped by unbind: SIGBUS', [mmap(1), unbind(), touch()], 'SIGBUS', ['sigbus']],
  ])('%s', (_, actions, ret, events) => {
    const r = run(actions);
    expect(r.ret).toBe(ret);
    expect(kinds(r.events)).toEqual(events);
  });

  it('reports the BAR page of the VMA page touched', () => {
    expect(run([mmap(2), touch(0, 1)]).events).toEqual([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 1 }]);
  });

  it('after eviction the fault maps system RAM: no BAR access', () => {
    const r = run([mmap(1), evict(), evictFinish(), touch()]);
    expect(r.rets).toEqual(['vma0', '0', '0', '0']);
    expect(r.events).toEqual([]);
    expect(decode(r.state)).toMatchObject({ p0: { vma0: { ptes: true } }, a0: { placement: 'ram' } });
  });
});

describe('exporter_evict: zap, notify, wait for p2p_unmap, move to RAM', () => {
  it('deferred fence: pending until the importer acks, finish waits, then RAM', () => {
    const e = run([...mapped, evict()], deferred);
    expect(e.ret).toBe('0');
    expect(e.events).toEqual([{ kind: 'invalidate', importer: NIC0, mr: 0 }]);
    expect(decode(e.state)).toMatchObject({ a0: { evicting: true }, p0: { vma0: { ptes: false } }, mr0: { pending_invalidation: true } });
    expect(vmaP2p.view(e.state).exporters[0]!.evicting).toEqual([0]);
    expect(vmaP2p.view(e.state).obligations).toBe(2);

    const window = run([...mapped, evict(), mrDma()], deferred);
    expect(window.ret).toBe('0');
    expect(window.events).toEqual([bar(0)]);
    expect(violation(window, 'dma-to-live-allocation')).toBeNull();

    const busy = vmaP2p.step(e.state, evictFinish());
    expect(busy.ret).toBe('-EBUSY');
    expect(busy.events).toEqual([{ kind: 'wait', exporter: 0, on: 'p2p_unmap' }]);
    expect(bytesOf(busy.state)).toEqual(bytesOf(e.state));

    expect(run([...mapped, evict(), ack(0, NIC1)], deferred).ret).toBe('-EBADF');
    const acked = run([...mapped, evict(), ack()], deferred);
    expect(acked.ret).toBe('0');
    expect(acked.events).toEqual([{ kind: 'p2p_unmap', importer: NIC0, alloc: 0 }]);
    expect(decode(acked.state)).toMatchObject({ mr0: { pending_invalidation: false, dma_list: [null] } });
    expect(run([...mapped, evict(), ack(), mrDma()], deferred).ret).toBe('-EAGAIN');

    const done = run([...mapped, evict(), ack(), evictFinish()], deferred);
    expect(done.ret).toBe('0');
    expect(done.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(owners(done)).toEqual([null, null]);
    expect(decode(done.state)).toMatchObject({ a0: { placement: 'ram', evicting: false } });
    expect(vmaP2p.view(done.state).obligations).toBe(0);
    expect(evictStuck(vmaP2p, e.state)).toBeNull();
  });

  it('in-notifier fence (the default): p2p_unmap inside the zap, finish at once', () => {
    const e = run([...mapped, evict()]);
    expect(kinds(e.events)).toEqual(['invalidate', 'p2p_unmap']);
    expect(decode(e.state)).toMatchObject({ mr0: { pending_invalidation: false } });
    expect(run([...mapped, evict(), evictFinish()]).ret).toBe('0');
  });

  it('exporter-no-wait frees the BAR at once; the notified NIC then DMAs into a free page', () => {
    const e = run([...mapped, evict()], { preset: 'exporter-no-wait' });
    expect(kinds(e.events)).toEqual(['invalidate', 'page_free']);
    expect(vmaP2p.view(e.state).exporters[0]!.evicting).toEqual([]);
    expect(decode(e.state)).toMatchObject({ a0: { placement: 'ram' }, mr0: { dma_list: ['p2p_map a0 e0 page 0 (stale)'] } });
    const r = run([...mapped, evict(), mrDma()], { preset: 'exporter-no-wait' });
    expect(violation(r, 'dma-to-live-allocation')).toBe('DMA by nic0 to e0 page 0, freed or revoked since it was mapped (now free)');
  });

  it('a legacy importer never p2p_unmaps: eviction waits on user space', () => {
    const e = run([...mapped, evict()], { preset: 'legacy-importer' });
    expect(decode(e.state)).toMatchObject({ mr0: { pending_invalidation: false } });
    expect(evictStuck(vmaP2p, e.state)?.detail).toMatch(/^eviction of a0 waits on user space/);
  });

  it.each<[string, Action[], Ret]>([
    ['an object slot past the world', [evict(3)], '-EBADF'],
    ['an object slot never used', [evict()], '-ENOENT'],
    ['an object in RAM', [fork(), mmap(2), mmap(1, { proc: 1 }), evict(1)], '-ENOENT'],
    ['a freed object', [mmap(1), munmap(), evict()], '-ENOENT'],
    ['another exporter', [mmap(1), evict(0, 1)], '-EBADF'],
    ['an object already evicting', [mmap(1), evict(), evict()], '-EBUSY'],
    ['an unbinding exporter', [mmap(1), unbind(), evict()], '-ENODEV'],
    ['finish without an eviction', [mmap(1), evictFinish()], '-EBADF'],
  ])('refuses %s', (_, actions, ret) => {
    const r = run(actions);
    expect(r.ret).toBe(ret);
    expect(bytesOf(r.state)).toEqual(bytesOf(r.before));
  });
});

describe('importer_ack_invalidate', () => {
  it('-ENOENT without a pending invalidation, -EBADF without such an MR', () => {
    expect(run([...mapped, ack()]).ret).toBe('-ENOENT');
    expect(run([ack(2)]).ret).toBe('-EBADF');
    expect(run([ack(0)]).ret).toBe('-EBADF');
  });
});

describe('exporter_unbind: zap, notify, wait for every p2p_unmap', () => {
  it('deferred fence: waits for the ack, then the BAR goes; later p2p_map -ENODEV, touch SIGBUS', () => {
    const u = run([...mapped, unbind()], deferred);
    expect(u.ret).toBe('0');
    expect(u.events).toEqual([{ kind: 'invalidate', importer: NIC0, mr: 0 }]);
    expect(vmaP2p.view(u.state).exporters[0]!.driver).toBe('unbinding');
    const busy = run([...mapped, unbind(), unbindFinish()], deferred);
    expect(busy.ret).toBe('-EBUSY');
    expect(busy.events).toEqual([{ kind: 'wait', exporter: 0, on: 'p2p_unmap' }]);
    expect(unbindStuck(vmaP2p, u.state)).toBeNull();

    const done = run([...mapped, unbind(), ack(), unbindFinish()], deferred);
    expect(done.rets.slice(-2)).toEqual(['0', '0']);
    expect(done.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(vmaP2p.view(done.state).exporters[0]!.driver).toBe('unbound');
    expect(decode(done.state)).toMatchObject({ a0: { placement: 'gone', pages: '1' } });
    expect(vmaP2p.audit(done.state)).toEqual([]);
    expect(run([...mapped, unbind(), ack(), unbindFinish(), mrDma()], deferred).ret).toBe('-ENODEV');
    expect(run([...mapped, unbind(), ack(), unbindFinish(), touch()], deferred).ret).toBe('SIGBUS');
  });

  it('exporter-no-wait finishes at once and the NIC DMAs into the gone BAR', () => {
    const r = run([...mapped, unbind(), unbindFinish(), mrDma()], { preset: 'exporter-no-wait' });
    expect(r.rets).toEqual(['vma0', 'mr0', '0', '0', '0', '0']);
    expect(r.events).toEqual([bar(0, true)]);
    expect(violation(r, 'dma-to-bound-exporter')).toBe('DMA by nic0 to e0 page 0 after unbind finished');
  });

  it('a legacy importer blocks unbind until user space deregisters', () => {
    const u = run([...mapped, unbind()], { preset: 'legacy-importer' });
    expect(unbindStuck(vmaP2p, u.state)?.detail).toMatch(/^unbind of exporter 0 waits on user space/);
    expect(run([...mapped, unbind(), deregMr(), unbindFinish()], { preset: 'legacy-importer' }).ret).toBe('0');
  });

  it.each<[string, Action[], Ret]>([
    ['unbind twice', [unbind(), unbind()], '-ENODEV'],
    ['finish without unbind', [unbindFinish()], '-EBADF'],
    ['no such exporter', [unbind(3)], '-EBADF'],
  ])('%s', (_, actions, ret) => {
    expect(run(actions).ret).toBe(ret);
  });
});

describe('proc_dereg_mr: hmm_range_dma_unmap -> p2p_unmap', () => {
  it('unmaps every mapped page while the VMA is there', () => {
    const r = run([mmap(2), regMr(), mrDma(), deregMr()]);
    expect(r.ret).toBe('0');
    expect(kinds(r.events)).toEqual(['p2p_unmap', 'p2p_unmap']);
    expect(decode(r.state)).not.toHaveProperty('mr0');
    expect(vmaP2p.audit(r.state)).toEqual([]);
  });

  it('without its VMA, a fixed importer unmaps by device address', () => {
    const r = run([...mapped, munmap(), deregMr()], { preset: 'legacy-importer' });
    // the object was freed with the VMA: the map names none
    expect(r.events).toEqual([{ kind: 'p2p_unmap', importer: NIC0, alloc: NONE }]);
    expect(vmaP2p.audit(r.state)).toEqual([]);
    expect(vmaP2p.held(r.state)).toEqual([]);
  });

  it('without its VMA, as posted (BUG) the p2p_map is never undone: audit and held see it', () => {
    const opts = { preset: 'legacy-importer', knobs: { dma_unmap_without_vma: 'bug' } };
    const r = run([...mapped, munmap(), deregMr()], opts);
    expect(r.ret).toBe('0');
    expect(r.events).toEqual([]);
    expect(decode(r.state)).toMatchObject({ e0: { page0: { owner: null, leaked_p2p_map_of: null } } });
    expect(vmaP2p.audit(r.state)).toEqual(['p2p_map of e0 page 0 leaked: no MR holds it, no p2p_unmap can follow']);
    expect(violation(r, 'accounting-consistent')).not.toBeNull();
    expect(vmaP2p.held(r.state)).toEqual(['a leaked p2p_map of e0 page 0 never p2p_unmapped']);
    expect(leftBehind(vmaP2p, r.state)).not.toBeNull();
  });

  it('-EBADF for another process or a dead MR', () => {
    expect(run([...mapped, deregMr(0, 1)]).ret).toBe('-EBADF');
    expect(run([...mapped, deregMr(), deregMr()]).ret).toBe('-EBADF');
  });
});

describe('inject_insert_fail on hmm_range_dma_map: the error unwind', () => {
  const prefix = [mmap(2), regMr(), injectInsertFail(1), mrDma()];

  it('as posted (leaks) the earlier p2p_map is never undone nor recorded in the MR', () => {
    const r = run(prefix, { knobs: { dma_map_error_unwind: 'leaks' } });
    expect(r.ret).toBe('-EFAULT');
    expect(r.events).toEqual([{ kind: 'p2p_map', importer: NIC0, alloc: 0 }]);
    expect(decode(r.state)).toMatchObject({ fault: { armed: null, fired: 1 }, e0: { page0: { leaked_p2p_map_of: 'a0' } }, mr0: { dma_list: [null, null] } });
    expect(vmaP2p.audit(r.state)).toEqual(['p2p_map of e0 page 0 leaked: no MR holds it, no p2p_unmap can follow']);
    const stuck = run([...prefix, evict(), evictFinish()], { knobs: { dma_map_error_unwind: 'leaks' } });
    expect(stuck.ret).toBe('-EBUSY');
  });

  it('fixed (unmaps) the earlier p2p_map is undone; the retry succeeds', () => {
    const r = run(prefix);
    expect(r.ret).toBe('-EFAULT');
    expect(kinds(r.events)).toEqual(['p2p_map', 'p2p_unmap']);
    expect(vmaP2p.audit(r.state)).toEqual([]);
    expect(run([...prefix, mrDma()]).ret).toBe('0');
  });

  it('is not spent by a map with fewer pages than nth', () => {
    const r = run([mmap(1), regMr(), injectInsertFail(1), mrDma()]);
    expect(r.ret).toBe('0');
    expect(decode(r.state)).toMatchObject({ fault: { armed: 1, fired: 1 } });
  });

  it('refuses a second arming, a negative nth, and arming past the fault limit (BOUND)', () => {
    expect(run([injectInsertFail(0), injectInsertFail(1)]).ret).toBe('-EBUSY');
    expect(run([injectInsertFail(-1)]).ret).toBe('-EINVAL');
    const spent = run([injectInsertFail(0), mmap(1), injectInsertFail(0)]);
    expect(spent.rets).toEqual(['0', '-ENOMEM', 'BOUND']);
    expect(bytesOf(spent.state)).toEqual(bytesOf(spent.before));
  });
});

describe('what a wait counts: its own exporter, its own object', () => {
  /** Two exporters of two pages; p0 maps e0 in vma0 (a0) and e1 in vma1 (a1), and nic0 maps a1 through mr0. */
  const twoExporters: Config = { ...withExporters([2, 2]), limits: { ...defaultConfig.limits, vmas: 2 } };
  const onE1 = [mmap(1), mmap(1, { exporter: 1 }), regMr(1), mrDma()];

  it('removing e0 waits for no p2p_map of e1, frees none of its pages and stales none of its addresses', () => {
    const r = run([...onE1, unbind(0), unbindFinish(0), mrDma()], { config: twoExporters });
    expect(r.rets).toEqual(['vma0', 'vma1', 'mr0', '0', '0', '0', '0']);
    expect(decode(r.state)).toMatchObject({ a0: { placement: 'gone' }, a1: { placement: 'bar', pages: '0+1' }, e1: { page0: { owner: 'a1' } } });
    expect(r.events).toEqual([{ kind: 'dma', importer: NIC0, path: 'mr', target: { mem: 'bar', exporter: 1, page: 0, stale: false }, route: 'host-bridge' }]);
  });

  /** e0 of four pages (two of them e1's in twoExporters), two objects, MRs and injections. */
  const roomyLeaks = { knobs: { dma_map_error_unwind: 'leaks' }, config: { ...withExporters([4, 2]), limits: { ...defaultConfig.limits, vmas: 2, mrs: 2, faults: 2 } } };
  /** a0 (e0 pages 0-1) and a1 (pages 2-3) each leak the p2p_map of their first page. */
  const leaks = [mmap(2), mmap(2), regMr(0), regMr(1), injectInsertFail(1), mrDma(0), injectInsertFail(1), mrDma(1)];

  it('a leaked p2p_map holds its own object and exporter only', () => {
    expect(run(leaks, roomyLeaks).rets).toEqual(['vma0', 'vma1', 'mr0', 'mr1', '0', '-EFAULT', '0', '-EFAULT']);
    const leakA0 = leaks.slice(0, 6);
    expect(run([...leakA0, evict(1), evictFinish(1)], roomyLeaks).ret).toBe('0');
    expect(run([...leakA0, evict(0), evictFinish(0)], roomyLeaks).ret).toBe('-EBUSY');
    expect(run([...leakA0, unbind(0), unbindFinish(0)], roomyLeaks).ret).toBe('-EBUSY');
    expect(run([...leakA0, unbind(1), unbindFinish(1)], roomyLeaks).ret).toBe('0');
  });

  it('a freed object\'s leak names no object, so the next object in its slot is not held by it', () => {
    const freed = run([...leaks, munmap(0)], roomyLeaks);
    expect(decode(freed.state)).toMatchObject({ e0: { page0: { owner: null, leaked_p2p_map_of: null }, page2: { owner: 'a1', leaked_p2p_map_of: 'a1' } } });
    expect(run([...leaks, munmap(0), mmap(1), evict(0), evictFinish(0)], roomyLeaks).rets.slice(-3)).toEqual(['vma0', '0', '0']);
  });

  it('a map failing at its nth page leaks the p2p_maps of the pages before it', () => {
    const r = run([mmap(3), regMr(), injectInsertFail(2), mrDma()], roomyLeaks);
    expect(r.ret).toBe('-EFAULT');
    expect(decode(r.state)).toMatchObject({ e0: { page0: { leaked_p2p_map_of: 'a0' }, page1: { leaked_p2p_map_of: 'a0' } } });
    expect(decode(r.state)).toMatchObject({ e0: { page2: expect.not.objectContaining({ leaked_p2p_map_of: expect.anything() }) } });
  });
});

describe('step is pure', () => {
  it('never changes the bytes of its input state', () => {
    const actions = [...mapped, fork(), evict(), touch(), ack(), evictFinish(), unbind(), mrDma(), exit(), unbindFinish(), exit(1)];
    let state = run([]).state;
    for (const a of actions) {
      const snapshot = bytesOf(state);
      const r = vmaP2p.step(state, a);
      expect(bytesOf(state)).toEqual(snapshot);
      state = r.state;
    }
    expect(vmaP2p.held(state)).toEqual([]);
  });
});
