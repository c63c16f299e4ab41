// dma-buf transitions, one function per action: guard first (the errno
// the kernel returns, state untouched), then the update on the copy
// out.draft() gives.
import type { DesignHandlers } from '../machine.js';
import { clearBytes, NONE } from '../packed.js';
import { routeOf } from '../shared.js';
import {
  allocArgument,
  exporterAlloc,
  exporterExists,
  firstFit,
  freeAlloc,
  freeMr,
  freeVma,
  gupOnPfnmap,
  importerExists,
  importerMr,
  injectInsertFail,
  inRange,
  mappedVma,
  procAlive,
  procDeregMr,
  procExit,
  procFork,
  procMunmap,
  refuseWith,
  regMrGuard,
  takeInjection,
  touchGuard,
  type Effects,
} from '../skeleton.js';
import { DRIVER_BOUND, DRIVER_UNBINDING, DRIVER_UNBOUND, FdSlot, type Out } from '../state.js';
import type { Action, Errno, Ret } from '../vocabulary.js';
import {
  ATTACH_NONE,
  type DbState,
  DYNAMIC,
  GONE,
  IN_GTT,
  IN_VRAM,
  MAPPED_BAR,
  MAPPED_RAM,
  PENDING_MEMORY_OFF,
  PENDING_NONE,
  PENDING_RESET,
  PINNED,
  STATIC,
  UNMAPPED,
} from './state.js';

type A<K extends Action['kind']> = Extract<Action, { kind: K }>;
type O = Out<DbState>;

const pagesOf = (s: DbState, e: number) => s.world.config.exporters[e]!.pages;

// --- importers' mappings ----------------------------------------------------------

/** Does attachment `m` hold a mapping of any page? (v7.1 counts these in the dma-buf's kref.) */
function mapped(s: DbState, m: number): boolean {
  for (let i = 0; i < s.mr(m).npages; i++) if (s.mapping(m, i).kind !== UNMAPPED) return true;
  return false;
}

/** Does any attachment of buffer `a` (or, with a = NONE, of any buffer of exporter `e`) hold a mapping? */
function anyMapped(s: DbState, e: number, a: number): boolean {
  for (let m = 0; m < s.world.mrs; m++) {
    const mr = s.mr(m);
    if (!mr.live || mr.dmabuf === NONE) continue;
    if ((a === NONE ? s.alloc(mr.dmabuf).exporter === e : mr.dmabuf === a) && mapped(s, m)) return true;
  }
  return false;
}

/** Does an attachment of buffer `a` still owe the fence of an invalidation (deferred fences)? */
function anyPending(s: DbState, a: number): boolean {
  for (let m = 0; m < s.world.mrs; m++) if (s.mr(m).live && s.mr(m).dmabuf === a && s.mr(m).pending) return true;
  return false;
}

/** dma_buf_unmap_attachment(): every page of attachment `m` unmapped. */
function unmap(d: DbState, m: number): void {
  for (let i = 0; i < d.mr(m).npages; i++) clearBytes(d.b, d.mapping(m, i).o, d.layout.sizes.entry);
  d.mr(m).pending = false;
}

/** BAR pages `start..start+n` of `e` freed, revoked or reset: every mapping of them goes stale. */
function markStale(d: DbState, e: number, start: number, n: number): void {
  for (let m = 0; m < d.world.mrs; m++) {
    if (!d.mr(m).live) continue;
    for (let i = 0; i < d.mr(m).npages; i++) {
      const map = d.mapping(m, i);
      if (map.kind === MAPPED_BAR && map.exporter === e && map.page >= start && map.page < start + n) map.stale = true;
    }
  }
}

/**
 * dma_buf_move_notify() / dma_buf_invalidate_mappings() on buffer `a`,
 * `except` one attachment: a dynamic importer that obeys unmaps in its
 * callback or later (pending); a pinned-revocable one unmaps, unpins and
 * faults from now on; an irrevocable pinned one only warns
 * (ibdev_warn_ratelimited); a static attachment is never told.
 */
function invalidate(d: DbState, out: O, a: number, except = NONE): void {
  for (let m = 0; m < d.world.mrs; m++) {
    const mr = d.mr(m);
    if (!mr.live || mr.dmabuf !== a || m === except || !mapped(d, m)) continue;
    if (mr.attach === DYNAMIC) {
      out.emit({ kind: 'invalidate', importer: mr.importer, mr: m });
      if (!d.k.importerObeys) continue;
      if (d.k.fenceInCallback) unmap(d, m);
      else mr.pending = true;
    } else if (mr.attach === PINNED && d.k.pinnedRevocable) {
      out.emit({ kind: 'invalidate', importer: mr.importer, mr: m });
      unmap(d, m);
      unpin(d, a);
      mr.revoked = true;
    }
  }
}

/** Map every page of attachment `m` to where buffer `a` is now. */
function mapAll(d: DbState, m: number, a: number): void {
  const buf = d.alloc(a);
  // between vfio_pci_core_disable() and the cleanup, a map still succeeds, onto a BAR released already
  const late = !d.k.vram && d.exporter(buf.exporter).cleanupOwed;
  for (let i = 0; i < d.mr(m).npages; i++) {
    const map = d.mapping(m, i);
    const bar = !d.k.vram || buf.placement === IN_VRAM;
    map.kind = bar ? MAPPED_BAR : MAPPED_RAM;
    map.exporter = buf.exporter;
    map.page = bar ? buf.start + i : 0;
    map.stale = late;
  }
}

// --- the exporter's buffers --------------------------------------------------------------

/** dma_buf_unpin() -> amdgpu_dma_buf_unpin(): amdgpu_bo_unpin() drops bo->tbo.pin_count. */
function unpin(d: DbState, a: number): void {
  const buf = d.alloc(a);
  if (buf.pins > 0) buf.pins--;
}

/** TTM moves buffer object `a` out of VRAM: its pages freed, every mapping of them stale. */
function moveToGtt(d: DbState, out: O, a: number): void {
  const buf = d.alloc(a);
  freePages(d, out, buf.exporter, buf.start, buf.npages);
  buf.placement = IN_GTT;
  buf.start = 0;
  buf.evicting = false;
}

function freePages(d: DbState, out: O, e: number, start: number, n: number): void {
  for (let p = start; p < start + n; p++) {
    d.page(e, p).owner = NONE;
    out.emit({ kind: 'page_free', exporter: e, page: p });
  }
  markStale(d, e, start, n);
}

/**
 * The last reference gone: a dma-buf with no file and no attachment is
 * released (dma_buf_release()); a buffer object with no VMA and no
 * dma-buf is freed (its VRAM back to the allocator).
 */
function maybeRelease(d: DbState, out: O, a: number): void {
  const buf = d.alloc(a);
  if (!buf.used || buf.files > 0 || buf.attached > 0) return;
  if (buf.vmas > 0) return;
  const { exporter, evicting } = buf;
  if (buf.placement === IN_VRAM && d.k.vram) freePages(d, out, exporter, buf.start, buf.npages);
  clearBytes(d.b, buf.o, d.layout.sizes.alloc);
  // a VFIO buffer released mid-revoke no longer holds the drain
  if (evicting && !d.k.vram) drained(d, out, exporter);
}

/** The revoke of VFIO device `e` has drained if no buffer of it still waits: its write takes effect. */
function drained(d: DbState, out: O, e: number): void {
  for (let x = 0; x < d.world.allocs; x++) if (d.alloc(x).used && d.alloc(x).exporter === e && d.alloc(x).evicting) return;
  finishPending(d, out, e);
}

/** vfio_pci_dma_buf_move(true): revoke every buffer of VFIO device `e` not revoked yet: the flag, then move_notify. */
function revokeAll(d: DbState, out: O, e: number): void {
  for (let a = 0; a < d.world.allocs; a++) {
    const buf = d.alloc(a);
    if (!buf.used || buf.exporter !== e || buf.dead || buf.revoked) continue;
    buf.revoked = true;
    // before the fix, the drained kref stays at zero until an un-revoke's kref_init()
    if (d.k.revokeWaits && d.k.cleanupOwnDrain) buf.krefDrained = true;
    invalidate(d, out, a);
  }
}

/**
 * vfio_pci_dma_buf_cleanup(): every buffer of `e` revoked for good. Its
 * own drain (1a8a5227f229) notifies even a buffer already revoked and
 * puts its kref again: on one a revoke drained, refcount_t underflows
 * and the wait for priv->comp never ends. The fix drains through
 * vfio_pci_dma_buf_move(true), which skips revoked buffers.
 */
function cleanupAll(d: DbState, out: O, e: number): void {
  if (!d.k.cleanupOwnDrain) revokeAll(d, out, e);
  for (let a = 0; a < d.world.allocs; a++) {
    const buf = d.alloc(a);
    if (!buf.used || buf.exporter !== e || buf.dead) continue;
    buf.dead = true;
    if (!d.k.cleanupOwnDrain) continue;
    if (buf.krefDrained) d.exporter(e).cleanupHung = true;
    buf.revoked = true;
    invalidate(d, out, a);
  }
}

/** vfio_pci_dma_buf_move(false): a buffer revoked for a while is usable again (not one cleaned up), and move_notify says so. */
function unrevokeAll(d: DbState, out: O, e: number): void {
  for (let a = 0; a < d.world.allocs; a++) {
    const buf = d.alloc(a);
    if (!buf.used || buf.exporter !== e || buf.dead || !buf.revoked) continue;
    buf.revoked = false;
    buf.krefDrained = false;
    invalidate(d, out, a);
  }
}

/** A revoke's wait is over: the config write that started it takes effect. */
function finishPending(d: DbState, out: O, e: number): void {
  const ex = d.exporter(e);
  if (ex.pending === PENDING_MEMORY_OFF) ex.memory = false;
  // the BAR is disabled or reset: whatever still points at it points at nothing it had
  markStale(d, e, 0, pagesOf(d, e));
  // a reset restores the buffers if decoding is on (memory_off has just turned it off)
  if (ex.memory) unrevokeAll(d, out, e);
  ex.pending = PENDING_NONE;
}

/** Start a VFIO revoke for `pending`: it drains at once, or (revoke_waits) the buffers still mapped wait. */
function revokeFor(d: DbState, out: O, e: number, pending: number): void {
  // vfio_pci_zap_bars(): the next CPU fault asks the device again
  revokeAll(d, out, e);
  d.exporter(e).pending = pending;
  let waiting = false;
  if (d.k.revokeWaits)
    for (let a = 0; a < d.world.allocs; a++) {
      const buf = d.alloc(a);
      if (buf.used && buf.exporter === e && anyMapped(d, e, a)) {
        buf.evicting = true;
        waiting = true;
      }
    }
  if (!waiting) finishPending(d, out, e);
}

// --- what the shared transitions do here --------------------------------------------------

const effects: Effects<DbState> = {
  // vm_ops->open: the child's VMA maps the same buffer object
  forkVma(d, _out, child, v) {
    const a = d.vma(child, v).alloc;
    if (a !== NONE) d.alloc(a).vmas++;
  },
  closeVma(d, out, p, v) {
    const a = d.vma(p, v).alloc;
    if (a === NONE) return;
    d.alloc(a).vmas--;
    maybeRelease(d, out, a);
  },
  // ib_umem_dmabuf_release(): unmap, unpin, detach, dma_buf_put()
  releaseMr(d, out, m) {
    const mr = d.mr(m);
    const a = mr.dmabuf;
    if (a === NONE) return;
    unmap(d, m);
    if (mr.attach !== DYNAMIC && !mr.revoked) unpin(d, a);
    d.alloc(a).attached--;
    maybeRelease(d, out, a);
  },
  forkFd(d, _out, child, f) {
    d.alloc(d.fd(child, f).alloc).files++;
  },
  closeFd(d, out, p, f) {
    const a = d.fd(p, f).alloc;
    d.alloc(a).files--;
    maybeRelease(d, out, a);
  },
};

// --- user space ---------------------------------------------------------

/** mmap(2): vfio_pci_mmap() of a BAR region (VM_PFNMAP), or a GPU's GEM object (a new buffer object here). */
function procMmap(s: DbState, a: A<'proc_mmap'>, out: O): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!exporterExists(s, a.exporter)) return '-EBADF';
  if (!Number.isInteger(a.pages) || a.pages < 1) return '-EINVAL';
  const v = freeVma(s, a.proc);
  if (v === NONE) return '-ENOMEM'; // do_mmap(): mm->map_count > sysctl_max_map_count
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  if (!a.shared) return '-EINVAL'; // vfio_pci_mmap()/drm_gem_mmap(): VM_SHARED only
  if (!s.k.vram) {
    // the region's range: vm_pgoff is the page offset into the BAR
    if (!Number.isInteger(a.offset) || a.offset < 0 || a.offset + a.pages > pagesOf(s, a.exporter)) return '-EINVAL';
    const vma = out.draft(s).vma(a.proc, v);
    vma.used = true;
    vma.exporter = a.exporter;
    vma.alloc = NONE;
    vma.npages = a.pages;
    vma.start = a.offset;
    return `vma${v}`;
  }
  if (a.offset !== 0) return '-EINVAL'; // the fake offset names no object
  if (a.pages > s.world.mapPages) return 'BOUND'; // a buffer object larger than the largest BAR
  const id = freeAlloc(s);
  if (id === NONE) return 'BOUND';
  const d = out.draft(s);
  const failAt = takeInjection(d);
  if (failAt !== NONE && failAt < a.pages) return '-ENOMEM'; // vmf_insert_pfn() fails; the object is freed
  // a full VRAM is no error: TTM places the object in GTT
  const start = firstFit(d, a.exporter, a.pages);
  const buf = d.alloc(id);
  buf.used = true;
  buf.exporter = a.exporter;
  buf.placement = start === NONE ? IN_GTT : IN_VRAM;
  buf.start = start === NONE ? 0 : start;
  buf.npages = a.pages;
  buf.vmas = 1;
  if (start !== NONE) for (let p = start; p < start + a.pages; p++) d.page(a.exporter, p).owner = id;
  const vma = d.vma(a.proc, v);
  vma.used = true;
  vma.exporter = a.exporter;
  vma.alloc = id;
  vma.npages = a.pages;
  return `vma${v}`;
}

/**
 * A user load/store: a BAR page while decoding is on (VRAM: wherever the
 * object is). Whether a PTE is present is not tracked: every access is
 * answered as its fault would be (vfio_pci_mmap_huge_fault() under
 * memory_lock, the GEM fault), and a fault during a draining config
 * write waits for the write.
 */
function procTouch(s: DbState, a: A<'proc_touch'>, out: O): Ret {
  const vma = touchGuard(s, a);
  if (typeof vma === 'string') return vma;
  const { exporter, alloc, start } = s.vma(a.proc, a.vma);
  const ex = s.exporter(exporter);
  const decoding = ex.memory && ex.pending !== PENDING_MEMORY_OFF;
  if (ex.driver !== DRIVER_BOUND || !decoding) return refuseWith(out, 'SIGBUS', { kind: 'sigbus', proc: a.proc });
  const bar = alloc === NONE ? start + a.page : s.alloc(alloc).placement === IN_VRAM ? s.alloc(alloc).start + a.page : NONE;
  if (bar !== NONE) out.emit({ kind: 'cpu_access', by: 'user', exporter, page: bar });
  return '0';
}

/** ibv_reg_mr on the mapping: a pin fails on VM_PFNMAP; ODP registers (mlx5's SNAPSHOT prefetch skips VM_PFNMAP) and its faults fail. */
function procRegMr(s: DbState, a: A<'proc_reg_mr'>, out: O): Ret {
  const guard = regMrGuard(s, a);
  if (typeof guard === 'string') return guard;
  const { slot, vma } = guard;
  if (!a.odp) return '-EFAULT'; // pin_user_pages_fast() -> check_vma_flags()
  const { npages } = vma;
  const mr = out.draft(s).mr(slot);
  mr.live = true;
  mr.proc = a.proc;
  mr.importer = a.importer;
  mr.vma = a.vma;
  mr.odp = true;
  mr.npages = npages;
  mr.dmabuf = NONE;
  mr.attach = ATTACH_NONE;
  return `mr${slot}`;
}

/** The lowest free file slot of `p`, or NONE (RLIMIT_NOFILE: -EMFILE). */
function freeFd(s: DbState, p: number): number {
  for (let f = 0; f < s.layout.fds; f++) if (!s.fd(p, f).used) return f;
  return NONE;
}

/** A dma-buf file of `p` (dma_buf_get()), or NONE. */
function fileOf(s: DbState, p: number, fd: number): number {
  if (!inRange(fd, s.layout.fds) || !s.fd(p, fd).used) return NONE;
  return s.fd(p, fd).alloc;
}

function openFile(d: DbState, p: number, f: number, a: number): Ret {
  const file = d.fd(p, f);
  file.used = true;
  file.alloc = a;
  return `fd${f}`;
}

/** vfio_pci_core_feature_dma_buf(): a dma-buf over BAR pages, born revoked while decoding is off. */
function procVfioDmaBuf(s: DbState, a: A<'proc_vfio_dma_buf'>, out: O): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!exporterExists(s, a.exporter)) return '-EBADF';
  if (s.k.vram) return '-ENOTTY'; // not a VFIO device: vfio_pci_core_ioctl_feature() default
  if (!Number.isInteger(a.pages) || !Number.isInteger(a.page) || a.pages < 1 || a.page < 0) return '-EINVAL';
  if (a.page + a.pages > pagesOf(s, a.exporter)) return '-EINVAL'; // vfio_pci_core_fill_phys_vec(): past the BAR
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV'; // vfio_device_try_get_registration()
  const f = freeFd(s, a.proc);
  if (f === NONE) return '-EMFILE';
  const id = freeAlloc(s);
  if (id === NONE) return 'BOUND';
  const d = out.draft(s);
  const buf = d.alloc(id);
  buf.used = true;
  buf.exporter = a.exporter;
  buf.start = a.page;
  buf.npages = a.pages;
  buf.files = 1;
  // memory_lock: behind a draining revoke the export waits and sees the write's result (a reset then restores it)
  buf.revoked = !s.exporter(a.exporter).memory || s.exporter(a.exporter).pending !== PENDING_NONE;
  return openFile(d, a.proc, f, id);
}

/** drm_gem_prime_handle_to_fd(): the buffer object's dma-buf (made once, obj->dma_buf), a new fd for it. */
function procPrimeExport(s: DbState, a: A<'proc_prime_export'>, out: O): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  const vma = mappedVma(s, a.proc, a.vma);
  if (!vma) return '-EBADF';
  if (vma.alloc === NONE) return '-EINVAL'; // a VFIO region mapping: no GEM object behind it
  if (s.exporter(vma.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  const f = freeFd(s, a.proc);
  if (f === NONE) return '-EMFILE';
  const bo = vma.alloc;
  const d = out.draft(s);
  d.alloc(bo).files++;
  return openFile(d, a.proc, f, bo);
}

/** Is the importer/exporter pair P2P-capable for this attachment? (peer2peer, then the route) */
const p2pRoute = (s: DbState, importer: number, e: number) => routeOf(s.world.config, importer, e) !== 'none';

/**
 * The checks of an attachment by `importer` of buffer `a`, `kind` DYNAMIC,
 * PINNED or STATIC: vfio_pci_dma_buf_attach(), dma_buf_pin(), then the
 * first map (dynamic ones only when they map at registration). The
 * errno, or null.
 */
function attachErrno(s: DbState, importer: number, a: number, kind: number, remap = false): Errno | null {
  const buf = s.alloc(a);
  if (!s.k.vram) {
    if (kind === STATIC) return '-EOPNOTSUPP'; // a static attachment has peer2peer false
    if (buf.revoked) return '-ENODEV';
    const revocable = kind === DYNAMIC || s.k.pinnedRevocable;
    if (s.k.revocableOnly && !revocable) return '-EOPNOTSUPP'; // dma_buf_attach_revocable()
    if (kind === PINNED && s.k.pinRefused) return '-EOPNOTSUPP'; // vfio_pci_dma_buf_pin()
    const maps = remap || kind !== DYNAMIC || s.k.mapAtRegistration;
    if (maps && !p2pRoute(s, importer, buf.exporter)) return '-EINVAL'; // dma_buf_phys_vec_to_sgt(): NOT_SUPPORTED
    return null;
  }
  if (s.exporter(buf.exporter).driver !== DRIVER_BOUND) return '-ENODEV'; // a GONE object's exporter is unbound too
  if (!s.k.noRouteRam && !p2pRoute(s, importer, buf.exporter) && kind !== STATIC) return '-EINVAL';
  if (buf.evicting) return '-EAGAIN'; // the move holds the reservation: retry
  // a pin into GTT of an object pinned in VRAM: amdgpu_bo_pin_restricted(); a map takes it where it is (f5e7fabd1f5c dropped the -EBUSY)
  if (buf.placement === IN_VRAM && buf.pins > 0 && kind !== DYNAMIC && !staysInVram(s, importer, a, kind)) return '-EINVAL';
  return null;
}

/** May buffer object `a` stay in VRAM for this attachment? Only for a P2P one, and a pin only into VRAM. */
function staysInVram(s: DbState, importer: number, a: number, kind: number): boolean {
  const p2p = kind !== STATIC && p2pRoute(s, importer, s.alloc(a).exporter);
  return p2p && (kind === DYNAMIC || s.k.pinVram);
}

/** Does this attachment move buffer `a` out of VRAM (amdgpu_dma_buf_pin()/map into GTT)? A map leaves a pinned object where it is. */
function moves(s: DbState, importer: number, a: number, kind: number): boolean {
  const buf = s.alloc(a);
  if (kind === DYNAMIC && buf.pins > 0) return false;
  return s.k.vram && buf.placement === IN_VRAM && !staysInVram(s, importer, a, kind);
}

/**
 * With deferred fences, does a move of buffer `a` first wait for the
 * fences of dynamic importers still mapping it (the TTM move waits on the
 * dma_resv)? Importers that ignore move_notify add none.
 */
function fencesOwed(s: DbState, a: number, except: number): boolean {
  if (s.k.fenceInCallback || !s.k.importerObeys) return false;
  for (let m = 0; m < s.world.mrs; m++) {
    const mr = s.mr(m);
    if (mr.live && mr.dmabuf === a && m !== except && mr.attach === DYNAMIC && mapped(s, m)) return true;
  }
  return false;
}

/** The importers hear of the move and start their fences; the move sleeps until they signal, which the model's caller sees as -EAGAIN and retries. */
function awaitFences(s: DbState, out: O, a: number, except: number): Ret {
  invalidate(out.draft(s), out, a, except);
  return '-EAGAIN';
}

/** An object that may not stay in VRAM moves, its other importers hear of it. */
function place(d: DbState, out: O, m: number, a: number, kind: number, importer: number): void {
  if (!moves(d, importer, a, kind)) return;
  invalidate(d, out, a, m);
  moveToGtt(d, out, a);
}

/** The attachment made: pin (a GPU pins its object; VFIO's pin is a no-op), place and map (a dynamic one maybe later). */
function attach(d: DbState, out: O, m: number, a: number, kind: number, importer: number): void {
  const buf = d.alloc(a);
  buf.attached++;
  if (d.k.vram && kind !== DYNAMIC) buf.pins++;
  if (kind === DYNAMIC && !d.k.mapAtRegistration) return;
  place(d, out, m, a, kind, importer);
  mapAll(d, m, a);
}

/** ibv_reg_dmabuf_mr(): a dynamic attachment (ODP) or ib_umem_dmabuf_get_pinned(); statically, before dynamic dma-buf. */
function registerDmabuf(s: DbState, a: A<'proc_reg_dmabuf_mr'> | A<'proc_bind_rx'>, out: O, kind: number): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!importerExists(s, a.importer)) return '-EBADF';
  const imp = s.world.config.importers[a.importer]!;
  if (imp.kind !== 'rdma') return '-EINVAL';
  if (kind === DYNAMIC && !imp.odp) return '-EOPNOTSUPP';
  const buf = fileOf(s, a.proc, a.fd);
  if (buf === NONE) return '-EBADF'; // dma_buf_get(): not an open fd
  const slot = freeMr(s, a.proc);
  if (slot === NONE) return '-ENOMEM';
  const how = s.k.staticOnly ? STATIC : kind;
  const err = attachErrno(s, a.importer, buf, how);
  if (err) return err;
  if (moves(s, a.importer, buf, how) && fencesOwed(s, buf, NONE)) return awaitFences(s, out, buf, NONE);
  const d = out.draft(s);
  const mr = d.mr(slot);
  mr.live = true;
  mr.proc = a.proc;
  mr.importer = a.importer;
  mr.vma = NONE;
  mr.odp = how === DYNAMIC;
  mr.npages = d.alloc(buf).npages;
  mr.dmabuf = buf;
  mr.attach = how;
  attach(d, out, slot, buf, how, a.importer);
  return `mr${slot}`;
}

const procRegDmabufMr = (s: DbState, a: A<'proc_reg_dmabuf_mr'>, out: O) => registerDmabuf(s, a, out, a.odp ? DYNAMIC : PINNED);

/** net_devmem_bind_dmabuf(): a static attach and map by the NIC's queue. */
const procBindRx = (s: DbState, a: A<'proc_bind_rx'>, out: O) => registerDmabuf(s, a, out, STATIC);

/** close(2) of a dma-buf fd: fput(); the last reference releases the dma-buf (dma_buf_release()). */
function procClose(s: DbState, a: A<'proc_close'>, out: O): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (fileOf(s, a.proc, a.fd) === NONE) return '-EBADF';
  const d = out.draft(s);
  effects.closeFd!(d, out, a.proc, a.fd);
  clearBytes(d.b, d.fd(a.proc, a.fd).o, FdSlot.size);
  return '0';
}

// --- devices --------------------------------------------------------------

/** The NIC accesses a page: through the attachment's mapping, or a dynamic importer's re-map (a fault). */
function devMrDma(s: DbState, a: A<'dev_mr_dma'>, out: O): Ret {
  if (!importerMr(s, a.importer, a.mr)) return '-EBADF';
  const mr = s.mr(a.mr);
  if (!Number.isInteger(a.page) || a.page < 0 || a.page >= mr.npages) return '-EINVAL';
  const map = s.mapping(a.mr, a.page);
  if (map.kind !== UNMAPPED) {
    const { exporter, page, stale } = map;
    const route = routeOf(s.world.config, a.importer, exporter);
    out.emit(
      map.kind === MAPPED_RAM
        ? { kind: 'dma', importer: a.importer, path: 'mr', target: { mem: 'ram' }, route: 'host-bridge' }
        : { kind: 'dma', importer: a.importer, path: 'mr', target: { mem: 'bar', exporter, page, stale }, route },
    );
    return '0';
  }
  // an MR of a VFIO or GEM mapping, or a revoked pinned one: the NIC's access faults
  if (mr.attach !== DYNAMIC) return '-EFAULT';
  const err = attachErrno(s, a.importer, mr.dmabuf, DYNAMIC, true);
  if (err) return err;
  if (moves(s, a.importer, mr.dmabuf, DYNAMIC) && fencesOwed(s, mr.dmabuf, a.mr)) return awaitFences(s, out, mr.dmabuf, a.mr);
  // the fault re-maps the whole attachment where the buffer is now, then the access goes through
  const d = out.draft(s);
  place(d, out, a.mr, mr.dmabuf, DYNAMIC, a.importer);
  mapAll(d, a.mr, mr.dmabuf);
  return devMrDma(d, a, out);
}

/** The importer's deferred fence: stop the device, dma_buf_unmap_attachment(). */
function importerAckInvalidate(s: DbState, a: A<'importer_ack_invalidate'>, out: O): Ret {
  const mr = importerMr(s, a.importer, a.mr);
  if (!mr) return '-EBADF';
  if (!mr.pending) return '-ENOENT';
  unmap(out.draft(s), a.mr);
  return '0';
}

// --- exporter driver ----------------------------------------------------------

/** TTM eviction: zap the CPU mappings, move_notify the importers; the move waits for their fences (and unmaps). */
function exporterEvict(s: DbState, a: A<'exporter_evict'>, out: O): Ret {
  const err = allocArgument(s, a.exporter, a.alloc);
  if (err) return err;
  if (!s.k.vram) return '-EOPNOTSUPP'; // a VFIO BAR range cannot move
  const buf = s.alloc(a.alloc);
  if (buf.placement !== IN_VRAM) return '-ENOENT';
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  if (buf.evicting) return '-EBUSY';
  if (buf.pins > 0) return '-EINVAL'; // ttm_bo_validate(): "Moving of pinned BOs is forbidden"
  const d = out.draft(s);
  d.alloc(a.alloc).evicting = true;
  invalidate(d, out, a.alloc);
  const waits = (d.k.revokeWaits && anyMapped(d, a.exporter, a.alloc)) || anyPending(d, a.alloc);
  if (!waits) moveToGtt(d, out, a.alloc);
  return '0';
}

/** The move (or a VFIO buffer's revoke) finishes once nothing maps it; a drained revoke's write takes effect. */
function exporterEvictFinish(s: DbState, a: A<'exporter_evict_finish'>, out: O): Ret {
  const buf = exporterAlloc(s, a.exporter, a.alloc);
  if (!buf?.evicting) return '-EBADF';
  const wait = (on: string) => refuseWith(out, '-EBUSY', { kind: 'wait', exporter: a.exporter, on });
  if ((s.k.revokeWaits || !s.k.vram) && anyMapped(s, a.exporter, a.alloc)) return wait('dma_buf_unmap_attachment');
  if (s.k.vram && anyPending(s, a.alloc)) return wait('dma_resv fences');
  const d = out.draft(s);
  if (d.k.vram) {
    moveToGtt(d, out, a.alloc);
    return '0';
  }
  d.alloc(a.alloc).evicting = false;
  drained(d, out, a.exporter);
  return '0';
}

/** TTM validates an evicted object back into VRAM: the importers' system-RAM mappings go. */
function exporterRestore(s: DbState, a: A<'exporter_restore'>, out: O): Ret {
  const err = allocArgument(s, a.exporter, a.alloc);
  if (err) return err;
  if (!s.k.vram) return '-EOPNOTSUPP';
  const buf = s.alloc(a.alloc);
  if (buf.placement !== IN_GTT) return '-ENOENT';
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  if (buf.pins > 0) return '-EINVAL'; // ttm_bo_validate(): "Moving of pinned BOs is forbidden"
  const start = firstFit(s, a.exporter, buf.npages);
  if (start === NONE) return '-ENOMEM';
  if (fencesOwed(s, a.alloc, NONE)) return awaitFences(s, out, a.alloc, NONE);
  const d = out.draft(s);
  invalidate(d, out, a.alloc);
  const moved = d.alloc(a.alloc);
  moved.placement = IN_VRAM;
  moved.start = start;
  for (let p = start; p < start + moved.npages; p++) d.page(a.exporter, p).owner = a.alloc;
  return '0';
}

/** The guards of a VFIO config-space write: a GPU has none; not while a revoke drains (memory_lock). */
function configWrite(s: DbState, e: number): Ret | null {
  if (!exporterExists(s, e)) return '-EBADF';
  if (s.k.vram) return '-EOPNOTSUPP';
  if (s.exporter(e).driver !== DRIVER_BOUND) return '-ENODEV';
  if (s.exporter(e).pending !== PENDING_NONE) return '-EBUSY';
  return null;
}

/** vfio_basic_config_write() of PCI_COMMAND_MEMORY: clearing it revokes every dma-buf, setting it restores them. */
function exporterMemory(s: DbState, a: A<'exporter_memory'>, out: O): Ret {
  const err = configWrite(s, a.exporter);
  if (err) return err;
  if (s.exporter(a.exporter).memory === a.on) return '0';
  const d = out.draft(s);
  if (!a.on) revokeFor(d, out, a.exporter, PENDING_MEMORY_OFF);
  else {
    d.exporter(a.exporter).memory = true;
    unrevokeAll(d, out, a.exporter);
  }
  return '0';
}

/** vfio_pci_ioctl_reset(): revoke, FLR (the BAR's contents reset), restore if decoding is on. */
function exporterReset(s: DbState, a: A<'exporter_reset'>, out: O): Ret {
  const err = configWrite(s, a.exporter);
  if (err) return err;
  revokeFor(out.draft(s), out, a.exporter, PENDING_RESET);
  return '0';
}

/**
 * remove(): a VFIO device's close revokes every dma-buf for good
 * (vfio_pci_dma_buf_cleanup()), or (close_order=disable-first) first
 * runs vfio_pci_core_disable(): PCI_COMMAND_MEMORY cleared, the BAR
 * regions released, every dma-buf still mapped until unbind_finish. A
 * GPU notifies its importers.
 */
function exporterUnbind(s: DbState, a: A<'exporter_unbind'>, out: O): Ret {
  if (!exporterExists(s, a.exporter)) return '-EBADF';
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  if (s.exporter(a.exporter).pending !== PENDING_NONE) return '-EBUSY';
  const d = out.draft(s);
  const ex = d.exporter(a.exporter);
  if (d.k.vram) {
    for (let x = 0; x < d.world.allocs; x++) if (d.alloc(x).used && d.alloc(x).exporter === a.exporter) invalidate(d, out, x);
  } else if (d.k.disableFirst) {
    ex.memory = false;
    ex.cleanupOwed = true;
    markStale(d, a.exporter, 0, pagesOf(d, a.exporter));
  } else cleanupAll(d, out, a.exporter);
  ex.driver = DRIVER_UNBINDING;
  return '0';
}

/**
 * remove() returns: after every unmap (revoke_waits) and, for a GPU,
 * every VRAM pin (unplug); the BAR goes. A close that disabled the
 * function first runs vfio_pci_dma_buf_cleanup() here, one step later.
 */
function exporterUnbindFinish(s: DbState, a: A<'exporter_unbind_finish'>, out: O): Ret {
  if (!exporterExists(s, a.exporter) || s.exporter(a.exporter).driver !== DRIVER_UNBINDING) return '-EBADF';
  if (s.exporter(a.exporter).cleanupOwed) {
    const d = out.draft(s);
    d.exporter(a.exporter).cleanupOwed = false;
    cleanupAll(d, out, a.exporter);
    // the cleanup's invalidations are done: remove() returns in a later step
    return '0';
  }
  const wait = (on: string) => refuseWith(out, '-EBUSY', { kind: 'wait', exporter: a.exporter, on });
  if (s.exporter(a.exporter).cleanupHung) return wait('priv->comp, consumed by the revoke');
  if (s.k.vram && s.k.unplugWaits)
    for (let x = 0; x < s.world.allocs; x++) {
      const buf = s.alloc(x);
      if (buf.used && buf.exporter === a.exporter && buf.placement === IN_VRAM && buf.pins > 0) return wait('dma_buf_unpin');
    }
  if (s.k.revokeWaits && anyMapped(s, a.exporter, NONE)) return wait('dma_buf_unmap_attachment');
  if (s.k.vram)
    for (let x = 0; x < s.world.allocs; x++) if (s.alloc(x).used && s.alloc(x).exporter === a.exporter && anyPending(s, x)) return wait('dma_resv fences');
  const d = out.draft(s);
  d.exporter(a.exporter).driver = DRIVER_UNBOUND;
  markStale(d, a.exporter, 0, pagesOf(d, a.exporter));
  for (let x = 0; x < d.world.allocs; x++) {
    const buf = d.alloc(x);
    if (!buf.used || buf.exporter !== a.exporter) continue;
    buf.evicting = false;
    if (buf.placement !== IN_VRAM || !d.k.vram) continue;
    freePages(d, out, a.exporter, buf.start, buf.npages);
    buf.placement = GONE;
    buf.start = 0;
  }
  return '0';
}

/** Fault injection: a GPU's next mmap fails its nth PFN insert; a VFIO region has no insert to fail. */
function injectFail(s: DbState, a: A<'inject_insert_fail'>, out: O): Ret {
  return s.k.vram ? injectInsertFail(s, a, out) : '-EOPNOTSUPP';
}

export const handlers: DesignHandlers<DbState> = {
  proc_mmap: procMmap,
  proc_munmap: procMunmap(effects),
  proc_fork: procFork(effects),
  proc_exit: procExit(effects),
  proc_touch: procTouch,
  proc_odirect: gupOnPfnmap.proc_odirect,
  proc_kernel_copy: gupOnPfnmap.proc_kernel_copy,
  proc_reg_mr: procRegMr,
  proc_dereg_mr: procDeregMr(effects),
  proc_vfio_dma_buf: procVfioDmaBuf,
  proc_prime_export: procPrimeExport,
  proc_reg_dmabuf_mr: procRegDmabufMr,
  proc_bind_rx: procBindRx,
  proc_close: procClose,
  // O_DIRECT never gets past GUP on a VM_PFNMAP VMA: no request is ever in flight.
  dev_io_dma: () => '-EBADF',
  dev_io_complete: () => '-EBADF',
  dev_mr_dma: devMrDma,
  importer_ack_invalidate: importerAckInvalidate,
  exporter_evict: exporterEvict,
  exporter_evict_finish: exporterEvictFinish,
  exporter_unbind: exporterUnbind,
  exporter_unbind_finish: exporterUnbindFinish,
  exporter_memory: exporterMemory,
  exporter_reset: exporterReset,
  exporter_restore: exporterRestore,
  inject_insert_fail: injectFail,
};
