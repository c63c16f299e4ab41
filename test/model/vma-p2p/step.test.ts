// Step table for vma-p2p: from init with defaultConfig, a short action
// prefix, then the action under test: its exact return and what the
// state, ghost view, audit and events show.
import { describe, expect, it } from 'vitest';
import { resolveKnobs, type Knobs } from '../../../model/design.js';
import { vmaP2p } from '../../../model/vma-p2p/index.js';
import type { VpState } from '../../../model/vma-p2p/state.js';
import { type Action, type Config, defaultConfig, type Event, type Ret } from '../../../model/vocabulary.js';
import { catalogue, type PropertyId } from '../../../properties/catalogue.js';
import { evictStuck, leftBehind, unbindStuck } from '../../../properties/liveness.js';
import { ack, deregMr, evict, evictFinish, exit, fork, injectInsertFail, kernelCopy, mmap, mrDma, munmap, pread, regMr, touch, unbind, unbindFinish } from '../../actions.js';

// defaultConfig: importers nvme0 (P2P queue), nvme1, nic0 (ODP, host-bridge), nic1 (no ODP, no route)
const NVME0 = 0;
const NIC0 = 2;
const NIC1 = 3;

interface Run {
  readonly state: VpState;
  /** Return of every action, in order. */
  readonly rets: readonly Ret[];
  /** Events of the last action. */
  readonly events: readonly Event[];
  readonly ret: Ret;
}

function run(actions: readonly Action[], opts: { preset?: string; knobs?: Knobs; config?: Config } = {}): Run {
  const preset = vmaP2p.presets.find((p) => p.name === (opts.preset ?? 'rfc-2019'))!;
  let state = vmaP2p.init(opts.config ?? defaultConfig, resolveKnobs(vmaP2p as never, preset, opts.knobs));
  const rets: Ret[] = [];
  let events: readonly Event[] = [];
  for (const a of actions) {
    const r = vmaP2p.step(state, a);
    state = r.state;
    rets.push(r.ret);
    events = r.events;
  }
  return { state, rets, events, ret: rets[rets.length - 1]! };
}

const kinds = (events: readonly Event[]) => events.map((e) => e.kind);
const owners = (r: Run) => vmaP2p.view(r.state).exporters[0]!.pages.map((p) => `${p.owner}/${p.gen}`);

/** The safety violation the catalogue reports for the last step, or null. */
function violation(r: Run, id: PropertyId): string | null {
  const p = catalogue.find((x) => x.id === id)!;
  if (p.kind !== 'safety') throw new Error(`${id} is not a safety property`);
  return p.violation({ events: r.events, view: vmaP2p.view(r.state), audit: vmaP2p.audit(r.state) });
}

const mapped = [mmap(1), regMr(), mrDma()];

describe('proc_mmap: the exporter driver f_op->mmap', () => {
  it('places the object first-fit in the BAR', () => {
    const r = run([mmap(1)]);
    expect(r.ret).toBe('vma0');
    expect(owners(r)).toEqual(['0/0', 'null/0']);
    expect(r.state.vmas[0]).toMatchObject({ mapped: true, ptes: true, npages: 1 });
  });

  it('places the object in system RAM when the BAR is full, never -ENOMEM', () => {
    const r = run([mmap(1), mmap(2)]);
    expect(r.rets).toEqual(['vma0', 'vma1']);
    expect(owners(r)).toEqual(['0/0', 'null/0']);
    expect(r.state.objects[1]).toMatchObject({ placement: 'ram', pages: [] });
    const t = run([mmap(1), mmap(2), touch(1, 1)]);
    expect(t.ret).toBe('0');
    expect(t.events).toEqual([]);
  });

  it.each<[string, Action[], Ret]>([
    ['MAP_PRIVATE (is_cow_mapping)', [mmap(1, { shared: false })], '-EINVAL'],
    ['a non-zero offset', [mmap(1, { offset: 1 })], '-EINVAL'],
    ['no pages', [mmap(0)], '-EINVAL'],
    ['an unbinding driver', [unbind(), mmap(1)], '-ENODEV'],
    ['no such exporter', [mmap(1, { exporter: 7 })], '-EBADF'],
    ['a dead process', [exit(), mmap(1)], '-ESRCH'],
  ])('refuses %s', (_, actions, ret) => {
    const before = run(actions.slice(0, -1));
    const r = run(actions);
    expect(r.ret).toBe(ret);
    expect(r.state.objects).toEqual(before.state.objects);
    expect(r.state.vmas).toEqual(before.state.vmas);
  });

  it('fails -ENOMEM on the injected PFN insert and frees the object cleanly', () => {
    const r = run([injectInsertFail(0), mmap(1)]);
    expect(r.ret).toBe('-ENOMEM');
    expect(r.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(owners(r)).toEqual(['null/1', 'null/0']);
    expect(r.state.vmas).toEqual([]);
    expect(r.state.injectInsertFail).toBeNull();
    expect(vmaP2p.audit(r.state)).toEqual([]);
    expect(run([injectInsertFail(0), mmap(1), mmap(1)]).ret).toBe('vma0');
  });

  it('spends the injection even when the mmap has fewer pages than nth', () => {
    const r = run([injectInsertFail(1), mmap(1)]);
    expect(r.ret).toBe('vma0');
    expect(r.state.injectInsertFail).toBeNull();
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
  ])('%s', (_, action, ret) => {
    const r = run([mmap(1), action]);
    expect(r.ret).toBe(ret);
    expect(r.events).toEqual([]);
    expect(r.state.mrs).toEqual([]);
  });

  it('an ODP MR registers without mapping anything', () => {
    const r = run([mmap(2), regMr()]);
    expect(r.ret).toBe('mr0');
    expect(r.events).toEqual([]);
    expect(r.state.mrs[0]!.mapped).toEqual([null, null]);
  });
});

describe('dev_mr_dma: ODP fault -> hmm_range_dma_map -> p2p_map', () => {
  it('maps the whole MR range and DMAs to the BAR', () => {
    const r = run([mmap(2), regMr(), mrDma(0, 1)]);
    expect(r.ret).toBe('0');
    expect(r.events).toEqual([
      { kind: 'p2p_map', importer: NIC0, alloc: 0 },
      { kind: 'p2p_map', importer: NIC0, alloc: 0 },
      {
        kind: 'dma',
        importer: NIC0,
        path: 'mr',
        target: { mem: 'bar', exporter: 0, page: 1, alloc: 0, gen: 0 },
        route: 'host-bridge',
      },
    ]);
    const again = run([mmap(2), regMr(), mrDma(0, 1), mrDma(0, 0)]);
    expect(kinds(again.events)).toEqual(['dma']);
  });

  it('p2p_map works with the CPU PTEs zapped, as long as the VMA is mapped', () => {
    const r = run([mmap(1), regMr(), evict(), ack(), evictFinish(), mrDma()]);
    expect(r.rets).toEqual(['vma0', 'mr0', '0', '-ENOENT', '0', '0']);
    expect(r.events).toEqual([{ kind: 'dma', importer: NIC0, path: 'mr', target: { mem: 'ram' }, route: 'host-bridge' }]);
  });

  it('an object in RAM maps RAM addresses', () => {
    const r = run([mmap(2), mmap(1), regMr(1), mrDma()]);
    expect(r.ret).toBe('0');
    expect(r.events).toEqual([{ kind: 'dma', importer: NIC0, path: 'mr', target: { mem: 'ram' }, route: 'host-bridge' }]);
    expect(r.state.p2pMaps).toEqual([]);
  });

  it('pci_test_p2p() by distance refuses a pair with no route: -EREMOTEIO', () => {
    const config: Config = { ...defaultConfig, routes: [['bus-addr'], ['bus-addr'], ['none'], ['none']] };
    const r = run(mapped, { config });
    expect(r.ret).toBe('-EREMOTEIO');
    expect(r.events).toEqual([]);
    expect(r.state.mrs[0]!.mapped).toEqual([null]);
  });

  it('pci_test_p2p() as posted refuses every pair: -EREMOTEIO', () => {
    expect(run(mapped, { preset: 'as-posted' }).ret).toBe('-EREMOTEIO');
    expect(run(mapped, { knobs: { pci_test_p2p: 'as-posted' } }).ret).toBe('-EREMOTEIO');
  });

  it('a munmapped VMA faults -EFAULT', () => {
    expect(run([mmap(1), regMr(), munmap(), mrDma()]).ret).toBe('-EFAULT');
  });

  it.each<[string, Action[], Ret]>([
    ['no such MR', [mrDma(4)], '-EBADF'],
    ['another importer', [mmap(1), regMr(), mrDma(0, 0, NIC1)], '-EBADF'],
    ['a page past the MR', [mmap(1), regMr(), mrDma(0, 1)], '-EINVAL'],
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
    expect(r.state.p2pMaps[0]!.outstanding).toBe(false);
    expect(r.state.objects[0]!.live).toBe(false);
    expect(vmaP2p.audit(r.state)).toEqual([]);
  });

  it('a legacy importer keeps its mapping after munmap and DMAs into the reused page', () => {
    const r = run([...mapped, munmap(), mmap(1), mrDma()], { preset: 'legacy-importer' });
    expect(r.rets).toEqual(['vma0', 'mr0', '0', '0', 'vma1', '0']);
    expect(r.events).toEqual([
      {
        kind: 'dma',
        importer: NIC0,
        path: 'mr',
        target: { mem: 'bar', exporter: 0, page: 0, alloc: 0, gen: 0 },
        route: 'host-bridge',
      },
    ]);
    expect(owners(r)).toEqual(['1/1', 'null/0']);
    expect(violation(r, 'dma-to-live-allocation')).toBe('DMA for a0 gen 0 hit page 0 now a1 gen 1');
  });

  it('exit fences in mmu_notifier_release, frees the object and deregisters the MR', () => {
    const r = run([...mapped, exit()]);
    expect(r.ret).toBe('0');
    expect(kinds(r.events)).toEqual(['invalidate', 'p2p_unmap', 'page_free']);
    expect(r.state.mrs[0]!.live).toBe(false);
    expect(vmaP2p.held(r.state)).toEqual([]);
    expect(run([...mapped, exit(), deregMr()]).ret).toBe('-EBADF');
  });

  it('exporter_waits=always holds the BAR after munmap until the legacy importer deregisters', () => {
    const opts = { preset: 'legacy-importer', knobs: { exporter_waits: 'always' } };
    const r = run([...mapped, munmap()], opts);
    expect(kinds(r.events)).toEqual(['invalidate']);
    expect(owners(r)).toEqual(['0/0', 'null/0']);
    const d = run([...mapped, munmap(), deregMr()], opts);
    expect(d.events).toEqual([
      { kind: 'p2p_unmap', importer: NIC0, alloc: 0 },
      { kind: 'page_free', exporter: 0, page: 0 },
    ]);
  });
});

describe('fork: dup_mmap copies the VMA, the child is not mirrored', () => {
  it('copies the VMA with its PTEs and keeps the object until the last close', () => {
    const r = run([mmap(1), fork()]);
    expect(r.ret).toBe('p1');
    expect(r.state.vmas[1]).toEqual({ ...r.state.vmas[0]!, proc: 1 });
    expect(r.state.objects[0]!.vmas).toBe(2);
    const parentUnmaps = run([mmap(1), fork(), munmap(0)]);
    expect(parentUnmaps.events).toEqual([]);
    expect(owners(parentUnmaps)).toEqual(['0/0', 'null/0']);
    const childExits = run([mmap(1), fork(), munmap(0), exit(1)]);
    expect(childExits.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
  });

  it('-EAGAIN with no free process slot', () => {
    expect(run([fork(), fork()]).rets).toEqual(['p1', '-EAGAIN']);
  });
});

describe('proc_touch: PTEs or the exporter vm_ops->fault', () => {
  it.each<[string, Action[], Ret, Event['kind'][]]>([
    ['PTEs present: a user access to the BAR', [mmap(1), touch()], '0', ['cpu_access']],
    ['no such VMA', [touch(3)], '-EBADF', []],
    ['a page past the VMA', [mmap(1), touch(0, 1)], 'SIGSEGV', []],
    ['a munmapped VMA', [mmap(1), munmap(), touch()], 'SIGSEGV', []],
    ['zapped by eviction: the fault maps the BAR again', [mmap(1), evict(), touch()], '0', ['cpu_access']],
    ['zapped by unbind: SIGBUS', [mmap(1), unbind(), touch()], 'SIGBUS', ['sigbus']],
  ])('%s', (_, actions, ret, events) => {
    const r = run(actions);
    expect(r.ret).toBe(ret);
    expect(kinds(r.events)).toEqual(events);
  });

  it('after eviction the fault maps system RAM: no BAR access', () => {
    const r = run([mmap(1), evict(), evictFinish(), touch()]);
    expect(r.rets).toEqual(['vma0', '0', '0', '0']);
    expect(r.events).toEqual([]);
    expect(r.state.vmas[0]!.ptes).toBe(true);
  });
});

describe('exporter_evict: zap, notify, wait for p2p_unmap, move to RAM', () => {
  it('deferred fence: pending until the importer acks, finish waits, then RAM', () => {
    const e = run([...mapped, evict()]);
    expect(e.ret).toBe('0');
    expect(e.events).toEqual([{ kind: 'invalidate', importer: NIC0, mr: 0 }]);
    expect(e.state.mrs[0]!.pendingInvalidation).toBe(true);
    expect(e.state.vmas[0]!.ptes).toBe(false);
    expect(vmaP2p.view(e.state).exporters[0]!.evicting).toEqual([0]);
    expect(vmaP2p.view(e.state).obligations).toBe(2);

    const window = run([...mapped, evict(), mrDma()]);
    expect(window.ret).toBe('0');
    expect(kinds(window.events)).toEqual(['dma']);
    expect(violation(window, 'dma-to-live-allocation')).toBeNull();

    const busy = vmaP2p.step(e.state, evictFinish());
    expect(busy.ret).toBe('-EBUSY');
    expect(busy.events).toEqual([{ kind: 'wait', exporter: 0, on: 'p2p_unmap' }]);
    expect(busy.state).toBe(e.state);

    expect(run([...mapped, evict(), ack(0, NIC1)]).ret).toBe('-EBADF');
    const acked = run([...mapped, evict(), ack()]);
    expect(acked.ret).toBe('0');
    expect(acked.events).toEqual([{ kind: 'p2p_unmap', importer: NIC0, alloc: 0 }]);
    expect(acked.state.mrs[0]!.mapped).toEqual([null]);
    expect(run([...mapped, evict(), ack(), mrDma()]).ret).toBe('-EAGAIN');

    const done = run([...mapped, evict(), ack(), evictFinish()]);
    expect(done.ret).toBe('0');
    expect(done.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(owners(done)).toEqual(['null/1', 'null/0']);
    expect(done.state.objects[0]).toMatchObject({ placement: 'ram', evicting: false, live: true });
    expect(vmaP2p.view(done.state).obligations).toBe(0);
    expect(evictStuck(vmaP2p, e.state)).toBeNull();
  });

  it('in-notifier fence: p2p_unmap inside the zap, finish at once', () => {
    const knobs = { revoke_fence: 'in-notifier' };
    const e = run([...mapped, evict()], { knobs });
    expect(kinds(e.events)).toEqual(['invalidate', 'p2p_unmap']);
    expect(e.state.mrs[0]!.pendingInvalidation).toBe(false);
    expect(run([...mapped, evict(), evictFinish()], { knobs }).ret).toBe('0');
  });

  it('exporter-no-wait frees the BAR at once; the notified NIC then DMAs into a free page', () => {
    const e = run([...mapped, evict()], { preset: 'exporter-no-wait' });
    expect(kinds(e.events)).toEqual(['invalidate', 'page_free']);
    expect(vmaP2p.view(e.state).exporters[0]!.evicting).toEqual([]);
    expect(e.state.objects[0]!.placement).toBe('ram');
    const r = run([...mapped, evict(), mrDma()], { preset: 'exporter-no-wait' });
    expect(violation(r, 'dma-to-live-allocation')).toBe('DMA for a0 gen 0 hit page 0 now free gen 1');
  });

  it('a legacy importer never p2p_unmaps: eviction waits on user space', () => {
    const e = run([...mapped, evict()], { preset: 'legacy-importer' });
    expect(e.state.mrs[0]!.pendingInvalidation).toBe(false);
    expect(evictStuck(vmaP2p, e.state)?.detail).toMatch(/^eviction of a0 waits on user space/);
  });

  it.each<[string, Action[], Ret]>([
    ['no such object', [evict(3)], '-EBADF'],
    ['an object in RAM', [mmap(2), mmap(1), evict(1)], '-ENOENT'],
    ['a freed object', [mmap(1), munmap(), evict()], '-ENOENT'],
    ['an object already evicting', [mmap(1), evict(), evict()], '-EBUSY'],
    ['an unbinding exporter', [mmap(1), unbind(), evict()], '-ENODEV'],
    ['finish without an eviction', [mmap(1), evictFinish()], '-EBADF'],
  ])('refuses %s', (_, actions, ret) => {
    expect(run(actions).ret).toBe(ret);
  });
});

describe('importer_ack_invalidate', () => {
  it('-ENOENT without a pending invalidation, -EBADF without such an MR', () => {
    expect(run([...mapped, ack()]).ret).toBe('-ENOENT');
    expect(run([ack(2)]).ret).toBe('-EBADF');
  });
});

describe('exporter_unbind: zap, notify, wait for every p2p_unmap', () => {
  it('waits for the ack, then the BAR goes; later p2p_map -ENODEV, touch SIGBUS', () => {
    const u = run([...mapped, unbind()]);
    expect(u.ret).toBe('0');
    expect(u.events).toEqual([{ kind: 'invalidate', importer: NIC0, mr: 0 }]);
    expect(vmaP2p.view(u.state).exporters[0]!.driver).toBe('unbinding');
    const busy = run([...mapped, unbind(), unbindFinish()]);
    expect(busy.ret).toBe('-EBUSY');
    expect(busy.events).toEqual([{ kind: 'wait', exporter: 0, on: 'p2p_unmap' }]);
    expect(unbindStuck(vmaP2p, u.state)).toBeNull();

    const done = run([...mapped, unbind(), ack(), unbindFinish()]);
    expect(done.rets.slice(-2)).toEqual(['0', '0']);
    expect(done.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(vmaP2p.view(done.state).exporters[0]!.driver).toBe('unbound');
    expect(done.state.objects[0]!.placement).toBe('gone');
    expect(vmaP2p.audit(done.state)).toEqual([]);
    expect(run([...mapped, unbind(), ack(), unbindFinish(), mrDma()]).ret).toBe('-ENODEV');
    expect(run([...mapped, unbind(), ack(), unbindFinish(), touch()]).ret).toBe('SIGBUS');
  });

  it('exporter-no-wait finishes at once and the NIC DMAs into the gone BAR', () => {
    const r = run([...mapped, unbind(), unbindFinish(), mrDma()], { preset: 'exporter-no-wait' });
    expect(r.rets).toEqual(['vma0', 'mr0', '0', '0', '0', '0']);
    expect(violation(r, 'dma-to-bound-exporter')).toBe('DMA to page 0 of exporter 0 after unbind finished');
  });

  it('a legacy importer blocks unbind until user space deregisters', () => {
    const u = run([...mapped, unbind()], { preset: 'legacy-importer' });
    expect(unbindStuck(vmaP2p, u.state)?.detail).toMatch(/^unbind of exporter 0 waits on user space/);
    expect(run([...mapped, unbind(), deregMr(), unbindFinish()], { preset: 'legacy-importer' }).ret).toBe('0');
  });

  it.each<[string, Action[], Ret]>([
    ['unbind twice', [unbind(), unbind()], '-ENODEV'],
    ['finish without unbind', [unbindFinish()], '-EBADF'],
    ['no such exporter', [{ kind: 'exporter_unbind', exporter: 3 }], '-EBADF'],
  ])('%s', (_, actions, ret) => {
    expect(run(actions).ret).toBe(ret);
  });
});

describe('proc_dereg_mr: hmm_range_dma_unmap -> p2p_unmap', () => {
  it('unmaps every mapped page while the VMA is there', () => {
    const r = run([mmap(2), regMr(), mrDma(), deregMr()]);
    expect(r.ret).toBe('0');
    expect(kinds(r.events)).toEqual(['p2p_unmap', 'p2p_unmap']);
    expect(vmaP2p.audit(r.state)).toEqual([]);
  });

  it('without its VMA, a fixed importer unmaps by device address', () => {
    const r = run([...mapped, munmap(), deregMr()], { preset: 'legacy-importer' });
    expect(r.events).toEqual([{ kind: 'p2p_unmap', importer: NIC0, alloc: 0 }]);
    expect(vmaP2p.audit(r.state)).toEqual([]);
    expect(vmaP2p.held(r.state)).toEqual([]);
  });

  it('without its VMA, as posted (BUG) the p2p_map is never undone: audit and held see it', () => {
    const opts = { preset: 'legacy-importer', knobs: { dma_unmap_without_vma: 'bug' } };
    const r = run([...mapped, munmap(), deregMr()], opts);
    expect(r.ret).toBe('0');
    expect(r.events).toEqual([]);
    expect(vmaP2p.audit(r.state)).toEqual([
      'p2p_map of a0 (e0 page 0) to nic0 leaked: no MR holds it, no p2p_unmap can follow',
    ]);
    expect(violation(r, 'accounting-consistent')).not.toBeNull();
    expect(vmaP2p.held(r.state)).toEqual(['p2p_map of a0 (e0 page 0) to nic0 never p2p_unmapped']);
    expect(leftBehind(vmaP2p, r.state)).not.toBeNull();
  });

  it('-EBADF for another process or a dead MR', () => {
    expect(run([...mapped, deregMr(0, 1)]).ret).toBe('-EBADF');
    expect(run([...mapped, deregMr(), deregMr()]).ret).toBe('-EBADF');
  });
});

describe('inject_insert_fail on hmm_range_dma_map: the error unwind', () => {
  const prefix = [mmap(2), regMr(), injectInsertFail(1), mrDma()];

  it('as posted (leaks) the earlier p2p_map is never undone nor recorded', () => {
    const r = run(prefix, { knobs: { dma_map_error_unwind: 'leaks' } });
    expect(r.ret).toBe('-EFAULT');
    expect(r.events).toEqual([{ kind: 'p2p_map', importer: NIC0, alloc: 0 }]);
    expect(r.state.mrs[0]!.mapped).toEqual([null, null]);
    expect(r.state.injectInsertFail).toBeNull();
    expect(vmaP2p.audit(r.state)).toEqual([
      'p2p_map of a0 (e0 page 0) to nic0 leaked: no MR holds it, no p2p_unmap can follow',
    ]);
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
    expect(r.state.injectInsertFail).toBe(1);
  });

  it('refuses a second arming and a negative nth', () => {
    expect(run([injectInsertFail(0), injectInsertFail(1)]).ret).toBe('-EBUSY');
    expect(run([injectInsertFail(-1)]).ret).toBe('-EINVAL');
  });
});

describe('step is pure', () => {
  it('never mutates its input state', () => {
    const actions = [...mapped, fork(), evict(), touch(), ack(), evictFinish(), unbind(), mrDma(), exit(), unbindFinish(), exit(1)];
    let state = vmaP2p.init(defaultConfig, resolveKnobs(vmaP2p as never, vmaP2p.presets[0]!));
    for (const a of actions) {
      const snapshot = structuredClone(state);
      const r = vmaP2p.step(state, a);
      expect(state).toEqual(snapshot);
      state = r.state;
    }
    expect(vmaP2p.held(state)).toEqual([]);
  });
});
