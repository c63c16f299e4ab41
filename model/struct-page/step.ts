// struct-page transitions, one function per action: guard first (the
// errno the kernel returns, state untouched), then the update.
import { firstFit, freeSlot, liveVma, procAlive, refuse, routeOf } from '../shared.js';
import type { Action, Errno, Step } from '../vocabulary.js';
import { SpDraft } from './draft.js';
import type { SpPin, SpState, SpVma } from './state.js';

type A<K extends Action['kind']> = Extract<Action, { kind: K }>;

/** One handler per action kind: the mapped type makes a forgotten kind a compile error. */
const handlers: { [K in Action['kind']]: (s: SpState, a: A<K>) => Step<SpState> } = {
  proc_mmap: procMmap,
  proc_munmap: procMunmap,
  proc_fork: procFork,
  proc_exit: procExit,
  proc_touch: procTouch,
  proc_odirect: procOdirect,
  proc_kernel_copy: procKernelCopy,
  proc_reg_mr: procRegMr,
  proc_dereg_mr: procDeregMr,
  dev_io_dma: devIoDma,
  dev_io_complete: devIoComplete,
  dev_mr_dma: devMrDma,
  // ODP invalidation is fenced inside the notifier: nothing is ever pending.
  importer_ack_invalidate: (s) => refuse(s, '-ENOENT'),
  exporter_evict: exporterEvict,
  exporter_evict_finish: exporterEvictFinish,
  exporter_unbind: exporterUnbind,
  exporter_unbind_finish: exporterUnbindFinish,
  inject_insert_fail: injectInsertFail,
};

export function step(state: SpState, action: Action): Step<SpState> {
  return (handlers[action.kind] as (s: SpState, a: Action) => Step<SpState>)(state, action);
}

// --- shared guards and effects -------------------------------------------

/** The pin a GUP caller gets for a present page: what it was handed. */
function pinOf(s: SpState | SpDraft, exporter: number, page: number): SpPin {
  const p = s.exporters[exporter]!.pages[page]!;
  return { exporter, page, alloc: p.owner ?? -1, gen: p.gen };
}

/** unmap_mapping_range()/zap_page_range_single(): drop the PTE refs; ODP notifiers fire. */
function zapVma(d: SpDraft, vmaId: number): void {
  const vma = d.vmas[vmaId]!;
  if (!vma.ptes) return;
  d.vmas[vmaId] = { ...vma, ptes: false };
  for (const p of vma.pages) d.putPage(vma.exporter, p);
  d.mrs.forEach((mr, id) => {
    if (!mr.live || !mr.odp || mr.vma !== vmaId) return;
    // mmu_interval_notifier invalidate: ib_umem_odp_unmap_dma_pages(), fenced in place
    d.mrs[id] = { ...mr, odpMapped: mr.odpMapped.map(() => null) };
    d.events.push({ kind: 'invalidate', importer: mr.importer, mr: id });
  });
}

function unmapVma(d: SpDraft, vmaId: number): void {
  zapVma(d, vmaId);
  d.vmas[vmaId] = { ...d.vmas[vmaId]!, mapped: false };
}

function releaseMr(d: SpDraft, mrId: number): void {
  const mr = d.mrs[mrId]!;
  for (const pin of mr.pinned) {
    d.putPage(pin.exporter, pin.page);
    d.events.push({ kind: 'unpin', exporter: pin.exporter, page: pin.page });
  }
  d.mrs[mrId] = { ...mr, live: false, odpMapped: mr.odpMapped.map(() => null) };
}

// --- user space ---------------------------------------------------------

/** p2pmem_alloc_mmap(), checks in the kernel's order. */
function procMmap(s: SpState, a: A<'proc_mmap'>): Step<SpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const ex = s.exporters[a.exporter];
  if (!ex) return refuse(s, '-EBADF');
  if (a.pages < 1) return refuse(s, '-EINVAL');
  // kernfs_fop_mmap(): kernfs_get_active() fails once the file is removed
  if (ex.driver !== 'bound') return refuse(s, '-ENODEV');
  if (!a.shared) return refuse(s, '-EINVAL'); // !(vma->vm_flags & VM_MAYSHARE)
  if (a.offset !== 0) return refuse(s, '-EINVAL'); // vma->vm_pgoff
  const run = firstFit(s.exporters[a.exporter]!.pages, a.pages);
  if (!run) return refuse(s, '-ENOMEM');
  if (ex.ref_dead) return refuse(s, '-ENODEV'); // percpu_ref_tryget_live_rcu()

  const d = new SpDraft(s);
  const allocId = s.allocs.length;
  const failAt = s.injectInsertFail;
  d.injectInsertFail = null;
  d.addPgmapRef(a.exporter, 1); // the temporary tryget_live ref
  for (const [i, p] of run.entries()) {
    if (i === failAt) return mmapInsertFailed(d, a.exporter, run, i);
    // set_page_count(1); vm_insert_page() takes a ref; put_page(): rests at 1
    d.setPage(a.exporter, p, { refcount: 1, owner: allocId });
    if (s.knobs.pagePgmapRef) d.addPgmapRef(a.exporter, 1);
  }
  d.addPgmapRef(a.exporter, -1);
  d.allocs.push({ exporter: a.exporter, pages: run, evicting: false });
  const vmaId = d.vmas.length;
  d.vmas.push({ proc: a.proc, exporter: a.exporter, alloc: allocId, pages: run, mapped: true, ptes: true });
  return d.done(`vma${vmaId}`);
}

/** vm_insert_page() failed on page `i`: free the rest, the mmap error path zaps the rest. */
function mmapInsertFailed(d: SpDraft, exporter: number, run: number[], i: number): Step<SpState> {
  const failed = run[i]!;
  for (const p of run.slice(i)) {
    const page = d.exporters[exporter]!.pages[p]!;
    const stale = p === failed && !d.knobs.insertFailResetsCount;
    d.setPage(exporter, p, { refcount: stale ? 1 : 0, owner: null, gen: page.gen + 1 });
  }
  if (d.knobs.insertFailPutsRef) d.addPgmapRef(exporter, -1);
  for (const p of run.slice(0, i)) d.putPage(exporter, p); // vm_munmap() of the half-built VMA
  return d.done('-ENOMEM');
}

function procMunmap(s: SpState, a: A<'proc_munmap'>): Step<SpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  if (!liveVma(s.vmas, a.proc, a.vma)) return refuse(s, '-EBADF');
  const d = new SpDraft(s);
  unmapVma(d, a.vma);
  return d.done('0');
}

/** dup_mmap(): vma_needs_copy() is true for VM_MIXEDMAP, so PTEs are copied. */
function procFork(s: SpState, a: A<'proc_fork'>): Step<SpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const child = freeSlot(s.procs);
  if (child === null) return refuse(s, '-EAGAIN');
  const d = new SpDraft(s);
  d.procs[child] = { alive: true, born: true };
  s.vmas.forEach((vma) => {
    if (vma.proc !== a.proc || !vma.mapped) return;
    d.vmas.push({ ...vma, proc: child });
    if (vma.ptes) for (const p of vma.pages) d.getPage(vma.exporter, p);
  });
  return d.done(`p${child}`);
}

/** do_exit(): exit_mmap() then exit_files() -> uverbs release -> ib_dereg_mr(). */
function procExit(s: SpState, a: A<'proc_exit'>): Step<SpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const d = new SpDraft(s);
  s.vmas.forEach((vma, id) => {
    if (vma.proc === a.proc && vma.mapped) unmapVma(d, id);
  });
  s.mrs.forEach((mr, id) => {
    if (mr.proc === a.proc && mr.live) releaseMr(d, id);
  });
  d.procs[a.proc] = { alive: false, born: true };
  return d.done('0');
}

/** A user load/store; without a PTE, kernfs_vma_fault() has no ->fault: SIGBUS. */
function procTouch(s: SpState, a: A<'proc_touch'>): Step<SpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const vma = s.vmas[a.vma];
  if (!vma || vma.proc !== a.proc) return refuse(s, '-EBADF');
  if (!vma.mapped || a.page < 0 || a.page >= vma.pages.length) return refuse(s, 'SIGSEGV');
  if (!vma.ptes) return { state: s, ret: 'SIGBUS', events: [{ kind: 'sigbus', proc: a.proc }] };
  const page = vma.pages[a.page]!;
  return { state: s, ret: '0', events: [{ kind: 'cpu_access', by: 'user', exporter: vma.exporter, page }] };
}

/** Shared GUP checks for one page of a live VMA: fault, then try_grab_page(). */
function gupPage(s: SpState, vma: SpVma | undefined, page: number, p2pdma: boolean): Errno | null {
  if (!vma || page < 0 || page >= vma.pages.length) return '-EFAULT';
  if (!vma.ptes) return '-EFAULT'; // handle_mm_fault() -> VM_FAULT_SIGBUS
  if (s.knobs.gupGate && !p2pdma) return '-EREMOTEIO'; // !FOLL_PCI_P2PDMA && is_pci_p2pdma_page()
  return null;
}

/** pci_p2pdma_map_type() at DMA-map time; NOT_SUPPORTED fails when checked. */
function mapFails(s: SpState, importer: number, exporter: number): boolean {
  return s.knobs.mapChecksRoute && routeOf(s.config, importer, exporter) === 'none';
}

/** __bio_iov_iter_get_pages(): FOLL_PCI_P2PDMA iff blk_queue_pci_p2pdma(q). */
function procOdirect(s: SpState, a: A<'proc_odirect'>): Step<SpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const imp = s.config.importers[a.importer];
  if (!imp) return refuse(s, '-EBADF');
  if (imp.kind !== 'nvme') return refuse(s, '-EINVAL');
  const vma = liveVma(s.vmas, a.proc, a.vma);
  const err = gupPage(s, vma, a.page, imp.p2pQueue);
  if (err) return refuse(s, err);
  const page = vma!.pages[a.page]!;
  // blk_rq_dma_map / dma_map_sgtable: -EREMOTEIO (blk-mq-dma: BLK_STS_INVAL)
  if (mapFails(s, a.importer, vma!.exporter)) return refuse(s, '-EREMOTEIO');
  const d = new SpDraft(s);
  d.getPage(vma!.exporter, page);
  d.events.push({ kind: 'pin', exporter: vma!.exporter, page });
  const ioId = d.ios.length;
  d.ios.push({ importer: a.importer, pin: pinOf(s, vma!.exporter, page), read: a.read, inflight: true });
  return d.done(`io${ioId}`);
}

/** process_vm_readv(): pin_user_pages_remote() without FOLL_PCI_P2PDMA, kmap, memcpy, unpin. */
function procKernelCopy(s: SpState, a: A<'proc_kernel_copy'>): Step<SpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const vma = liveVma(s.vmas, a.proc, a.vma);
  const err = gupPage(s, vma, a.page, false);
  if (err) return refuse(s, err);
  const exporter = vma!.exporter;
  const page = vma!.pages[a.page]!;
  return {
    state: s,
    ret: '0',
    events: [
      { kind: 'pin', exporter, page },
      { kind: 'cpu_access', by: 'kernel', exporter, page },
      { kind: 'unpin', exporter, page },
    ],
  };
}

/** ib_umem_get(): pin_user_pages_fast(FOLL_LONGTERM); ODP: ib_umem_odp_get(), nothing pinned. */
function procRegMr(s: SpState, a: A<'proc_reg_mr'>): Step<SpState> {
  if (!procAlive(s.procs, a.proc)) return refuse(s, '-ESRCH');
  const imp = s.config.importers[a.importer];
  if (!imp) return refuse(s, '-EBADF');
  if (imp.kind !== 'rdma') return refuse(s, '-EINVAL');
  const vma = liveVma(s.vmas, a.proc, a.vma);
  if (!vma) return refuse(s, '-EFAULT');
  if (a.odp && !imp.odp) return refuse(s, '-EOPNOTSUPP');
  const mrId = s.mrs.length;
  const base = { importer: a.importer, proc: a.proc, vma: a.vma, odp: a.odp, live: true };
  if (a.odp) {
    const d = new SpDraft(s);
    d.mrs.push({ ...base, pinned: [], odpMapped: vma.pages.map(() => null) });
    return d.done(`mr${mrId}`);
  }
  for (let i = 0; i < vma.pages.length; i++) {
    const err = gupPage(s, vma, i, s.knobs.umemP2pdma);
    if (err) return refuse(s, err);
  }
  // is_valid_gup_args(): FOLL_LONGTERM with P2PDMA pages refused (pin_user_pages_fast: -EINVAL)
  if (!s.knobs.longtermAllowed) return refuse(s, '-EINVAL');
  if (mapFails(s, a.importer, vma.exporter)) return refuse(s, '-EREMOTEIO'); // ib_dma_map_sgtable_attrs()
  const d = new SpDraft(s);
  const pinned = vma.pages.map((p) => pinOf(s, vma.exporter, p));
  for (const p of vma.pages) {
    d.getPage(vma.exporter, p);
    d.events.push({ kind: 'pin', exporter: vma.exporter, page: p });
  }
  d.mrs.push({ ...base, pinned, odpMapped: [] });
  return d.done(`mr${mrId}`);
}

function procDeregMr(s: SpState, a: A<'proc_dereg_mr'>): Step<SpState> {
  const mr = s.mrs[a.mr];
  if (!mr || mr.proc !== a.proc || !mr.live) return refuse(s, '-EBADF');
  const d = new SpDraft(s);
  releaseMr(d, a.mr);
  return d.done('0');
}

// --- devices --------------------------------------------------------------

function dmaTo(s: SpState, importer: number, path: 'odirect' | 'mr', pin: SpPin): Step<SpState> {
  const target = { mem: 'bar' as const, ...pin };
  const route = routeOf(s.config, importer, pin.exporter);
  return { state: s, ret: '0', events: [{ kind: 'dma', importer, path, target, route }] };
}

function devIoDma(s: SpState, a: A<'dev_io_dma'>): Step<SpState> {
  const io = s.ios[a.io];
  if (!io || io.importer !== a.importer || !io.inflight) return refuse(s, '-EBADF');
  return dmaTo(s, a.importer, 'odirect', io.pin);
}

/** bio_endio() -> bio_release_pages(): the O_DIRECT pin is dropped. */
function devIoComplete(s: SpState, a: A<'dev_io_complete'>): Step<SpState> {
  const io = s.ios[a.io];
  if (!io || io.importer !== a.importer || !io.inflight) return refuse(s, '-EBADF');
  const d = new SpDraft(s);
  d.ios[a.io] = { ...io, inflight: false };
  d.putPage(io.pin.exporter, io.pin.page);
  d.events.push({ kind: 'unpin', exporter: io.pin.exporter, page: io.pin.page });
  return d.done('0');
}

/** NIC access through an MR; ODP faults via hmm_range_fault() then DMA-maps the page. */
function devMrDma(s: SpState, a: A<'dev_mr_dma'>): Step<SpState> {
  const mr = s.mrs[a.mr];
  if (!mr || mr.importer !== a.importer || !mr.live) return refuse(s, '-EBADF');
  const vma = s.vmas[mr.vma]!;
  if (a.page < 0 || a.page >= vma.pages.length) return refuse(s, '-EINVAL');
  if (!mr.odp) return dmaTo(s, a.importer, 'mr', mr.pinned[a.page]!);
  const mapped = mr.odpMapped[a.page];
  if (mapped) return dmaTo(s, a.importer, 'mr', mapped);
  if (!vma.mapped || !vma.ptes) return refuse(s, '-EFAULT'); // hmm_range_fault(): no PTE, SIGBUS
  if (!s.knobs.odpP2pdma) return refuse(s, '-EFAULT');
  if (mapFails(s, a.importer, vma.exporter)) return refuse(s, '-EREMOTEIO');
  const pin = pinOf(s, vma.exporter, vma.pages[a.page]!);
  const d = new SpDraft(s);
  d.mrs[a.mr] = { ...mr, odpMapped: mr.odpMapped.map((m, i) => (i === a.page ? pin : m)) };
  d.events.push(...dmaTo(s, a.importer, 'mr', pin).events);
  return d.done('0');
}

// --- exporter driver ----------------------------------------------------------

const allocLive = (s: SpState, alloc: number) =>
  s.allocs[alloc]!.pages.some((p) => s.exporters[s.allocs[alloc]!.exporter]!.pages[p]!.owner === alloc);

/**
 * p2pdma has no per-allocation revoke: the most a provider can do is what
 * unbind does, for one range: unmap_mapping_range() and wait for page refs.
 */
function exporterEvict(s: SpState, a: A<'exporter_evict'>): Step<SpState> {
  const alloc = s.allocs[a.alloc];
  if (!alloc || alloc.exporter !== a.exporter) return refuse(s, '-EBADF');
  if (!allocLive(s, a.alloc)) return refuse(s, '-ENOENT');
  if (s.exporters[a.exporter]!.driver !== 'bound') return refuse(s, '-ENODEV');
  if (alloc.evicting) return refuse(s, '-EBUSY');
  const d = new SpDraft(s);
  d.allocs[a.alloc] = { ...alloc, evicting: true };
  s.vmas.forEach((vma, id) => {
    if (vma.alloc === a.alloc) zapVma(d, id);
  });
  return d.done('0');
}

/** The allocation's pages are back in the pool once every page ref is gone. */
function exporterEvictFinish(s: SpState, a: A<'exporter_evict_finish'>): Step<SpState> {
  const alloc = s.allocs[a.alloc];
  if (!alloc || alloc.exporter !== a.exporter || !alloc.evicting) return refuse(s, '-EBADF');
  if (allocLive(s, a.alloc))
    return { state: s, ret: '-EBUSY', events: [{ kind: 'wait', exporter: a.exporter, on: 'page refs' }] };
  const d = new SpDraft(s);
  d.allocs[a.alloc] = { ...alloc, evicting: false };
  return d.done('0');
}

/** devm teardown: pci_p2pdma_unmap_mappings() zaps every user PTE; memunmap_pages() kills the ref. */
function exporterUnbind(s: SpState, a: A<'exporter_unbind'>): Step<SpState> {
  const ex = s.exporters[a.exporter];
  if (!ex) return refuse(s, '-EBADF');
  if (ex.driver !== 'bound') return refuse(s, '-ENODEV');
  const d = new SpDraft(s);
  s.vmas.forEach((vma, id) => {
    if (vma.exporter === a.exporter) zapVma(d, id);
  });
  // percpu_ref_kill(); percpu_ref_put_many(&pgmap->ref, pfn_len)
  d.setExporter(a.exporter, { driver: 'unbinding', ref_dead: true });
  d.addPgmapRef(a.exporter, -ex.pages.length);
  return d.done('0');
}

/** wait_for_completion(&pgmap->done) returns when pgmap->ref hits zero; then pci_p2pdma_release(). */
function exporterUnbindFinish(s: SpState, a: A<'exporter_unbind_finish'>): Step<SpState> {
  const ex = s.exporters[a.exporter];
  if (ex?.driver !== 'unbinding') return refuse(s, '-EBADF');
  if (ex.pgmap_ref > 0)
    return { state: s, ret: '-EBUSY', events: [{ kind: 'wait', exporter: a.exporter, on: 'pgmap->ref' }] };
  const d = new SpDraft(s);
  d.setExporter(a.exporter, { driver: 'unbound' });
  return d.done('0');
}

function injectInsertFail(s: SpState, a: A<'inject_insert_fail'>): Step<SpState> {
  if (a.nth < 0) return refuse(s, '-EINVAL');
  if (s.injectInsertFail !== null) return refuse(s, '-EBUSY');
  const d = new SpDraft(s);
  d.injectInsertFail = a.nth;
  return d.done('0');
}
