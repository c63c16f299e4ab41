// Step table for the dma-buf design: every transition and errno of
// model/dma-buf/step.ts, for a VFIO exporter (exporter=mmio) and a GPU
// (exporter=vram), read back through decode(), view(), audit() and
// held(). Every run checks the audit after every step on a preset where
// accounting-consistent holds (all but revoke-v7.1-rc, the last describe).
import { describe, expect, it } from 'vitest';
import { type Knobs, resolveKnobs } from '../../../model/design.js';
import { dmaBuf } from '../../../model/dma-buf/index.js';
import type { DbState } from '../../../model/dma-buf/state.js';
import { structPage } from '../../../model/struct-page/index.js';
import { vmaP2p } from '../../../model/vma-p2p/index.js';
import { type Action, type Config, defaultConfig, type Event, type Ret } from '../../../model/vocabulary.js';
import { expectationOf } from '../../../properties/expected.js';
import {
  ack,
  close,
  deregMr,
  evict,
  evictFinish,
  exit,
  fork,
  injectInsertFail,
  kernelCopy,
  mmap,
  mrDma,
  munmap,
  pread,
  regMr,
  touch,
  unbind,
  unbindFinish,
  vfioDmaBuf,
} from '../../actions.js';
import { withExporters } from '../run.js';

// Default world: e0 has 2 pages; nvme0, nvme1; nic0 (ODP, host-bridge),
// nic1 (no ODP, route none); 2 process slots; per process 1 VMA, 1 MR,
// 1 fd; 2 allocations; 1 fault.
const NVME0 = 0;
const NIC0 = 2;
const NIC1 = 3;

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;
const primeExport = (vma = 0, proc = 0): Action => ({ kind: 'proc_prime_export', proc, vma });
/** An ODP ibv_reg_dmabuf_mr through nic0 by process 0, unless `more` says otherwise. */
const regDmabuf = (fd = 0, more: Partial<Of<'proc_reg_dmabuf_mr'>> = {}): Action => ({
  kind: 'proc_reg_dmabuf_mr',
  proc: 0,
  importer: NIC0,
  fd,
  odp: true,
  ...more,
});
const pinnedMr = (fd = 0, importer = NIC1, proc = 0) => regDmabuf(fd, { importer, odp: false, proc });
const bindRx = (fd = 0, importer = NIC0, proc = 0): Action => ({ kind: 'proc_bind_rx', proc, importer, fd });
const memoryOff = (exporter = 0): Action => ({ kind: 'exporter_memory', exporter, on: false });
const memoryOn = (exporter = 0): Action => ({ kind: 'exporter_memory', exporter, on: true });
const reset = (exporter = 0): Action => ({ kind: 'exporter_reset', exporter });
const restore = (alloc = 0, exporter = 0): Action => ({ kind: 'exporter_restore', exporter, alloc });

/** The default world with nic1 (no ODP) behind e0's switch: a pinned importer with a P2P route. */
const routed: Config = { ...defaultConfig, routes: defaultConfig.routes.map((r, i) => (i === NIC1 ? ['bus-addr'] : r)) };
/** The default world with nic1 able to do ODP: a dynamic importer with no P2P route. */
const odpNoRoute: Config = {
  ...defaultConfig,
  importers: defaultConfig.importers.map((imp, i) => (i === NIC1 ? { kind: 'rdma', name: 'nic1', odp: true } : imp)),
};
/** Room for two of everything in one process. */
const roomy: Config = { ...defaultConfig, limits: { ...defaultConfig.limits, vmas: 2, mrs: 2, fds: 2, allocations: 3 } };
/** Three fds but two allocation slots: the allocation bound comes first. */
const threeFds: Config = { ...roomy, limits: { ...roomy.limits, fds: 3, allocations: 2 } };

interface Run {
  readonly state: DbState;
  readonly rets: readonly Ret[];
  readonly ret: Ret;
  /** Events of the last step. */
  readonly events: readonly Event[];
  /** The state the last step was applied to. */
  readonly before: DbState;
}

function run(actions: readonly Action[], preset = 'revoke-v7.1', knobs: Knobs = {}, config: Config = defaultConfig): Run {
  const spec = dmaBuf.presets.find((p) => p.name === preset)!;
  const audited = expectationOf('dma-buf', preset, 'accounting-consistent')?.verdict === 'holds';
  let state = dmaBuf.init(config, resolveKnobs(dmaBuf, spec, knobs));
  let before = state;
  const rets: Ret[] = [];
  let events: readonly Event[] = [];
  for (const action of actions) {
    before = state;
    const r = dmaBuf.step(state, action);
    state = r.state;
    rets.push(r.ret);
    events = r.events;
    // where accounting-consistent holds, it holds on every path
    if (audited) expect(dmaBuf.audit(state), `after ${action.kind}`).toEqual([]);
  }
  return { state, rets, ret: rets[rets.length - 1]!, events, before };
}

/** A GPU exporter; its importers fence inside move_notify (mlx5) unless a test says `fence: 'deferred'`, as the preset does. */
const gpu = (actions: readonly Action[], knobs: Knobs = {}, config: Config = defaultConfig) =>
  run(actions, 'dynamic-move-notify', { fence: 'in-callback', ...knobs }, config);
const decode = (s: DbState) => dmaBuf.decode(s) as Record<string, Record<string, unknown>>;
const bytes = (s: DbState) => Uint8Array.from(s.b.subarray(s.o, s.o + s.layout.width));
const dmaTo = (page: number, stale = false, importer = NIC0, route = 'host-bridge') => ({
  kind: 'dma',
  importer,
  path: 'mr',
  target: { mem: 'bar', exporter: 0, page, stale },
  route,
});
const dmaToRam = (importer = NIC0) => ({ kind: 'dma', importer, path: 'mr', target: { mem: 'ram' }, route: 'host-bridge' });
const invalidated = (mr = 0, importer = NIC0) => ({ kind: 'invalidate', importer, mr });
const waitOn = (on: string) => ({ kind: 'wait', exporter: 0, on });

/** A VFIO dma-buf of page 0 with nic0's ODP MR on it, mapped at registration. */
const vfioOdp = [vfioDmaBuf(), regDmabuf()];
/** A GPU buffer object of one page in VRAM, exported as fd0. */
const bo = [mmap(1), primeExport()];

/** Refused with the state as it was and no event. */
function refused(r: Run, ret: Ret) {
  expect(r.ret).toBe(ret);
  expect(r.events).toEqual([]);
  expect(bytes(r.state)).toEqual(bytes(r.before));
}

describe('VFIO export: vfio_pci_core_feature_dma_buf()', () => {
  it('exports a BAR range as a dma-buf fd, one allocation slot, one file', () => {
    const { state, ret } = run([vfioDmaBuf(0, 2)]);
    expect(ret).toBe('fd0');
    expect(decode(state)).toEqual({
      e0: { driver: 'bound', memory: true, pending: 'none', page0: { owner: null }, page1: { owner: null } },
      a0: { exporter: 'e0', pages: '0+2', revoked: false, dead: false, exported: true, files: 1, attached: 0, pins: 0, evicting: false },
      p0: { fd0: 'a0' },
    });
    expect(dmaBuf.held(state)).toEqual(['a0: dma-buf still open']);
  });

  it.each<[string, Action[], Ret, string?, Config?]>([
    ['a GPU: not a VFIO device (vfio_pci_core_ioctl_feature() default)', [vfioDmaBuf()], '-ENOTTY', 'dynamic-move-notify'],
    ['a range past the BAR (vfio_pci_core_fill_phys_vec())', [vfioDmaBuf(1, 2)], '-EINVAL'],
    ['no pages', [vfioDmaBuf(0, 0)], '-EINVAL'],
    ['a negative page', [vfioDmaBuf(-1, 1)], '-EINVAL'],
    ['a page inside a page', [vfioDmaBuf(0.5, 1)], '-EINVAL'],
    ['a part of a page', [vfioDmaBuf(0, 0.5)], '-EINVAL'],
    ['a dead process', [vfioDmaBuf(0, 1, { proc: 1 })], '-ESRCH'],
    ['no such exporter', [vfioDmaBuf(0, 1, { exporter: 1 })], '-EBADF'],
    ['once remove() started (vfio_device_try_get_registration())', [unbind(), vfioDmaBuf()], '-ENODEV'],
    ['once remove() returned', [unbind(), unbindFinish(), vfioDmaBuf()], '-ENODEV'],
    ['past the fd limit (RLIMIT_NOFILE, dma_buf_fd())', [vfioDmaBuf(), vfioDmaBuf(1, 1)], '-EMFILE'],
    ['past the allocation limit: the model bound', [vfioDmaBuf(), vfioDmaBuf(1, 1), vfioDmaBuf()], 'BOUND', 'revoke-v7.1', threeFds],
  ])('refuses %s', (_name, actions, ret, preset = 'revoke-v7.1', config = defaultConfig) => {
    refused(run(actions, preset, {}, config), ret);
  });

  it('a buffer exported while decoding is off is born revoked; memory_on restores it', () => {
    const off = run([memoryOff(), vfioDmaBuf()]);
    expect(decode(off.state).a0).toMatchObject({ revoked: true, dead: false });
    expect(run([memoryOff(), vfioDmaBuf(), regDmabuf()]).ret).toBe('-ENODEV');
    expect(decode(run([memoryOff(), vfioDmaBuf(), memoryOn()]).state).a0).toMatchObject({ revoked: false });
  });

  it('an export behind a draining revoke waits on memory_lock: born revoked after memory_off, usable after reset', () => {
    const behind = (write: Action) => [fork(), ...vfioOdp, write, vfioDmaBuf(1, 1, { proc: 1 }), ack(), evictFinish(0)];
    const off = run(behind(memoryOff()), 'revoke-v7.1', { fence: 'deferred' });
    expect(off.rets).toEqual(['p1', 'fd0', 'mr0', '0', 'fd0', '0', '0']);
    expect(decode(off.state)).toMatchObject({ e0: { memory: false, pending: 'none' }, a1: { revoked: true } });
    const flr = run(behind(reset()), 'revoke-v7.1', { fence: 'deferred' });
    expect(decode(flr.state)).toMatchObject({ e0: { memory: true, pending: 'none' }, a1: { revoked: false } });
  });
});

describe('GPU buffer objects: mmap and PRIME export', () => {
  it('mmap makes a buffer object placed first fit in VRAM; prime_export makes its dma-buf', () => {
    const { state, rets } = gpu([mmap(1), primeExport()]);
    expect(rets).toEqual(['vma0', 'fd0']);
    expect(decode(state)).toEqual({
      e0: { driver: 'bound', page0: { owner: 'a0' }, page1: { owner: null } },
      a0: { exporter: 'e0', placement: 'vram', pages: '0+1', vmas: 1, exported: true, files: 1, attached: 0, pins: 0, evicting: false },
      p0: { vma0: { exporter: 'e0', alloc: 'a0', start: 0, npages: 1 }, fd0: 'a0' },
    });
  });

  it('a full VRAM is no error: TTM places the object in GTT', () => {
    const full = gpu([mmap(2), fork(), munmap(0, 1), mmap(1, { proc: 1 })]);
    expect(full.rets).toEqual(['vma0', 'p1', '0', 'vma0']);
    expect(decode(full.state)).toMatchObject({ a0: { placement: 'vram', pages: '0+2' }, a1: { placement: 'gtt', pages: '1' } });
    // user access to an object in GTT is system RAM: no BAR access
    expect(gpu([mmap(2), fork(), munmap(0, 1), mmap(1, { proc: 1 }), touch(0, 0, 1)]).events).toEqual([]);
  });

  it('exports the same dma-buf again as another fd (obj->dma_buf)', () => {
    const { state, rets } = gpu([mmap(1), primeExport(), primeExport()], {}, roomy);
    expect(rets).toEqual(['vma0', 'fd0', 'fd1']);
    expect(decode(state).a0).toMatchObject({ files: 2 });
    expect(decode(state).p0).toMatchObject({ fd0: 'a0', fd1: 'a0' });
  });

  it.each<[string, Action[], Ret, string?]>([
    ['MAP_PRIVATE', [mmap(1, { shared: false })], '-EINVAL'],
    ['a fake offset naming no object', [mmap(1, { offset: 1 })], '-EINVAL'],
    ['an object larger than the largest BAR: the model bound', [mmap(3)], 'BOUND'],
    ['zero length', [mmap(0)], '-EINVAL'],
    ['a second VMA (map_count)', [mmap(1), mmap(1)], '-ENOMEM'],
    ['mmap once remove() started', [unbind(), mmap(1)], '-ENODEV'],
    ['prime_export of no mapping', [primeExport()], '-EBADF'],
    ['prime_export of a VFIO region mapping: no GEM object behind it', [mmap(1), primeExport()], '-EINVAL', 'revoke-v7.1'],
    ['prime_export once remove() started', [mmap(1), unbind(), primeExport()], '-ENODEV'],
    ['prime_export past the fd limit', [...bo, primeExport()], '-EMFILE'],
    ['prime_export by a dead process', [mmap(1), primeExport(0, 1)], '-ESRCH'],
  ])('refuses %s', (_name, actions, ret, preset = 'dynamic-move-notify') => {
    refused(run(actions, preset), ret);
  });

  it('refuses an object past the allocation limit: the model bound', () => {
    refused(gpu([mmap(1), mmap(1), mmap(1)], {}, { ...roomy, limits: { ...roomy.limits, vmas: 3, allocations: 2 } }), 'BOUND');
  });

  it('a failed PFN insert frees the new object (injection spent)', () => {
    const { state, rets, events } = gpu([injectInsertFail(0), mmap(1)]);
    expect(rets).toEqual(['0', '-ENOMEM']);
    expect(events).toEqual([]);
    expect(decode(state)).toEqual({ fault: { armed: null, fired: 1 }, e0: { driver: 'bound', page0: { owner: null }, page1: { owner: null } }, p0: {} });
    // an injection past the mapping's length is spent without failing it
    expect(gpu([injectInsertFail(1), mmap(1)]).ret).toBe('vma0');
  });

  it('a VFIO region has no insert to fail', () => {
    refused(run([injectInsertFail(0)]), '-EOPNOTSUPP');
  });
});

describe('VFIO region mmap and user access', () => {
  it('maps BAR pages at an offset; touch reaches the BAR page there', () => {
    const { state, rets, events } = run([mmap(1, { offset: 1 }), touch()]);
    expect(rets).toEqual(['vma0', '0']);
    expect(events).toEqual([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 1 }]);
    expect(decode(state).p0).toEqual({ vma0: { exporter: 'e0', alloc: null, start: 1, npages: 1 } });
    expect(run([mmap(2), touch(0, 1)]).events).toEqual([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 1 }]);
  });

  it('a GPU object: touch reaches its VRAM page, nothing of the BAR once it is in GTT', () => {
    expect(gpu([mmap(2), touch(0, 1)]).events).toEqual([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 1 }]);
    expect(gpu([mmap(1), evict(), touch()]).events).toEqual([]);
  });

  it.each<[string, Action[], Ret]>([
    ['a range past the BAR', [mmap(2, { offset: 1 })], '-EINVAL'],
    ['a negative offset', [mmap(1, { offset: -1 })], '-EINVAL'],
    ['an offset inside a page', [mmap(1, { offset: 0.5 })], '-EINVAL'],
    ['MAP_PRIVATE (vfio_pci_mmap(): VM_SHARED only)', [mmap(1, { shared: false })], '-EINVAL'],
    ['after remove()', [unbind(), unbindFinish(), mmap(1)], '-ENODEV'],
    ['a dead process', [mmap(1, { proc: 1 })], '-ESRCH'],
    ['no such exporter', [mmap(1, { exporter: 1 })], '-EBADF'],
  ])('refuses %s', (_name, actions, ret) => refused(run(actions), ret));

  it('memory_off zaps the PTEs: touch gets SIGBUS until memory_on, then faults back; a touch writes nothing', () => {
    const off = run([mmap(1), memoryOff(), touch()]);
    expect(off.ret).toBe('SIGBUS');
    expect(off.events).toEqual([{ kind: 'sigbus', proc: 0 }]);
    const on = run([mmap(1), memoryOff(), memoryOn(), touch()]);
    expect(on.ret).toBe('0');
    expect(bytes(on.state)).toEqual(bytes(on.before));
    expect(run([memoryOff(), mmap(1), touch()]).ret).toBe('SIGBUS');
  });

  it('a fault during a draining memory_off waits for the write (memory_lock): SIGBUS; during a draining reset it maps again', () => {
    const knobs = { fence: 'deferred' };
    const off = run([mmap(1), ...vfioOdp, memoryOff(), touch()], 'revoke-v7.1', knobs);
    expect(decode(off.state).e0).toMatchObject({ memory: true, pending: 'memory_off' });
    expect(off.ret).toBe('SIGBUS');
    expect(run([mmap(1), ...vfioOdp, reset(), touch()], 'revoke-v7.1', knobs).ret).toBe('0');
  });

  it('remove() zaps the PTEs: a later touch gets SIGBUS', () => {
    expect(run([mmap(1), unbind(), touch()]).ret).toBe('SIGBUS');
    expect(run([mmap(1), touch(0, 1)]).ret).toBe('SIGSEGV');
  });

  it('GUP refuses VM_PFNMAP: O_DIRECT and process_vm_readv get -EFAULT', () => {
    expect(run([mmap(1), pread(NVME0)]).ret).toBe('-EFAULT');
    expect(run([mmap(1), kernelCopy()]).ret).toBe('-EFAULT');
    expect(run([mmap(1), pread(NIC0)]).ret).toBe('-EINVAL');
    expect(run([mmap(1), pread(9)]).ret).toBe('-EBADF');
    expect(run([pread(NVME0, 0, 0, 1)]).ret).toBe('-ESRCH');
    expect(run([kernelCopy(0, 0, 1)]).ret).toBe('-ESRCH');
    expect(run([{ kind: 'dev_io_dma', importer: NVME0, io: 0 }]).ret).toBe('-EBADF');
    expect(run([{ kind: 'dev_io_complete', importer: NVME0, io: 0 }]).ret).toBe('-EBADF');
  });

  it.each(['registration', 'first-fault'])('ibv_reg_mr on the mapping: a pin fails; ODP registers (odp_map=%s: SNAPSHOT skips VM_PFNMAP) and faults at first DMA', (odpMap) => {
    expect(run([mmap(1), regMr(0, { odp: false })]).ret).toBe('-EFAULT');
    const odp = run([mmap(1), regMr(), mrDma()], 'revoke-v7.1', { odp_map: odpMap });
    expect(odp.rets).toEqual(['vma0', 'mr0', '-EFAULT']);
    expect(decode(odp.state).mr0).toEqual({ proc: 'p0', importer: 'nic0', vma: 'vma0', pending_invalidation: false, mapping: [null] });
  });

  it.each<[string, Action[], Ret]>([
    ['no VMA', [regMr()], '-EFAULT'],
    ['ODP on a NIC without it', [mmap(1), regMr(0, { importer: NIC1 })], '-EOPNOTSUPP'],
    ['an NVMe drive', [mmap(1), regMr(0, { importer: NVME0 })], '-EINVAL'],
    ['no such importer', [mmap(1), regMr(0, { importer: 9 })], '-EBADF'],
    ['a dead process', [regMr(0, { proc: 1 })], '-ESRCH'],
  ])('ibv_reg_mr refuses %s', (_name, actions, ret) => refused(run(actions, 'revoke-v7.1', { odp_map: 'first-fault' }), ret));

  it('ibv_reg_mr with ODP past the MR limit', () => {
    refused(run([mmap(1), regMr(), regMr()], 'revoke-v7.1', { odp_map: 'first-fault' }), '-ENOMEM');
  });
});

describe('ibv_reg_dmabuf_mr with ODP on VFIO: a dynamic attachment', () => {
  it('attaches and maps the whole buffer at registration (mlx5_ib_init_dmabuf_mr()); the NIC DMAs to the BAR', () => {
    const reg = run([vfioDmaBuf(0, 2), regDmabuf()]);
    expect(reg.ret).toBe('mr0');
    expect(decode(reg.state).mr0).toEqual({
      proc: 'p0',
      importer: 'nic0',
      dmabuf: 'a0',
      attach: 'dynamic',
      pending_invalidation: false,
      mapping: ['e0 page 0', 'e0 page 1'],
    });
    expect(decode(reg.state).a0).toMatchObject({ attached: 1, pins: 0 });
    const dma = run([vfioDmaBuf(0, 2), regDmabuf(), mrDma(0, 1)]);
    expect(dma.events).toEqual([dmaTo(1)]);
    expect(dmaBuf.held(dma.state)).toEqual(['mr0: nic0 still maps e0 page 0', 'mr0: nic0 still maps e0 page 1', 'a0: dma-buf still open']);
  });

  it('with odp_map=first-fault registration only attaches; the first DMA maps', () => {
    const reg = run(vfioOdp, 'revoke-v7.1', { odp_map: 'first-fault' });
    expect(decode(reg.state).mr0).toMatchObject({ mapping: [null] });
    const dma = run([...vfioOdp, mrDma()], 'revoke-v7.1', { odp_map: 'first-fault' });
    expect(dma.events).toEqual([dmaTo(0)]);
    expect(decode(dma.state).mr0).toMatchObject({ mapping: ['e0 page 0'] });
  });

  it.each<[string, Action[], Ret]>([
    ['ODP on a NIC without ODP', [vfioDmaBuf(), regDmabuf(0, { importer: NIC1 })], '-EOPNOTSUPP'],
    ['an NVMe drive', [vfioDmaBuf(), regDmabuf(0, { importer: NVME0 })], '-EINVAL'],
    ['no such importer', [vfioDmaBuf(), regDmabuf(0, { importer: 9 })], '-EBADF'],
    ['no such fd (dma_buf_get())', [regDmabuf()], '-EBADF'],
    ['an fd slot past the world', [vfioDmaBuf(), regDmabuf(5)], '-EBADF'],
    ['a dead process', [regDmabuf(0, { proc: 1 })], '-ESRCH'],
    ['past the MR limit', [...vfioOdp, regDmabuf()], '-ENOMEM'],
    ['a revoked buffer (vfio_pci_dma_buf_attach())', [vfioDmaBuf(), memoryOff(), regDmabuf()], '-ENODEV'],
    ['a buffer revoked for good by remove()', [vfioDmaBuf(), unbind(), unbindFinish(), regDmabuf()], '-ENODEV'],
  ])('refuses %s', (_name, actions, ret) => refused(run(actions), ret));

  it('a route-less ODP NIC: registration maps and fails -EINVAL; with first-fault, the fault does', () => {
    expect(run([vfioDmaBuf(), regDmabuf(0, { importer: NIC1 })], 'revoke-v7.1', {}, odpNoRoute).ret).toBe('-EINVAL');
    const late = run([vfioDmaBuf(), regDmabuf(0, { importer: NIC1 }), mrDma(0, 0, NIC1)], 'revoke-v7.1', { odp_map: 'first-fault' }, odpNoRoute);
    expect(late.rets).toEqual(['fd0', 'mr0', '-EINVAL']);
  });

  it.each<[string, Action, Ret]>([
    ["another importer's MR", mrDma(0, 0, NIC1), '-EBADF'],
    ['a page past the attachment', mrDma(0, 1), '-EINVAL'],
  ])('dma refuses %s', (_name, action, ret) => refused(run([...vfioOdp, action]), ret));
});

describe('pinned ibv_reg_dmabuf_mr (ib_umem_dmabuf_get_pinned()) on VFIO', () => {
  it('revoke-v7.1 refuses an importer that cannot revoke at attach (dma_buf_attach_revocable())', () => {
    refused(run([vfioDmaBuf(), pinnedMr()], 'revoke-v7.1', {}, routed), '-EOPNOTSUPP');
  });

  it('vfio-v6.19 attaches it, then refuses the pin (61ceaf236115)', () => {
    refused(run([vfioDmaBuf(), pinnedMr()], 'vfio-v6.19', {}, routed), '-EOPNOTSUPP');
    refused(run([vfioDmaBuf(), pinnedMr()], 'vfio-v6.19', { pinned_mr: 'revocable' }, routed), '-EOPNOTSUPP');
  });

  it('a revoked buffer is -ENODEV before any pin or revocable check', () => {
    for (const preset of ['revoke-v7.1', 'vfio-v6.19', 'vfio-v6.19-rc']) refused(run([vfioDmaBuf(), memoryOff(), pinnedMr()], preset, {}, routed), '-ENODEV');
  });

  it('vfio-v6.19-rc accepts it (no .pin), maps at registration, and the NIC DMAs', () => {
    const r = run([vfioDmaBuf(), pinnedMr(), mrDma(0, 0, NIC1)], 'vfio-v6.19-rc', {}, routed);
    expect(r.rets).toEqual(['fd0', 'mr0', '0']);
    expect(r.events).toEqual([dmaTo(0, false, NIC1, 'bus-addr')]);
    // VFIO's pin is a no-op: no pin is counted
    expect(decode(r.state).a0).toMatchObject({ attached: 1, pins: 0 });
    expect(decode(r.state).mr0).toMatchObject({ attach: 'pinned', mapping: ['e0 page 0'] });
  });

  it('vfio-v6.19-rc: with no route the map at registration fails -EINVAL', () => {
    refused(run([vfioDmaBuf(), pinnedMr()], 'vfio-v6.19-rc'), '-EINVAL');
  });

  it('vfio-v6.19-rc: a revoke only warns; the pinned mapping stays and goes stale once the BAR is disabled', () => {
    const off = run([vfioDmaBuf(), pinnedMr(), memoryOff()], 'vfio-v6.19-rc', {}, routed);
    expect(off.events).toEqual([]);
    expect(decode(off.state)).toMatchObject({ e0: { memory: false }, a0: { revoked: true }, mr0: { mapping: ['e0 page 0 (stale)'] } });
    const dma = run([vfioDmaBuf(), pinnedMr(), reset(), mrDma(0, 0, NIC1)], 'vfio-v6.19-rc', {}, routed);
    expect(dma.events).toEqual([dmaTo(0, true, NIC1, 'bus-addr')]);
  });

  it('a pinned-revocable importer (v7.1, irdma) attaches; a revoke unmaps it for good: its DMA faults', () => {
    const knobs = { pinned_mr: 'revocable' };
    const r = run([vfioDmaBuf(), pinnedMr(), memoryOff()], 'revoke-v7.1', knobs, routed);
    expect(r.rets).toEqual(['fd0', 'mr0', '0']);
    expect(r.events).toEqual([invalidated(0, NIC1)]);
    expect(decode(r.state).mr0).toMatchObject({ revoked: true, mapping: [null] });
    const after = run([vfioDmaBuf(), pinnedMr(), memoryOff(), memoryOn(), mrDma(0, 0, NIC1)], 'revoke-v7.1', knobs, routed);
    expect(after.ret).toBe('-EFAULT');
    expect(decode(run([vfioDmaBuf(), pinnedMr(), memoryOff(), deregMr()], 'revoke-v7.1', knobs, routed).state).a0).toMatchObject({ attached: 0 });
  });
});

describe('bind_rx (devmem TCP): a static attachment', () => {
  it('VFIO refuses it in every version: peer2peer is false', () => {
    for (const preset of ['revoke-v7.1', 'vfio-v6.19', 'vfio-v6.19-rc']) refused(run([vfioDmaBuf(), bindRx()], preset), '-EOPNOTSUPP');
  });

  it.each<[string, Action[], Ret]>([
    ['an NVMe drive', [vfioDmaBuf(), bindRx(0, NVME0)], '-EINVAL'],
    ['no such fd', [bindRx()], '-EBADF'],
    ['an fd past the process\'s limit', [vfioDmaBuf(), bindRx(1)], '-EBADF'],
  ])('refuses %s', (_name, actions, ret) => refused(run(actions), ret));

  it('a GPU pins the object for it into GTT: the NIC gets system RAM, the other importers are told', () => {
    const r = gpu([...bo, bindRx(), mrDma()]);
    expect(r.rets).toEqual(['vma0', 'fd0', 'mr0', '0']);
    expect(r.events).toEqual([dmaToRam()]);
    expect(decode(r.state).a0).toMatchObject({ placement: 'gtt', pins: 1, attached: 1 });
    expect(decode(r.state).mr0).toMatchObject({ attach: 'static', mapping: ['ram'] });
    const moved = gpu([...bo, regDmabuf(), fork(), bindRx(0, NIC0, 1)], {}, roomy);
    expect(moved.ret).toBe('mr1');
    expect(moved.events).toEqual([invalidated(), { kind: 'page_free', exporter: 0, page: 0 }]);
  });
});

describe('ibv_reg_dmabuf_mr on a GPU', () => {
  it('a dynamic P2P attachment maps VRAM at registration', () => {
    const r = gpu([...bo, regDmabuf(), mrDma()]);
    expect(r.events).toEqual([dmaTo(0)]);
    expect(decode(r.state).a0).toMatchObject({ placement: 'vram', attached: 1, pins: 0 });
  });

  it('no route: the attachment loses peer2peer and the map moves the object to GTT (system RAM)', () => {
    const r = gpu([...bo, regDmabuf(0, { importer: NIC1 }), mrDma(0, 0, NIC1)], {}, odpNoRoute);
    expect(r.rets).toEqual(['vma0', 'fd0', 'mr0', '0']);
    expect(r.events).toEqual([dmaToRam(NIC1)]);
    expect(decode(r.state)).toMatchObject({ e0: { page0: { owner: null } }, a0: { placement: 'gtt', pins: 0 } });
    // with no_route=refuse a GPU fails the map like VFIO
    refused(gpu([...bo, regDmabuf(0, { importer: NIC1 })], { no_route: 'refuse' }, odpNoRoute), '-EINVAL');
  });

  it('a pinned P2P importer pins the object in VRAM (f5e7fabd1f5c); with pin_domain=gtt it moves to GTT', () => {
    const vram = gpu([...bo, pinnedMr(), mrDma(0, 0, NIC1)], {}, routed);
    expect(vram.events).toEqual([dmaTo(0, false, NIC1, 'bus-addr')]);
    expect(decode(vram.state).a0).toMatchObject({ placement: 'vram', pins: 1 });
    const gtt = gpu([...bo, pinnedMr(), mrDma(0, 0, NIC1)], { pin_domain: 'gtt' }, routed);
    expect(gtt.events).toEqual([dmaToRam(NIC1)]);
    expect(decode(gtt.state).a0).toMatchObject({ placement: 'gtt', pins: 1 });
  });

  it('a pinned importer without a route pins into GTT', () => {
    const r = gpu([...bo, pinnedMr()]);
    expect(r.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(decode(r.state).a0).toMatchObject({ placement: 'gtt', pins: 1 });
  });

  it('static-pinned: every attachment is static, pinned into GTT; no DMA ever reaches VRAM', () => {
    const r = run([...bo, regDmabuf(), mrDma()], 'static-pinned');
    expect(r.events).toEqual([dmaToRam()]);
    expect(decode(r.state).mr0).toMatchObject({ attach: 'static', mapping: ['ram'] });
    expect(decode(r.state).a0).toMatchObject({ placement: 'gtt', pins: 1 });
  });

  it('a second pin that would move an object another importer pins in VRAM gets -EINVAL (amdgpu_bo_pin_restricted)', () => {
    const twoNics: Config = { ...routed, limits: { ...routed.limits, mrs: 2 } };
    refused(gpu([...bo, pinnedMr(), bindRx(0, NIC0)], {}, twoNics), '-EINVAL');
    // a P2P dynamic one may share it in VRAM
    expect(gpu([...bo, pinnedMr(), regDmabuf()], {}, twoNics).ret).toBe('mr1');
  });

  it('a dynamic importer with no route maps an object pinned in VRAM where it is (f5e7fabd1f5c dropped the -EBUSY): its DMA has no route', () => {
    const noRoute: Config = { ...routed, routes: routed.routes.map((r, i) => (i === NIC0 ? ['none'] : r)), limits: { ...routed.limits, mrs: 2 } };
    const mapped = gpu([...bo, pinnedMr(), regDmabuf(), mrDma(1)], {}, noRoute);
    expect(mapped.rets.slice(-2)).toEqual(['mr1', '0']);
    expect(decode(mapped.state)).toMatchObject({ a0: { placement: 'vram', pins: 1 }, mr1: { mapping: ['e0 page 0'] } });
    expect(mapped.events).toEqual([dmaTo(0, false, NIC0, 'none')]);
  });

  it('refuses mid-eviction: the move holds the reservation (retry)', () => {
    // a deferred importer's fence keeps the move going
    refused(gpu([...bo, regDmabuf(), evict(), fork(), regDmabuf(0, { proc: 1 })], { fence: 'deferred' }, routed), '-EAGAIN');
  });

  it('refuses once remove() started', () => refused(gpu([...bo, unbind(), regDmabuf()], {}, routed), '-ENODEV'));
});

describe('ibv_dereg_mr, close, fork and exit: the dma-buf lifetime', () => {
  it('dereg unmaps and detaches; close puts the last file and releases the dma-buf', () => {
    const dereg = run([...vfioOdp, deregMr()]);
    expect(decode(dereg.state).a0).toMatchObject({ attached: 0, files: 1 });
    const closed = run([...vfioOdp, deregMr(), close()]);
    expect(closed.ret).toBe('0');
    expect(decode(closed.state)).toEqual({ e0: { driver: 'bound', memory: true, pending: 'none', page0: { owner: null }, page1: { owner: null } }, p0: {} });
    expect(dmaBuf.held(closed.state)).toEqual([]);
  });

  it('an attachment keeps the dma-buf past the last close', () => {
    const r = run([...vfioOdp, close()]);
    expect(decode(r.state).a0).toMatchObject({ files: 0, attached: 1 });
    expect(decode(r.state).p0).toEqual({});
    expect(decode(run([...vfioOdp, close(), deregMr()]).state).a0).toBeUndefined();
  });

  it('close refuses a closed fd and a dead process', () => {
    refused(run([close()]), '-EBADF');
    refused(run([vfioDmaBuf(), close(1)]), '-EBADF');
    refused(run([vfioDmaBuf(), close(0, 1)]), '-ESRCH');
  });

  it('fork shares the file; the dma-buf lives until both close', () => {
    const forked = run([vfioDmaBuf(), fork()]);
    expect(decode(forked.state)).toMatchObject({ a0: { files: 2 }, p0: { fd0: 'a0' }, p1: { fd0: 'a0' } });
    expect(decode(run([vfioDmaBuf(), fork(), close()]).state).a0).toMatchObject({ files: 1 });
    expect(decode(run([vfioDmaBuf(), fork(), close(), exit(1)]).state).a0).toBeUndefined();
    // the child registers on the shared file
    expect(run([vfioDmaBuf(), fork(), regDmabuf(0, { proc: 1 })]).ret).toBe('mr0');
  });

  it('exit deregisters and closes: nothing held; the GPU object is freed with its VRAM', () => {
    const vfio = run([...vfioOdp, exit()]);
    expect(dmaBuf.held(vfio.state)).toEqual([]);
    const bo1 = gpu([...bo, pinnedMr(), exit()], {}, routed);
    expect(bo1.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(dmaBuf.held(bo1.state)).toEqual([]);
    expect(dmaBuf.view(bo1.state).exporters[0]!.pages).toEqual([{ owner: null }, { owner: null }]);
  });

  it('a GPU object outlives munmap while its dma-buf is open; the last close frees it', () => {
    const unmapped = gpu([...bo, munmap()]);
    expect(decode(unmapped.state).a0).toMatchObject({ vmas: 0, files: 1, placement: 'vram' });
    const closed = gpu([...bo, munmap(), close()]);
    expect(closed.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(decode(closed.state).a0).toBeUndefined();
    // closed first, the object stays with its VMA, no longer exported
    expect(decode(gpu([...bo, close()]).state).a0).toMatchObject({ exported: false, files: 0, vmas: 1 });
    // fork maps the object in the child too (vm_ops->open)
    expect(decode(gpu([mmap(1), fork(), munmap()]).state).a0).toMatchObject({ vmas: 1 });
  });
});

describe('dynamic importers told: in the callback, deferred, or ignoring', () => {
  it('mlx5 unmaps inside its callback: memory_off zaps, the re-fault gets -ENODEV, memory_on maps again', () => {
    const off = run([...vfioOdp, mrDma(), memoryOff()]);
    expect(off.events).toEqual([invalidated()]);
    expect(decode(off.state)).toMatchObject({ e0: { memory: false, pending: 'none' }, a0: { revoked: true, evicting: false }, mr0: { mapping: [null] } });
    refused(run([...vfioOdp, memoryOff(), mrDma()]), '-ENODEV');
    const on = run([...vfioOdp, memoryOff(), memoryOn(), mrDma()]);
    expect(on.events).toEqual([dmaTo(0)]);
  });

  it('deferred (fence=deferred): the importer may still DMA until ack_invalidate; v7.1 holds the write until then', () => {
    const knobs = { fence: 'deferred' };
    const off = run([...vfioOdp, memoryOff()], 'revoke-v7.1', knobs);
    expect(decode(off.state)).toMatchObject({ e0: { memory: true, pending: 'memory_off' }, a0: { revoked: true, evicting: true }, mr0: { pending_invalidation: true } });
    // owed: the importer's fence and the buffer's drain
    expect(dmaBuf.view(off.state)).toMatchObject({ obligations: 2, exporters: [{ evicting: [0] }] });
    // König's window: the BAR still decodes, the mapping is not stale yet
    expect(run([...vfioOdp, memoryOff(), mrDma()], 'revoke-v7.1', knobs).events).toEqual([dmaTo(0)]);
    const early = run([...vfioOdp, memoryOff(), evictFinish()], 'revoke-v7.1', knobs);
    expect(early.ret).toBe('-EBUSY');
    expect(early.events).toEqual([waitOn('dma_buf_unmap_attachment')]);
    const done = run([...vfioOdp, memoryOff(), ack(), evictFinish()], 'revoke-v7.1', knobs);
    expect(done.rets.slice(-2)).toEqual(['0', '0']);
    expect(decode(done.state)).toMatchObject({ e0: { memory: false, pending: 'none' }, a0: { evicting: false }, mr0: { pending_invalidation: false, mapping: [null] } });
  });

  it('deferred without the wait (v6.19): the BAR goes off at once and the DMA before the fence is stale', () => {
    const r = run([...vfioOdp, memoryOff(), mrDma()], 'vfio-v6.19', { fence: 'deferred' });
    expect(r.events).toEqual([dmaTo(0, true)]);
    expect(decode(r.state).e0).toMatchObject({ memory: false, pending: 'none' });
  });

  it('an ignoring importer keeps its mapping: the v7.1 revoke waits for it forever (until dereg)', () => {
    const knobs = { importer: 'ignores' };
    const off = run([...vfioOdp, memoryOff(), evictFinish()], 'revoke-v7.1', knobs);
    expect(off.ret).toBe('-EBUSY');
    expect(decode(off.state).mr0).toMatchObject({ pending_invalidation: false, mapping: ['e0 page 0'] });
    expect(run([...vfioOdp, memoryOff(), deregMr(), evictFinish()], 'revoke-v7.1', knobs).ret).toBe('0');
    // closing the last reference mid-revoke also ends the wait: the write takes effect
    const released = run([...vfioOdp, memoryOff(), deregMr(), close()], 'revoke-v7.1', knobs);
    expect(decode(released.state).e0).toMatchObject({ memory: false, pending: 'none' });
  });

  it('the restore is a move too: memory_on and a finished reset notify an importer still mapped (vfio_pci_dma_buf_move(false))', () => {
    const knobs = { importer: 'ignores' };
    expect(run([...vfioOdp, memoryOff(), memoryOn()], 'vfio-v6.19', knobs).events).toEqual([invalidated()]);
    // revoked and restored in one step: told twice
    expect(run([...vfioOdp, reset()], 'vfio-v6.19', knobs).events).toEqual([invalidated(), invalidated()]);
    // an importer that unmapped when told has nothing to be told of
    expect(run([...vfioOdp, memoryOff(), memoryOn()]).events).toEqual([]);
  });

  it('ack_invalidate with nothing pending, or of an MR not the importer\'s', () => {
    refused(run([...vfioOdp, ack()]), '-ENOENT');
    refused(run([...vfioOdp, ack(0, NIC1)]), '-EBADF');
  });

  it('dev_mr_dma of a page outside the attachment, or no page at all, is -EINVAL', () => {
    for (const page of [-1, 1, 0.5]) refused(run([...vfioOdp, mrDma(0, page)]), '-EINVAL');
  });

  it('restore of an allocation slot holding no object, or past the world', () => {
    refused(gpu([restore(1)]), '-ENOENT');
    refused(gpu([restore(2)]), '-EBADF');
  });
});

describe('VFIO revoke: memory_off, reset, and the write that waits', () => {
  it('memory_off and memory_on are no-ops when already so', () => {
    refused(run([memoryOn()]), '0');
    const twice = run([memoryOff(), memoryOff()]);
    expect(twice.ret).toBe('0');
    expect(bytes(twice.state)).toEqual(bytes(twice.before));
  });

  it('reset revokes, resets the function and restores: a transient revoke', () => {
    const r = run([...vfioOdp, mrDma(), reset()]);
    expect(r.events).toEqual([invalidated()]);
    expect(decode(r.state)).toMatchObject({ e0: { memory: true, pending: 'none' }, a0: { revoked: false }, mr0: { mapping: [null] } });
    expect(run([...vfioOdp, reset(), mrDma()]).events).toEqual([dmaTo(0)]);
    // with decoding off the buffers stay revoked
    expect(decode(run([...vfioOdp, memoryOff(), reset()]).state).a0).toMatchObject({ revoked: true });
  });

  it('a reset leaves whatever still maps the BAR stale', () => {
    const r = run([...vfioOdp, reset(), mrDma()], 'vfio-v6.19', { importer: 'ignores' });
    expect(r.events).toEqual([dmaTo(0, true)]);
  });

  it('a reset under a deferred importer waits in evict_finish, then restores', () => {
    const knobs = { fence: 'deferred' };
    const mid = run([...vfioOdp, reset()], 'revoke-v7.1', knobs);
    expect(decode(mid.state)).toMatchObject({ e0: { pending: 'reset' }, a0: { revoked: true, evicting: true } });
    const done = run([...vfioOdp, reset(), ack(), evictFinish()], 'revoke-v7.1', knobs);
    expect(decode(done.state)).toMatchObject({ e0: { memory: true, pending: 'none' }, a0: { revoked: false, evicting: false } });
  });

  it.each<[string, Action[], Ret]>([
    ['a second config write while a revoke drains (memory_lock)', [...vfioOdp, memoryOff(), memoryOn()], '-EBUSY'],
    ['a reset while a revoke drains', [...vfioOdp, memoryOff(), reset()], '-EBUSY'],
    ['remove() while a revoke drains', [...vfioOdp, memoryOff(), unbind()], '-EBUSY'],
    ['evict_finish of a buffer not waiting', [vfioDmaBuf(), evictFinish()], '-EBADF'],
  ])('refuses %s', (_name, actions, ret) => refused(run(actions, 'revoke-v7.1', { fence: 'deferred' }), ret));

  it.each<[string, Action, Ret, string]>([
    ['memory_off on a GPU', memoryOff(), '-EOPNOTSUPP', 'dynamic-move-notify'],
    ['reset on a GPU', reset(), '-EOPNOTSUPP', 'dynamic-move-notify'],
    ['memory_on of no such exporter', memoryOn(1), '-EBADF', 'revoke-v7.1'],
    ['evict of a VFIO buffer: a BAR range cannot move', evict(), '-EOPNOTSUPP', 'revoke-v7.1'],
    ['restore of a VFIO buffer', restore(), '-EOPNOTSUPP', 'revoke-v7.1'],
  ])('refuses %s', (_name, action, ret, preset) => refused(run([vfioDmaBuf(), action], preset), ret));

  it('config writes after remove() get -ENODEV', () => {
    refused(run([unbind(), memoryOff()]), '-ENODEV');
    refused(run([unbind(), unbindFinish(), reset()]), '-ENODEV');
  });
});

describe('VFIO remove(): revoke for good, and wait (v7.1) or not', () => {
  it('vfio_pci_dma_buf_cleanup() with its own drain (v6.19) notifies every buffer, one already revoked too', () => {
    const ignored = run([...vfioOdp, memoryOff(), unbind()], 'vfio-v6.19', { importer: 'ignores', close_order: 'cleanup-first' });
    expect(ignored.rets.slice(-2)).toEqual(['0', '0']);
    expect(ignored.events).toEqual([invalidated()]);
    expect(decode(ignored.state).a0).toMatchObject({ revoked: true, dead: true });
    // vfio_pci_dma_buf_move() tells only a buffer whose state changes
    expect(run([...vfioOdp, memoryOff(), reset()], 'vfio-v6.19', { importer: 'ignores' }).events).toEqual([]);
  });

  it('the fixed cleanup drains through vfio_pci_dma_buf_move(true): a revoked buffer is not told again, a live one is', () => {
    const knobs = { importer: 'ignores', revoke_waits: 'no', cleanup: 'via-move', close_order: 'cleanup-first' };
    const revoked = run([...vfioOdp, memoryOff(), unbind()], 'vfio-v6.19', knobs);
    expect(revoked.ret).toBe('0');
    expect(revoked.events).toEqual([]);
    expect(decode(revoked.state).a0).toMatchObject({ revoked: true, dead: true });
    const live = run([...vfioOdp, unbind()], 'vfio-v6.19', knobs);
    expect(live.events).toEqual([invalidated()]);
    expect(decode(live.state).a0).toMatchObject({ revoked: true, dead: true });
  });

  it('unbind revokes every buffer for good and zaps; the fd lives on, revoked', () => {
    const r = run([...vfioOdp, mmap(1), unbind()]);
    expect(r.events).toEqual([invalidated()]);
    expect(decode(r.state)).toMatchObject({ e0: { driver: 'unbinding' }, a0: { revoked: true, dead: true }, p0: { fd0: 'a0' }, mr0: { mapping: [null] } });
    const done = run([...vfioOdp, unbind(), unbindFinish(), mrDma()]);
    expect(done.rets).toEqual(['fd0', 'mr0', '0', '0', '-ENODEV']);
    expect(decode(done.state)).toMatchObject({ e0: { driver: 'unbound' }, a0: { revoked: true, dead: true, files: 1 } });
    expect(dmaBuf.view(done.state).exporters[0]!.driver).toBe('unbound');
  });

  it('with revoke_waits, unbind_finish waits for every unmap; without, it returns and the mapping goes stale', () => {
    const knobs = { fence: 'deferred' };
    const waits = run([...vfioOdp, unbind(), unbindFinish()], 'revoke-v7.1', knobs);
    expect(waits.ret).toBe('-EBUSY');
    expect(waits.events).toEqual([waitOn('dma_buf_unmap_attachment')]);
    expect(run([...vfioOdp, unbind(), ack(), unbindFinish()], 'revoke-v7.1', knobs).ret).toBe('0');
    const gone = run([...vfioOdp, unbind(), unbindFinish(), mrDma()], 'vfio-v6.19', knobs);
    expect(gone.rets.slice(-2)).toEqual(['0', '0']);
    expect(gone.events).toEqual([dmaTo(0, true)]);
  });

  it('vfio-v6.19-rc: a pinned MR keeps DMAing after remove() returned', () => {
    const r = run([vfioDmaBuf(), pinnedMr(), unbind(), unbindFinish(), unbindFinish(), mrDma(0, 0, NIC1)], 'vfio-v6.19-rc', {}, routed);
    expect(r.rets).toEqual(['fd0', 'mr0', '0', '0', '0', '0']);
    expect(r.events).toEqual([dmaTo(0, true, NIC1, 'bus-addr')]);
    expect(dmaBuf.view(r.state).exporters[0]!.driver).toBe('unbound');
  });

  it('close disables the function before the cleanup (v6.19): in between, the ODP MR still maps the released BAR and DMAs there', () => {
    const disabled = run([...vfioOdp, unbind()], 'vfio-v6.19');
    expect(disabled.events).toEqual([]);
    expect(decode(disabled.state)).toMatchObject({
      e0: { driver: 'unbinding', memory: false, cleanup_owed: true },
      a0: { revoked: false, dead: false },
      mr0: { mapping: ['e0 page 0 (stale)'] },
    });
    expect(run([...vfioOdp, unbind(), mrDma()], 'vfio-v6.19').events).toEqual([dmaTo(0, true)]);
    // the CPU mapping faults on a disabled function
    expect(run([mmap(1), unbind(), touch()], 'vfio-v6.19').ret).toBe('SIGBUS');
  });

  it('a map in that window succeeds (the buffer is not revoked yet) onto the released BAR: stale at once', () => {
    const faulted = run([vfioDmaBuf(), regDmabuf(), unbind(), mrDma()], 'vfio-v6.19', { odp_map: 'first-fault' });
    expect(faulted.ret).toBe('0');
    expect(faulted.events).toEqual([dmaTo(0, true)]);
    const registered = run([vfioDmaBuf(), unbind(), regDmabuf(), mrDma()], 'vfio-v6.19');
    expect(registered.rets.slice(-2)).toEqual(['mr0', '0']);
    expect(registered.events).toEqual([dmaTo(0, true)]);
  });

  it('unbind_finish runs the late cleanup and returns 0; remove() returns at the next', () => {
    const cleaned = run([...vfioOdp, unbind(), unbindFinish()], 'vfio-v6.19');
    expect(cleaned.ret).toBe('0');
    expect(cleaned.events).toEqual([invalidated()]);
    expect(decode(cleaned.state)).toMatchObject({ e0: { driver: 'unbinding' }, a0: { revoked: true, dead: true }, mr0: { mapping: [null] } });
    expect(decode(cleaned.state).e0).not.toHaveProperty('cleanup_owed');
    expect(run([...vfioOdp, unbind(), unbindFinish(), mrDma()], 'vfio-v6.19').ret).toBe('-ENODEV');
    expect(decode(run([...vfioOdp, unbind(), unbindFinish(), unbindFinish()], 'vfio-v6.19').state).e0).toMatchObject({ driver: 'unbound' });
  });

  it('the fixed order (d97708701434) revokes in unbind itself: no step sees the BAR disabled and the buffer live', () => {
    const fixed = run([...vfioOdp, unbind()], 'vfio-v6.19', { close_order: 'cleanup-first' });
    expect(fixed.events).toEqual([invalidated()]);
    expect(decode(fixed.state)).toMatchObject({ e0: { memory: true }, a0: { revoked: true, dead: true } });
    expect(run([...vfioOdp, unbind(), mrDma()], 'vfio-v6.19', { close_order: 'cleanup-first' }).ret).toBe('-ENODEV');
    // a GPU's remove() has no such order: the knob changes nothing there
    expect(bytes(gpu([...bo, regDmabuf(), unbind()], { close_order: 'disable-first' }).state)).toEqual(bytes(gpu([...bo, regDmabuf(), unbind()]).state));
  });

  it('memory_on cannot bring a dead buffer back; a second unbind and a finish without unbind are refused', () => {
    refused(run([vfioDmaBuf(), unbind(), unbind()]), '-ENODEV');
    refused(run([unbindFinish()]), '-EBADF');
    refused(run([unbind(1)]), '-EBADF');
  });
});

describe('GPU eviction and restore: move_notify', () => {
  it('evict zaps the CPU mapping, tells dynamic importers, moves the object to GTT; the re-fault maps RAM', () => {
    const r = gpu([...bo, regDmabuf(), evict()]);
    expect(r.events).toEqual([invalidated(), { kind: 'page_free', exporter: 0, page: 0 }]);
    expect(decode(r.state)).toMatchObject({ e0: { page0: { owner: null } }, a0: { placement: 'gtt', evicting: false }, mr0: { mapping: [null] } });
    expect(gpu([...bo, regDmabuf(), evict(), mrDma()]).events).toEqual([dmaToRam()]);
    // the CPU faults back too, to system RAM: no BAR access
    const touched = gpu([...bo, evict(), touch()]);
    expect(touched.ret).toBe('0');
    expect(touched.events).toEqual([]);
  });

  it('restore brings the object back into VRAM and tells the importers; the re-fault maps VRAM', () => {
    const r = gpu([...bo, regDmabuf(), evict(), mrDma(), restore()]);
    expect(r.events).toEqual([invalidated()]);
    expect(decode(r.state)).toMatchObject({ e0: { page0: { owner: 'a0' } }, a0: { placement: 'vram', pages: '0+1' }, mr0: { mapping: [null] } });
    expect(gpu([...bo, regDmabuf(), evict(), restore(), mrDma()]).events).toEqual([dmaTo(0)]);
  });

  it('TTM never moves a pinned object: evict is refused (ttm_bo_validate) until ibv_dereg_mr', () => {
    const pinned = gpu([...bo, pinnedMr(), evict()], {}, routed);
    refused(pinned, '-EINVAL');
    expect(decode(pinned.state)).toMatchObject({ a0: { placement: 'vram', evicting: false, pins: 1 }, mr0: { mapping: ['e0 page 0'] } });
    // the pinned NIC keeps DMAing to VRAM: nothing is stale
    expect(gpu([...bo, pinnedMr(), evict(), mrDma(0, 0, NIC1)], {}, routed).events).toEqual([dmaTo(0, false, NIC1, 'bus-addr')]);
    // a pinned-revocable importer pins all the same
    refused(gpu([...bo, pinnedMr(), evict()], { pinned_mr: 'revocable' }, routed), '-EINVAL');
    const moved = gpu([...bo, pinnedMr(), deregMr(), evict()], {}, routed);
    expect(moved.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(decode(moved.state).a0).toMatchObject({ placement: 'gtt', evicting: false, pins: 0 });
  });

  it('with revoke_waits the move also waits for a deferred importer to unmap', () => {
    const knobs = { revoke_waits: 'unmap', fence: 'deferred' };
    const r = gpu([...bo, regDmabuf(), evict(), evictFinish()], knobs);
    expect(r.ret).toBe('-EBUSY');
    expect(r.events).toEqual([waitOn('dma_buf_unmap_attachment')]);
    expect(gpu([...bo, regDmabuf(), evict(), ack(), evictFinish()], knobs).events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
  });

  it('without revoke_waits a move still waits for a deferred fence: TTM waits on the dma_resv', () => {
    const knobs = { fence: 'deferred' };
    const r = gpu([...bo, regDmabuf(), evict(), mrDma(), evictFinish()], knobs);
    // the importer may still DMA to VRAM until its fence signals; the move waits for it
    expect(r.rets.slice(-2)).toEqual(['0', '-EBUSY']);
    expect(r.events).toEqual([waitOn('dma_resv fences')]);
    expect(gpu([...bo, regDmabuf(), evict(), ack(), evictFinish()], knobs).ret).toBe('0');
    // remove() waits for it too
    expect(gpu([...bo, regDmabuf(), unbind(), unbindFinish()], knobs).events).toEqual([waitOn('dma_resv fences')]);
  });

  it('a pin or restore that moves the object tells the deferred importers and retries (-EAGAIN) until they ack', () => {
    const knobs = { fence: 'deferred' };
    const pin = gpu([...bo, regDmabuf(), bindRx(0, NIC1)], knobs, roomy);
    expect(pin.ret).toBe('-EAGAIN');
    expect(pin.events).toEqual([invalidated()]);
    expect(decode(pin.state)).toMatchObject({ a0: { placement: 'vram', pins: 0 }, mr0: { pending_invalidation: true } });
    const after = gpu([...bo, regDmabuf(), bindRx(0, NIC1), ack(), bindRx(0, NIC1)], knobs, roomy);
    expect(after.ret).toBe('mr1');
    expect(decode(after.state).a0).toMatchObject({ placement: 'gtt', pins: 1 });
    const back = gpu([...bo, regDmabuf(), evict(), ack(), evictFinish(), mrDma(), restore()], knobs);
    expect(back.ret).toBe('-EAGAIN');
    expect(gpu([...bo, regDmabuf(), evict(), ack(), evictFinish(), mrDma(), restore(), ack(), restore()], knobs).ret).toBe('0');
  });

  it.each<[string, Action[], Ret]>([
    ['evict of an object in GTT', [...bo, evict(), evict()], '-ENOENT'],
    ['evict of a free slot', [evict()], '-ENOENT'],
    ['evict of a slot past the world', [evict(5)], '-EBADF'],
    ['evict by no such exporter', [...bo, evict(0, 1)], '-EBADF'],
    ['evict of a pinned object', [...bo, pinnedMr(), evict()], '-EINVAL'],
    ['evict once remove() started', [...bo, unbind(), evict()], '-ENODEV'],
    ['restore of an object in VRAM', [...bo, restore()], '-ENOENT'],
    ['restore of a pinned object', [...bo, bindRx(), restore()], '-EINVAL'],
    ['restore once remove() started', [...bo, evict(), unbind(), restore()], '-ENODEV'],
    ['restore into a full VRAM', [mmap(1), evict(), fork(), munmap(0, 1), mmap(2, { proc: 1 }), restore()], '-ENOMEM'],
    ['evict_finish of an object not being evicted', [...bo, evictFinish()], '-EBADF'],
  ])('refuses %s', (_name, actions, ret) => refused(gpu(actions, {}, routed), ret));

  it.each<[string, Action[], Ret]>([
    ['evict of an object mid-eviction', [...bo, regDmabuf(), evict(), evict()], '-EBUSY'],
    ['restore mid-eviction: still in VRAM', [...bo, regDmabuf(), evict(), restore()], '-ENOENT'],
  ])('refuses %s (a deferred fence keeps the move going)', (_name, actions, ret) => refused(gpu(actions, { fence: 'deferred' }, routed), ret));
});

describe('GPU remove(): importers told; VRAM pins not waited for (unplug knob)', () => {
  it('unbind tells the importers; unbind_finish frees VRAM: the object is gone, its re-fault -ENODEV', () => {
    const started = gpu([...bo, regDmabuf(), unbind()]);
    expect(started.events).toEqual([invalidated()]);
    const done = gpu([...bo, regDmabuf(), unbind(), unbindFinish(), mrDma()]);
    expect(done.rets.slice(-2)).toEqual(['0', '-ENODEV']);
    expect(decode(done.state)).toMatchObject({ e0: { driver: 'unbound', page0: { owner: null } }, a0: { placement: 'gone' } });
    expect(gpu([...bo, unbind(), unbindFinish(), touch()]).ret).toBe('SIGBUS');
    // the gone object is freed with its last reference
    expect(dmaBuf.held(gpu([...bo, regDmabuf(), unbind(), unbindFinish(), exit()]).state)).toEqual([]);
  });

  it('does not wait for a VRAM pin (no-wait): the pinned NIC DMAs to the gone BAR; waits-for-vram-pins waits', () => {
    const waits = gpu([...bo, pinnedMr(), unbind(), unbindFinish()], { unplug: 'waits-for-vram-pins' }, routed);
    expect(waits.ret).toBe('-EBUSY');
    expect(waits.events).toEqual([waitOn('dma_buf_unpin')]);
    expect(gpu([...bo, pinnedMr(), unbind(), deregMr(), unbindFinish()], { unplug: 'waits-for-vram-pins' }, routed).ret).toBe('0');
    const gone = gpu([...bo, pinnedMr(), unbind(), unbindFinish(), mrDma(0, 0, NIC1)], {}, routed);
    expect(gone.events).toEqual([dmaTo(0, true, NIC1, 'bus-addr')]);
    // a pin in GTT holds no VRAM: nothing to wait for
    expect(gpu([...bo, bindRx(), unbind(), unbindFinish()]).ret).toBe('0');
  });

  it('with revoke_waits, remove() also waits for a deferred importer to unmap', () => {
    const r = gpu([...bo, regDmabuf(), unbind(), unbindFinish()], { revoke_waits: 'unmap', fence: 'deferred' });
    expect(r.events).toEqual([waitOn('dma_buf_unmap_attachment')]);
  });
});

describe('two exporters: a revoke, a move or a remove() of one leaves the other alone', () => {
  /** e0 and e1 of two pages; p0 holds a buffer of each (a0 on e0 as fd0, a1 on e1 as fd1) and nic0 an ODP MR on each. */
  const two: Config = { ...withExporters([2, 2]), limits: roomy.limits };
  /** A GPU object of one page on each, exported as fd0 and fd1. */
  const gpuBoth = [mmap(1), primeExport(), mmap(1, { exporter: 1 }), primeExport(1)];
  const vfioBoth = [vfioDmaBuf(), vfioDmaBuf(0, 1, { exporter: 1 }), regDmabuf(0), regDmabuf(1)];
  const e1Page0 = { ...dmaTo(0), target: { mem: 'bar', exporter: 1, page: 0, stale: false } };

  it('VFIO: memory_off of e0 revokes and stales only e0\'s buffers', () => {
    const r = run([...vfioBoth, memoryOff(0), mrDma(1)], 'revoke-v7.1', {}, two);
    expect(r.rets).toEqual(['fd0', 'fd1', 'mr0', 'mr1', '0', '0']);
    expect(decode(r.state)).toMatchObject({ e0: { memory: false }, e1: { memory: true }, a0: { revoked: true }, a1: { revoked: false } });
    expect(r.events).toEqual([e1Page0]);
    const back = run([...vfioBoth, memoryOff(1), memoryOff(0), memoryOn(0)], 'revoke-v7.1', {}, two);
    expect(decode(back.state)).toMatchObject({ a0: { revoked: false }, a1: { revoked: true } });
  });

  it('VFIO: remove() of e0 waits for no unmap of e1 and stales none of its mappings', () => {
    const r = run([...vfioBoth, unbind(0), unbindFinish(0), mrDma(1)], 'revoke-v7.1', {}, two);
    expect(r.rets.slice(-3)).toEqual(['0', '0', '0']);
    expect(decode(r.state)).toMatchObject({ a0: { dead: true }, a1: { revoked: false, dead: false } });
    expect(r.events).toEqual([e1Page0]);
  });

  it('VFIO, deferred: e0\'s revoke drains without waiting for e1\'s', () => {
    expect(decode(run([...vfioBoth, memoryOff(0)], 'revoke-v7.1', { fence: 'deferred' }, two).state)).toMatchObject({ a0: { evicting: true }, a1: { evicting: false } });
    const r = run([...vfioBoth, memoryOff(1), memoryOff(0), ack(0), evictFinish(0)], 'revoke-v7.1', { fence: 'deferred' }, two);
    expect(r.rets.slice(-4)).toEqual(['0', '0', '0', '0']);
    expect(decode(r.state)).toMatchObject({ e0: { memory: false, pending: 'none' }, e1: { memory: true, pending: 'memory_off' } });
  });

  it('GPU: remove() of e0 tells only e0\'s importers and frees only e0\'s VRAM', () => {
    const both = [...gpuBoth, regDmabuf(0), regDmabuf(1)];
    const r = gpu([...both, unbind(0), unbindFinish(0), mrDma(1)], {}, two);
    expect(r.rets).toEqual(['vma0', 'fd0', 'vma1', 'fd1', 'mr0', 'mr1', '0', '0', '0']);
    expect(decode(r.state)).toMatchObject({ a0: { placement: 'gone' }, a1: { placement: 'vram' }, e1: { page0: { owner: 'a1' } } });
    expect(r.events).toEqual([e1Page0]);
    expect(gpu([...both, unbind(0)], {}, two).events).toEqual([invalidated(0)]);
  });

  it('GPU: remove() of e0 waits for no VRAM pin and no fence of e1', () => {
    const pinnedOnE1 = [...gpuBoth, pinnedMr(1, NIC0)];
    const pins = gpu([...pinnedOnE1, unbind(0), unbindFinish(0)], { unplug: 'waits-for-vram-pins' }, two);
    expect(decode(pins.state)).toMatchObject({ a1: { placement: 'vram', pins: 1 } });
    expect(pins.rets.slice(-2)).toEqual(['0', '0']);
    const fenceOnE1 = [...gpuBoth, regDmabuf(1), evict(1, 1)];
    const fences = gpu([...fenceOnE1, unbind(0), unbindFinish(0)], { fence: 'deferred' }, two);
    expect(decode(fences.state)).toMatchObject({ mr0: { pending_invalidation: true } });
    expect(fences.rets.slice(-2)).toEqual(['0', '0']);
  });
});

describe('one exporter, two buffers: each waits for its own importers', () => {
  /** a0 (page 0, fd0) and a1 (page 1, fd1) on e0, nic0 ODP MRs on both; the importer fences later. */
  const both = [vfioDmaBuf(), vfioDmaBuf(1, 1), regDmabuf(0), regDmabuf(1)];
  const deferredFence = { fence: 'deferred' };

  it('memory_off drains buffer by buffer: the write takes effect once the last one is unmapped', () => {
    const one = run([...both, memoryOff(), ack(0), evictFinish(0)], 'revoke-v7.1', deferredFence, roomy);
    expect(one.rets.slice(-3)).toEqual(['0', '0', '0']);
    expect(decode(one.state)).toMatchObject({ e0: { memory: true, pending: 'memory_off' }, a0: { evicting: false }, a1: { evicting: true } });
    const all = run([...both, memoryOff(), ack(0), evictFinish(0), ack(1), evictFinish(1)], 'revoke-v7.1', deferredFence, roomy);
    expect(decode(all.state)).toMatchObject({ e0: { memory: false, pending: 'none' } });
  });

  it('a buffer nothing maps does not wait', () => {
    const r = run([vfioDmaBuf(), vfioDmaBuf(1, 1), regDmabuf(0), memoryOff()], 'revoke-v7.1', deferredFence, roomy);
    expect(decode(r.state)).toMatchObject({ a0: { evicting: true }, a1: { evicting: false } });
  });
});

describe('knob settings no preset takes', () => {
  it('a pinned attachment maps at registration even with odp_map=first-fault, and is refused there without a route', () => {
    const knobs = { odp_map: 'first-fault' };
    const r = run([vfioDmaBuf(), pinnedMr(), mrDma(0, 0, NIC1)], 'vfio-v6.19-rc', knobs, routed);
    expect(r.rets).toEqual(['fd0', 'mr0', '0']);
    expect(r.events).toEqual([dmaTo(0, false, NIC1, 'bus-addr')]);
    expect(run([vfioDmaBuf(), pinnedMr()], 'vfio-v6.19-rc', knobs).ret).toBe('-EINVAL');
  });

  it('no_route=refuse spares a static attachment: it is pinned into GTT', () => {
    const r = gpu([...bo, bindRx(0, NIC1)], { no_route: 'refuse' });
    expect(r.ret).toBe('mr0');
    expect(decode(r.state).a0).toMatchObject({ placement: 'gtt', pins: 1 });
  });

  it('pin_domain=gtt moves pins only: a dynamic P2P attachment keeps the object in VRAM', () => {
    const r = gpu([...bo, regDmabuf(), mrDma()], { pin_domain: 'gtt' });
    expect(decode(r.state).a0).toMatchObject({ placement: 'vram' });
    expect(r.events).toEqual([dmaTo(0)]);
  });

  it('revoke_waits=unmap on a GPU: the move waits for an importer that ignores move_notify', () => {
    const knobs = { revoke_waits: 'unmap', importer: 'ignores' };
    const r = gpu([...bo, regDmabuf(), evict(), evictFinish()], knobs);
    expect(r.rets.slice(-2)).toEqual(['0', '-EBUSY']);
    expect(r.events).toEqual([waitOn('dma_buf_unmap_attachment')]);
    expect(decode(r.state).a0).toMatchObject({ placement: 'vram', evicting: true });
    const obeys = gpu([...bo, regDmabuf(), evict()], { revoke_waits: 'unmap' });
    expect(decode(obeys.state).a0).toMatchObject({ placement: 'gtt', evicting: false });
  });

  it('pinned_mr=revocable revokes pinned attachments, never a static one (net_devmem is not told)', () => {
    const r = gpu([...bo, bindRx(), unbind()], { pinned_mr: 'revocable' });
    expect(r.events).toEqual([]);
    expect(decode(r.state).mr0).toMatchObject({ attach: 'static', mapping: ['ram'] });
  });

  it('unplug=waits-for-vram-pins waits for a pin in this GPU\'s VRAM only, not one in GTT', () => {
    const r = gpu([...bo, pinnedMr(), unbind(), unbindFinish()], { unplug: 'waits-for-vram-pins' });
    expect(decode(r.state).a0).toMatchObject({ placement: 'gtt', pins: 1 });
    expect(r.ret).toBe('0');
  });
});

describe('the designs without a dma-buf exporter', () => {
  it.each([
    ['struct-page', structPage, '-ENOTTY'],
    ['vma-p2p', vmaP2p, '-EOPNOTSUPP'],
  ] as const)('%s answers the dma-buf calls as absent', (_name, design, prime) => {
    const state = design.init(defaultConfig, resolveKnobs(design as never, design.presets[0]!));
    const ret = (a: Action) => design.step(state as never, a).ret;
    expect(ret(vfioDmaBuf())).toBe('-ENOTTY');
    expect(ret(primeExport())).toBe(prime);
    expect(ret(regDmabuf())).toBe('-EBADF');
    expect(ret(pinnedMr())).toBe('-EBADF');
    expect(ret(bindRx())).toBe('-EBADF');
    expect(ret(close())).toBe('-EBADF');
    expect(ret(memoryOff())).toBe('-EOPNOTSUPP');
    expect(ret(memoryOn())).toBe('-EOPNOTSUPP');
    expect(ret(reset())).toBe('-EOPNOTSUPP');
    expect(ret(restore())).toBe('-EOPNOTSUPP');
    expect(ret(vfioDmaBuf(0, 1, { proc: 1 }))).toBe('-ESRCH');
    expect(ret(memoryOff(1))).toBe('-EBADF');
  });
});

describe('revoke-v7.1-rc: the cleanup puts again a kref a revoke drained (1a8a5227f229, fixed by c64a647c84f3)', () => {
  const rc = (actions: readonly Action[]) => run(actions, 'revoke-v7.1-rc');
  const underflow = 'e0: refcount_t: underflow; a dma-buf\'s kref put again after its revoke drained it';

  it('memory_off drains the kref of every buffer it revokes; memory_on re-inits it; the fixed kernel re-arms it at once', () => {
    expect(decode(rc([vfioDmaBuf(), memoryOff()]).state).a0).toMatchObject({ revoked: true, kref_drained: true });
    expect(decode(rc([vfioDmaBuf(), memoryOff(), memoryOn()]).state).a0).toEqual(expect.not.objectContaining({ kref_drained: true }));
    expect(decode(run([vfioDmaBuf(), memoryOff()]).state).a0).toEqual(expect.not.objectContaining({ kref_drained: true }));
    // v6.19 has no kref to drain
    expect(decode(run([vfioDmaBuf(), memoryOff()], 'vfio-v6.19').state).a0).toEqual(expect.not.objectContaining({ kref_drained: true }));
    // a reset with decoding on restores the buffer, and kref_init() with it
    expect(decode(rc([vfioDmaBuf(), reset()]).state).a0).toEqual(expect.not.objectContaining({ kref_drained: true }));
  });

  it('close after memory_off: refcount_t underflow, and unbind_finish waits for ever on priv->comp', () => {
    const hung = rc([...vfioOdp, memoryOff(), unbind()]);
    expect(hung.rets).toEqual(['fd0', 'mr0', '0', '0']);
    expect(dmaBuf.audit(hung.state)).toEqual([underflow]);
    expect(decode(hung.state).e0).toMatchObject({ driver: 'unbinding', cleanup_hung: true });
    const finish = rc([...vfioOdp, memoryOff(), unbind(), unbindFinish()]);
    expect(finish.ret).toBe('-EBUSY');
    expect(finish.events).toEqual([waitOn('priv->comp, consumed by the revoke')]);
    // nothing user space does ends it
    const after = rc([...vfioOdp, memoryOff(), unbind(), deregMr(), close(), unbindFinish()]);
    expect(after.rets.slice(-3)).toEqual(['0', '0', '-EBUSY']);
    expect(dmaBuf.view(after.state).exporters[0]!.driver).toBe('unbinding');
    expect(dmaBuf.held(after.state)).toEqual(['e0: vfio_pci_dma_buf_cleanup() blocked for good on priv->comp, holding memory_lock and the device registration']);
  });

  it('no hang for a buffer made while decoding is off (its kref whole), after memory_on, or in the fixed kernel', () => {
    const born = rc([memoryOff(), vfioDmaBuf(), unbind(), unbindFinish()]);
    expect(born.rets).toEqual(['0', 'fd0', '0', '0']);
    expect(dmaBuf.audit(born.state)).toEqual([]);
    expect(rc([vfioDmaBuf(), memoryOff(), memoryOn(), unbind(), unbindFinish()]).ret).toBe('0');
    const fixed = run([vfioDmaBuf(), memoryOff(), unbind(), unbindFinish()]);
    expect(fixed.ret).toBe('0');
    expect(dmaBuf.audit(fixed.state)).toEqual([]);
  });
});
