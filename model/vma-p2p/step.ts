// vma-p2p transitions, one function per action: guard first (the errno
// the kernel returns, state untouched), then the update.
import { firstFit, freeSlot, liveVma, procAlive, refuse, routeOf } from '../shared.js';
import type { Action, DmaTarget, Event, Step } from '../vocabulary.js';
import { VpDraft } from './draft.js';
import type { VpMapping, VpMr, VpState } from './state.js';

type A<K extends Action['kind']> = Extract<Action, { kind: K }>;

/** One handler per action kind: the mapped type makes a forgotten kind a compile error. */
const handlers: { [K in Action['kind']]: (s: VpState, a: A<K>) => Step<VpState> } = {
  proc_mmap: procMmap,
  proc_munmap: procMunmap,
  proc_fork: procFork,
  proc_exit: procExit,
  proc_touch: procTouch,
  proc_odirect: procOdirect,
  proc_kernel_copy: procKernelCopy,
  proc_reg_mr: procRegMr,
  proc_dereg_mr: procDeregMr,
  // O_DIRECT never gets past GUP on a VM_PFNMAP VMA: no request is ever in flight.
  dev_io_dma: (s) => refuse(s, '-EBADF'),
  dev_io_complete: (s) => refuse(s, '-EBADF'),
  dev_mr_dma: devMrDma,
  importer_ack_invalidate: importerAckInvalidate,
  exporter_evict: exporterEvict,
  exporter_evict_finish: exporterEvictFinish,
  exporter_unbind: exporterUnbind,
  exporter_unbind_finish: exporterUnbindFinish,
  inject_insert_fail: injectInsertFail,
};

export function step(state: VpState, action: Action): Step<VpState> {
  return (handlers[action.kind] as (s: VpState, a: Action) => Step<VpState>)(state, action);
}

// --- shared guards and effects -------------------------------------------

/** pci_test_p2p() (patch 1/5): upstream_bridge_distance() >= 0, or false as posted. */
const pciTestP2p = (s: VpState, importer: number, exporter: number) =>
  !s.knobs.testP2pAlwaysFalse && routeOf(s.config, importer, exporter) !== 'none';

/** p2p_map() calls of one object (or a whole BAR) that no p2p_unmap() has undone yet. */
const outstanding = (s: Pick<VpState, 'p2pMaps'>, which: { alloc: number } | { exporter: number }) =>
  s.p2pMaps.filter((m) => m.outstanding && ('alloc' in which ? m.alloc === which.alloc : m.exporter === which.exporter));

/** The driver's free path (vm_ops->close on the last VMA): BAR pages back to its allocator. */
function maybeFreeObject(d: VpDraft, alloc: number): void {
  const obj = d.objects[alloc]!;
  if (!obj.live || obj.vmas > 0) return;
  // exporter_waits=always: the BAR is held while any p2p_map of it is outstanding
  if (d.knobs.exporterWaits === 'always' && outstanding(d, { alloc }).length > 0) return;
  if (obj.placement === 'bar') d.freePages(obj.exporter, obj.pages);
  d.setObject(alloc, { live: false, evicting: false });
}

/** The importer's fence: stop the device, hmm_range_dma_unmap() -> vm_ops->p2p_unmap() per page. */
function fenceMr(d: VpDraft, mrId: number): void {
  const mr = d.mrs[mrId]!;
  const allocs = new Set<number>();
  for (const m of mr.mapped) {
    if (m?.mem !== 'bar') continue;
    const map = d.p2pMaps[m.p2p]!;
    d.p2pMaps[m.p2p] = { ...map, outstanding: false };
    d.events.push({ kind: 'p2p_unmap', importer: mr.importer, alloc: map.alloc });
    allocs.add(map.alloc);
  }
  d.setMr(mrId, { mapped: mr.mapped.map(() => null), pendingInvalidation: false });
  for (const alloc of allocs) maybeFreeObject(d, alloc);
}

const hasMappings = (mr: VpMr) => mr.live && mr.mapped.some((m) => m !== null);

/**
 * mmu_notifier_invalidate_range_start / mmu_notifier_release on one VMA:
 * the ODP MRs mirroring it hear of it. munmap and exit run the importer's
 * callback to completion (it fences in place); a revocation (zap by the
 * exporter) is fenced in place or later per revoke_fence. A legacy
 * importer ignores both.
 */
function invalidate(d: VpDraft, vmaId: number, why: 'unmap' | 'revoke'): void {
  d.mrs.forEach((mr, id) => {
    if (mr.vma !== vmaId || !hasMappings(mr)) return;
    d.events.push({ kind: 'invalidate', importer: mr.importer, mr: id });
    if (!d.knobs.importerObeys) return;
    if (why === 'unmap' || d.knobs.fenceInNotifier) fenceMr(d, id);
    else d.setMr(id, { pendingInvalidation: true });
  });
}

/** zap_vma_ptes(): CPU PTEs go; the notifier fires even where no PTE was present. */
function zapVma(d: VpDraft, vmaId: number): void {
  d.setVma(vmaId, { ptes: false });
  invalidate(d, vmaId, 'revoke');
}

/** unmap_region()/exit_mmap(): notifier, then remove_vma() -> vm_ops->close. */
function closeVma(d: VpDraft, vmaId: number): void {
  invalidate(d, vmaId, 'unmap');
  const vma = d.vmas[vmaId]!;
  d.setVma(vmaId, { mapped: false, ptes: false });
  d.setObject(vma.alloc, { vmas: d.objects[vma.alloc]!.vmas - 1 });
  maybeFreeObject(d, vma.alloc);
}

/** ib_umem_odp_release(): hmm_range_dma_unmap() of what is mapped, then the MR is gone. */
function releaseMr(d: VpDraft, mrId: number): void {
  const mr = d.mrs[mrId]!;
  // hmm_vma_p2p_unmap(): BUG() without a VMA; the oops is not modelled, the p2p_map just stays
  if (d.vmas[mr.vma]!.mapped || !d.knobs.unmapWithoutVmaBugs) fenceMr(d, mrId);
  d.setMr(mrId, { live: false, mapped: mr.mapped.map(() => null), pendingInvalidation: false });
}

// --- user space ---------------------------------------------------------

/** The exporter's f_op->mmap: a VM_IO|VM_PFNMAP VMA whose vm_ops carry p2p_map/p2p_unmap. */
function procMmap(s: VpState, a: A<'proc_mmap'>): Step<VpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const ex = s.exporters[a.exporter];
  if (!ex) return refuse(s, '-EBADF');
  if (a.pages < 1) return refuse(s, '-EINVAL');
  if (ex.driver !== 'bound') return refuse(s, '-ENODEV'); // drm_dev_enter() fails after unplug
  if (!a.shared) return refuse(s, '-EINVAL'); // is_cow_mapping(): no COW of a PFNMAP
  if (a.offset !== 0) return refuse(s, '-EINVAL'); // vm_pgoff names no object

  const d = new VpDraft(s);
  const allocId = s.objects.length;
  const run = firstFit(s.exporters[a.exporter]!.pages, a.pages);
  // a full BAR is no error: the driver places the object in system RAM
  const obj = { exporter: a.exporter, npages: a.pages, pages: run ?? [], evicting: false };
  const placement = run ? ('bar' as const) : ('ram' as const);
  if (run) d.claimPages(a.exporter, run, allocId);
  const failAt = s.injectInsertFail;
  d.injectInsertFail = null; // consumed by this mmap whether or not it reaches the nth insert
  if (failAt !== null && failAt < a.pages) {
    // io_remap_pfn_range() -> -ENOMEM; mmap_region() unwinds and the object is freed
    d.objects.push({ ...obj, placement, vmas: 0, live: false });
    if (run) d.freePages(a.exporter, run);
    return d.done('-ENOMEM');
  }
  d.objects.push({ ...obj, placement, vmas: 1, live: true });
  const vmaId = d.vmas.length;
  d.vmas.push({ proc: a.proc, exporter: a.exporter, alloc: allocId, npages: a.pages, mapped: true, ptes: true });
  return d.done(`vma${vmaId}`);
}

function procMunmap(s: VpState, a: A<'proc_munmap'>): Step<VpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  if (!liveVma(s.vmas, a.proc, a.vma)) return refuse(s, '-EBADF');
  const d = new VpDraft(s);
  closeVma(d, a.vma);
  return d.done('0');
}

/** dup_mmap(): VM_PFNMAP PTEs are copied, vm_ops->open takes the object; the child's mm is not mirrored. */
function procFork(s: VpState, a: A<'proc_fork'>): Step<VpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const child = freeSlot(s.procs);
  if (child === null) return refuse(s, '-EAGAIN');
  const d = new VpDraft(s);
  d.procs[child] = { alive: true, born: true };
  s.vmas.forEach((vma) => {
    if (vma.proc !== a.proc || !vma.mapped) return;
    d.vmas.push({ ...vma, proc: child });
    d.setObject(vma.alloc, { vmas: d.objects[vma.alloc]!.vmas + 1 });
  });
  return d.done(`p${child}`);
}

/** do_exit(): exit_mmap() (mmu_notifier_release, then the VMAs) and exit_files() -> ib_dereg_mr(). */
function procExit(s: VpState, a: A<'proc_exit'>): Step<VpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const d = new VpDraft(s);
  s.vmas.forEach((vma, id) => {
    if (vma.proc === a.proc && vma.mapped) closeVma(d, id);
  });
  s.mrs.forEach((mr, id) => {
    if (mr.proc === a.proc && mr.live) releaseMr(d, id);
  });
  d.procs[a.proc] = { alive: false, born: true };
  return d.done('0');
}

/** A user load/store; without a PTE the exporter's vm_ops->fault maps wherever the object is now. */
function procTouch(s: VpState, a: A<'proc_touch'>): Step<VpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const vma = s.vmas[a.vma];
  if (!vma || vma.proc !== a.proc) return refuse(s, '-EBADF');
  if (!vma.mapped || a.page < 0 || a.page >= vma.npages) return refuse(s, 'SIGSEGV');
  const obj = s.objects[vma.alloc]!;
  const access: Event[] =
    obj.placement === 'bar'
      ? [{ kind: 'cpu_access', by: 'user', exporter: vma.exporter, page: obj.pages[a.page]! }]
      : [];
  if (vma.ptes) return { state: s, ret: '0', events: access };
  // vm_ops->fault: the driver is gone (VM_FAULT_SIGBUS)
  if (s.exporters[vma.exporter]!.driver !== 'bound')
    return { state: s, ret: 'SIGBUS', events: [{ kind: 'sigbus', proc: a.proc }] };
  const d = new VpDraft(s);
  d.setVma(a.vma, { ptes: true }); // vmf_insert_pfn(): BAR while in VRAM, RAM once evicted
  d.events.push(...access);
  return d.done('0');
}

/** __bio_iov_iter_get_pages() -> GUP: check_vma_flags() refuses VM_IO|VM_PFNMAP. */
function procOdirect(s: VpState, a: A<'proc_odirect'>): Step<VpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const imp = s.config.importers[a.importer];
  if (!imp) return refuse(s, '-EBADF');
  if (imp.kind !== 'nvme') return refuse(s, '-EINVAL');
  return refuse(s, '-EFAULT');
}

/** process_vm_readv(): pin_user_pages_remote() -> check_vma_flags(): -EFAULT on VM_PFNMAP. */
function procKernelCopy(s: VpState, a: A<'proc_kernel_copy'>): Step<VpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  return refuse(s, '-EFAULT');
}

/** ib_umem_get() pins through GUP (-EFAULT here); ODP: ib_umem_odp_get() registers a notifier only. */
function procRegMr(s: VpState, a: A<'proc_reg_mr'>): Step<VpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const imp = s.config.importers[a.importer];
  if (!imp) return refuse(s, '-EBADF');
  if (imp.kind !== 'rdma') return refuse(s, '-EINVAL');
  const vma = liveVma(s.vmas, a.proc, a.vma);
  if (!vma) return refuse(s, '-EFAULT');
  if (a.odp && !imp.odp) return refuse(s, '-EOPNOTSUPP'); // no IB_ODP_SUPPORT
  if (!a.odp) return refuse(s, '-EFAULT'); // pin_user_pages_fast() -> check_vma_flags()
  const d = new VpDraft(s);
  const mrId = d.mrs.length;
  d.mrs.push({
    importer: a.importer,
    proc: a.proc,
    vma: a.vma,
    live: true,
    mapped: Array.from({ length: vma.npages }, () => null),
    pendingInvalidation: false,
  });
  return d.done(`mr${mrId}`);
}

function procDeregMr(s: VpState, a: A<'proc_dereg_mr'>): Step<VpState> {
  const mr = s.mrs[a.mr];
  if (!mr || mr.proc !== a.proc || !mr.live) return refuse(s, '-EBADF');
  const d = new VpDraft(s);
  releaseMr(d, a.mr);
  return d.done('0');
}

// --- devices --------------------------------------------------------------

function dmaEvent(s: Pick<VpState, 'config' | 'p2pMaps'>, importer: number, m: VpMapping): Event {
  if (m.mem === 'ram') return { kind: 'dma', importer, path: 'mr', target: { mem: 'ram' }, route: 'host-bridge' };
  const { exporter, page, alloc, gen } = s.p2pMaps[m.p2p]!;
  const target: DmaTarget = { mem: 'bar', exporter, page, alloc, gen };
  return { kind: 'dma', importer, path: 'mr', target, route: routeOf(s.config, importer, exporter) };
}

/** The NIC accesses an MR page: through its dma_list, or after an ODP page fault. */
function devMrDma(s: VpState, a: A<'dev_mr_dma'>): Step<VpState> {
  const mr = s.mrs[a.mr];
  if (!mr || mr.importer !== a.importer || !mr.live) return refuse(s, '-EBADF');
  if (a.page < 0 || a.page >= mr.mapped.length) return refuse(s, '-EINVAL');
  const mapping = mr.mapped[a.page];
  // a pending invalidation does not stop the device: the hazard window of DOMAIN.md §7
  if (mapping) return { state: s, ret: '0', events: [dmaEvent(s, a.importer, mapping)] };
  return odpFault(s, a, mr);
}

/** NIC page fault -> hmm_range_dma_map() over the whole MR -> vma->vm_ops->p2p_map(). */
function odpFault(s: VpState, a: A<'dev_mr_dma'>, mr: VpMr): Step<VpState> {
  const vma = s.vmas[mr.vma]!;
  if (!vma.mapped) return refuse(s, '-EFAULT'); // _hmm_range_fault(): find_vma() == NULL
  if (s.exporters[vma.exporter]!.driver !== 'bound') return refuse(s, '-ENODEV'); // p2p_map after unplug
  const obj = s.objects[vma.alloc]!;
  // the exporter serialises p2p_map against its revocation: retry once it is in RAM
  if (obj.evicting) return refuse(s, '-EAGAIN');
  if (obj.placement === 'ram') {
    // p2p_map() hands out system-RAM addresses of the evicted object
    const d = new VpDraft(s);
    d.setMr(a.mr, { mapped: mr.mapped.map((m) => m ?? { mem: 'ram' }) });
    d.events.push(dmaEvent(s, a.importer, { mem: 'ram' }));
    return d.done('0');
  }
  if (!pciTestP2p(s, a.importer, vma.exporter)) return refuse(s, '-EREMOTEIO');
  const todo = mr.mapped.flatMap((m, i) => (m ? [] : [i]));
  const d = new VpDraft(s);
  const failAt = s.injectInsertFail;
  // the injection is spent only by a map that reaches its nth p2p_map
  if (failAt !== null && failAt < todo.length) {
    d.injectInsertFail = null;
    const done = todo.slice(0, failAt);
    const call = (kind: 'p2p_map' | 'p2p_unmap'): Event => ({ kind, importer: a.importer, alloc: vma.alloc });
    d.events.push(...done.map(() => call('p2p_map')));
    // as posted the unwind does `mapped--; continue` on P2P entries: never p2p_unmap'ed
    if (d.knobs.unwindLeaks) d.p2pMaps.push(...done.map((i) => p2pMapOf(s, a.importer, vma.alloc, i)));
    else d.events.push(...done.map(() => call('p2p_unmap')));
    return d.done('-EFAULT');
  }
  const mapped = [...mr.mapped];
  for (const i of todo) {
    mapped[i] = { mem: 'bar', p2p: d.p2pMaps.length };
    d.p2pMaps.push(p2pMapOf(s, a.importer, vma.alloc, i));
    d.events.push({ kind: 'p2p_map', importer: a.importer, alloc: vma.alloc });
  }
  d.setMr(a.mr, { mapped });
  d.events.push(dmaEvent(d, a.importer, mapped[a.page]!));
  return d.done('0');
}

/** What p2p_map() hands out for page `i` of an object in the BAR. */
function p2pMapOf(s: VpState, importer: number, alloc: number, i: number) {
  const obj = s.objects[alloc]!;
  const page = obj.pages[i]!;
  const gen = s.exporters[obj.exporter]!.pages[page]!.gen;
  return { importer, exporter: obj.exporter, page, alloc, gen, outstanding: true };
}

/** The importer's deferred fence after a revocation: stop the device, p2p_unmap() everything. */
function importerAckInvalidate(s: VpState, a: A<'importer_ack_invalidate'>): Step<VpState> {
  const mr = s.mrs[a.mr];
  if (!mr || mr.importer !== a.importer || !mr.live) return refuse(s, '-EBADF');
  if (!mr.pendingInvalidation) return refuse(s, '-ENOENT');
  const d = new VpDraft(s);
  fenceMr(d, a.mr);
  return d.done('0');
}

// --- exporter driver ----------------------------------------------------------

/** The move itself (ttm_bo_move_memcpy-like): BAR pages freed, the object lives in RAM from now on. */
function moveToRam(d: VpDraft, alloc: number): void {
  const obj = d.objects[alloc]!;
  d.freePages(obj.exporter, obj.pages);
  d.setObject(alloc, { placement: 'ram', pages: [], evicting: false });
}

const vmasOf = (s: VpState, alloc: number) => s.vmas.flatMap((v, id) => (v.alloc === alloc && v.mapped ? [id] : []));

/** VRAM eviction: zap_vma_ptes() on every VMA of the object, then wait for p2p_unmap (or not). */
function exporterEvict(s: VpState, a: A<'exporter_evict'>): Step<VpState> {
  const obj = s.objects[a.alloc];
  if (!obj || obj.exporter !== a.exporter) return refuse(s, '-EBADF');
  if (!obj.live || obj.placement !== 'bar') return refuse(s, '-ENOENT');
  if (s.exporters[a.exporter]!.driver !== 'bound') return refuse(s, '-ENODEV');
  if (obj.evicting) return refuse(s, '-EBUSY');
  const d = new VpDraft(s);
  for (const id of vmasOf(s, a.alloc)) zapVma(d, id);
  if (s.knobs.exporterWaits === 'never') moveToRam(d, a.alloc);
  else d.setObject(a.alloc, { evicting: true });
  return d.done('0');
}

/** The move runs once no p2p_map of the object is outstanding. */
function exporterEvictFinish(s: VpState, a: A<'exporter_evict_finish'>): Step<VpState> {
  const obj = s.objects[a.alloc];
  if (!obj || obj.exporter !== a.exporter || !obj.evicting) return refuse(s, '-EBADF');
  if (outstanding(s, { alloc: a.alloc }).length > 0)
    return { state: s, ret: '-EBUSY', events: [{ kind: 'wait', exporter: a.exporter, on: 'p2p_unmap' }] };
  const d = new VpDraft(s);
  // the fault handler may have mapped the BAR again meanwhile; no MR maps it any more
  for (const id of vmasOf(s, a.alloc)) zapVma(d, id);
  moveToRam(d, a.alloc);
  return d.done('0');
}

/** remove(): zap every VMA of the device (unmap_mapping_range), importers hear of it. */
function exporterUnbind(s: VpState, a: A<'exporter_unbind'>): Step<VpState> {
  const ex = s.exporters[a.exporter];
  if (!ex) return refuse(s, '-EBADF');
  if (ex.driver !== 'bound') return refuse(s, '-ENODEV');
  const d = new VpDraft(s);
  s.vmas.forEach((vma, id) => {
    if (vma.exporter === a.exporter && vma.mapped) zapVma(d, id);
  });
  d.setExporter(a.exporter, { driver: 'unbinding' });
  return d.done('0');
}

/** remove() returns once every p2p_map of the BAR is undone (Gunthorpe on hot-unplug); the BAR goes. */
function exporterUnbindFinish(s: VpState, a: A<'exporter_unbind_finish'>): Step<VpState> {
  const ex = s.exporters[a.exporter];
  if (ex?.driver !== 'unbinding') return refuse(s, '-EBADF');
  if (s.knobs.exporterWaits !== 'never' && outstanding(s, { exporter: a.exporter }).length > 0)
    return { state: s, ret: '-EBUSY', events: [{ kind: 'wait', exporter: a.exporter, on: 'p2p_unmap' }] };
  const d = new VpDraft(s);
  d.setExporter(a.exporter, { driver: 'unbound' });
  s.objects.forEach((obj, id) => {
    if (obj.exporter !== a.exporter || !obj.live || obj.placement !== 'bar') return;
    d.freePages(a.exporter, obj.pages);
    d.setObject(id, { placement: 'gone', pages: [], evicting: false });
  });
  return d.done('0');
}

function injectInsertFail(s: VpState, a: A<'inject_insert_fail'>): Step<VpState> {
  if (a.nth < 0) return refuse(s, '-EINVAL');
  if (s.injectInsertFail !== null) return refuse(s, '-EBUSY');
  const d = new VpDraft(s);
  d.injectInsertFail = a.nth;
  return d.done('0');
}
