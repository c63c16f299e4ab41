// What every design does alike, written once: the guards of a finite
// world (a name past its slots, a dead process, a full mm), fork and exit
// and munmap and ibv_dereg_mr and the first checks of a touch, fault
// injection, and the slot a new entity takes. A design supplies only its
// own effects (what copying, unmapping or releasing one entity does).
//
// Leaves out: the uverbs file as an MR's owner. An MR belongs to the
// process that registered it and goes at its exit, as if exit_files()
// dropped the file's last ref; a child that inherits the fd across
// fork() keeps the MRs alive until it too closes it. And an MR's range
// as bare addresses: ibv_reg_mr names a VMA, so an ODP MR over nothing
// mapped, which ib_umem_odp_get() registers (it looks up no VMA), is
// -EFAULT here (one registered over a VMA still mirrors its slot, so a
// range unmapped and mapped again after registration is covered).
import { clearBytes, NONE } from './packed.js';
import type { Out, State, VmaSlot } from './state.js';
import type { Action, Errno, Ret, Signal } from './vocabulary.js';

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;

/** An integer id in 0..n-1 (an action's ids come from a trace, so anything). */
export const inRange = (i: number, n: number) => Number.isInteger(i) && i >= 0 && i < n;

// --- guards -----------------------------------------------------------------

/** The process exists and has not exited. */
export const procAlive = (s: State, p: number) => inRange(p, s.world.procs) && s.proc(p).alive;

export const exporterExists = (s: State, e: number) => inRange(e, s.world.config.exporters.length);

export const importerExists = (s: State, i: number) => inRange(i, s.world.config.importers.length);

/** find_vma() in `p`'s mm: its VMA slot `v`, if mapped. */
export function mappedVma(s: State, p: number, v: number): VmaSlot | null {
  if (!inRange(v, s.world.vmas)) return null;
  const vma = s.vma(p, v);
  return vma.used ? vma : null;
}

/** A registered MR of process `proc`, or null. */
export function ownMr(s: State, proc: number, m: number) {
  if (!inRange(m, s.world.mrs)) return null;
  const mr = s.mr(m);
  return mr.live && mr.proc === proc ? mr : null;
}

/** A registered MR of `importer`, or null. */
export function importerMr(s: State, importer: number, m: number) {
  if (!inRange(m, s.world.mrs)) return null;
  const mr = s.mr(m);
  return mr.live && mr.importer === importer ? mr : null;
}

/** An in-flight bio of `importer`, or null. */
export function importerBio(s: State, importer: number, i: number) {
  if (!inRange(i, s.layout.bios)) return null;
  const bio = s.bio(i);
  return bio.inflight && bio.importer === importer ? bio : null;
}

/** A used allocation slot of exporter `e`, or null. */
export function exporterAlloc(s: State, e: number, a: number) {
  if (!inRange(a, s.world.allocs)) return null;
  const alloc = s.alloc(a);
  return alloc.used && alloc.exporter === e ? alloc : null;
}

/** An exporter call's allocation argument: -EBADF naming no slot or another exporter's, -ENOENT a free one. */
export function allocArgument(s: State, e: number, a: number): Ret | null {
  if (!exporterExists(s, e) || !inRange(a, s.world.allocs)) return '-EBADF';
  if (!s.alloc(a).used) return '-ENOENT';
  if (!exporterAlloc(s, e, a)) return '-EBADF';
  return null;
}

// --- free slots: the lowest one, or NONE when the world's limit is reached ---

export function freeProc(s: State): number {
  for (let p = 0; p < s.world.procs; p++) if (!s.proc(p).alive) return p;
  return NONE;
}

export function freeVma(s: State, p: number): number {
  for (let v = 0; v < s.world.vmas; v++) if (!s.vma(p, v).used) return v;
  return NONE;
}

/** A free MR slot for `p`, unless `p` already holds limits.mrs of them. */
export function freeMr(s: State, p: number): number {
  let held = 0;
  let free = NONE;
  for (let m = 0; m < s.world.mrs; m++) {
    const mr = s.mr(m);
    if (mr.live) held += mr.proc === p ? 1 : 0;
    else if (free === NONE) free = m;
  }
  return held < s.world.config.limits.mrs ? free : NONE;
}

export function freeBio(s: State): number {
  for (let i = 0; i < s.layout.bios; i++) if (!s.bio(i).inflight) return i;
  return NONE;
}

export function freeAlloc(s: State): number {
  for (let a = 0; a < s.world.allocs; a++) if (!s.alloc(a).used) return a;
  return NONE;
}

/** gen_pool_alloc_owner() / a VRAM allocator: the first of `n` contiguous free pages, or NONE. */
export function firstFit(s: State, e: number, n: number): number {
  const pages = s.world.config.exporters[e]!.pages;
  for (let start = 0; start + n <= pages; start++) {
    let free = true;
    for (let p = start; p < start + n && free; p++) free = s.page(e, p).owner === NONE;
    if (free) return start;
  }
  return NONE;
}

/** A refused call that still tells something (a SIGBUS, a wait): the state as it was, one event. */
export function refuseWith(out: Out<State>, ret: Errno | Signal, event: Parameters<Out<State>['emit']>[0]): Ret {
  out.emit(event);
  return ret;
}

// --- transitions every design shares -------------------------------------------

/** What one design does to its own state when the shared transitions copy or drop an entity. */
export interface Effects<S extends State> {
  /** dup_mmap() copied parent VMA slot `v` to the child's slot `v`: take what the copy holds. */
  forkVma(d: S, out: Out<S>, child: number, v: number): void;
  /** unmap_region() / exit_mmap() of VMA slot `v` of `p`; the slot is cleared after. */
  closeVma(d: S, out: Out<S>, p: number, v: number): void;
  /** ib_dereg_mr() of MR slot `m`; the slot is cleared after. */
  releaseMr(d: S, out: Out<S>, m: number): void;
  /** dup_fd() copied parent file slot `f` to the child's slot `f` (a design with dma-buf files). */
  forkFd?(d: S, out: Out<S>, child: number, f: number): void;
  /** fput() of file slot `f` of `p` at close or exit; the slot is cleared after. */
  closeFd?(d: S, out: Out<S>, p: number, f: number): void;
}

/** dup_mmap(): the child gets every VMA at the same slot (the same address) and the design's refs. */
export function procFork<S extends State>(fx: Effects<S>) {
  return (s: S, a: Of<'proc_fork'>, out: Out<S>): Ret => {
    if (!procAlive(s, a.proc)) return '-ESRCH';
    const child = freeProc(s);
    if (child === NONE) return '-EAGAIN'; // copy_process(): no task slot (RLIMIT_NPROC)
    const d = out.draft(s);
    d.proc(child).alive = true;
    for (let v = 0; v < s.world.vmas; v++) {
      const from = d.vma(a.proc, v);
      if (!from.used) continue;
      const to = d.vma(child, v);
      for (let k = 0; k < s.layout.sizes.vma; k++) d.b[to.o + k] = d.b[from.o + k]!;
      fx.forkVma(d, out, child, v);
    }
    for (let f = 0; f < s.layout.fds; f++) {
      const from = d.fd(a.proc, f);
      if (!from.used) continue;
      const to = d.fd(child, f);
      to.used = true;
      to.alloc = from.alloc;
      fx.forkFd?.(d, out, child, f);
    }
    return `p${child}`;
  };
}

/** do_exit(): exit_mmap() (notifiers, then every VMA) and exit_files() (every MR deregistered). */
export function procExit<S extends State>(fx: Effects<S>) {
  return (s: S, a: Of<'proc_exit'>, out: Out<S>): Ret => {
    if (!procAlive(s, a.proc)) return '-ESRCH';
    const d = out.draft(s);
    for (let v = 0; v < s.world.vmas; v++) if (d.vma(a.proc, v).used) unmap(d, out, fx, a.proc, v);
    for (let m = 0; m < s.world.mrs; m++) if (ownMr(d, a.proc, m)) dereg(d, out, fx, m);
    for (let f = 0; f < s.layout.fds; f++) if (d.fd(a.proc, f).used) fx.closeFd?.(d, out, a.proc, f);
    const { layout } = d;
    clearBytes(d.b, d.o + layout.procAt + a.proc * layout.procStride, layout.procStride);
    return '0';
  };
}

function unmap<S extends State>(d: S, out: Out<S>, fx: Effects<S>, p: number, v: number): void {
  fx.closeVma(d, out, p, v);
  const vma = d.vma(p, v);
  clearBytes(d.b, vma.o, d.layout.sizes.vma);
}

function dereg<S extends State>(d: S, out: Out<S>, fx: Effects<S>, m: number): void {
  fx.releaseMr(d, out, m);
  clearBytes(d.b, d.mr(m).o, d.layout.mrStride);
}

/** mmap(2) as far as the driver's ->mmap: the design's mmap, its VMA not yet linked into i_mmap. */
export function procMmapStart<S extends State>(mmap: (s: S, a: Of<'proc_mmap'>, out: Out<S>) => Ret) {
  return (s: S, a: Of<'proc_mmap_start'>, out: Out<S>): Ret => {
    // mmap() fills the first free slot, or fails
    const v = procAlive(s, a.proc) ? freeVma(s, a.proc) : NONE;
    const ret = mmap(s, { ...a, kind: 'proc_mmap' }, out);
    if (v !== NONE && out.written && out.d.vma(a.proc, v).used) out.d.vma(a.proc, v).linking = true;
    return ret;
  };
}

/** The rest of mmap(2): vma_link_file(); then the task drops mmap_lock. */
export function procMmapLink(s: State, a: Of<'proc_mmap_link'>, out: Out<State>): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!inRange(a.vma, s.world.vmas) || !s.vma(a.proc, a.vma).linking) return '-EBADF';
  out.draft(s).vma(a.proc, a.vma).linking = false;
  return '0';
}

/** munmap(2) of a whole VMA. */
export function procMunmap<S extends State>(fx: Effects<S>) {
  return (s: S, a: Of<'proc_munmap'>, out: Out<S>): Ret => {
    if (!procAlive(s, a.proc)) return '-ESRCH';
    if (!mappedVma(s, a.proc, a.vma)) return '-EBADF';
    unmap(out.draft(s), out, fx, a.proc, a.vma);
    return '0';
  };
}

/** ibv_dereg_mr(): only the registering process names the MR. */
export function procDeregMr<S extends State>(fx: Effects<S>) {
  return (s: S, a: Of<'proc_dereg_mr'>, out: Out<S>): Ret => {
    if (!ownMr(s, a.proc, a.mr)) return '-EBADF';
    dereg(out.draft(s), out, fx, a.mr);
    return '0';
  };
}

/** A user load/store: a VMA slot past the world is no name at all; an unmapped one, no mapping. */
export function touchGuard(s: State, a: Of<'proc_touch'>): Ret | VmaSlot {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!inRange(a.vma, s.world.vmas)) return '-EBADF';
  const vma = s.vma(a.proc, a.vma);
  if (!vma.used || !inRange(a.page, vma.npages)) return 'SIGSEGV';
  return vma;
}

/**
 * GUP on a VM_IO|VM_PFNMAP mapping (vma-p2p's device VMA, a VFIO region, a
 * GEM object): check_vma_flags() refuses it, so O_DIRECT
 * (__bio_iov_iter_get_pages()) and process_vm_readv()
 * (pin_user_pages_remote()) get -EFAULT.
 */
export const gupOnPfnmap = {
  proc_odirect(s: State, a: Of<'proc_odirect'>): Ret {
    if (!procAlive(s, a.proc)) return '-ESRCH';
    if (!importerExists(s, a.importer)) return '-EBADF';
    if (s.world.config.importers[a.importer]!.kind !== 'nvme') return '-EINVAL';
    return '-EFAULT';
  },
  proc_kernel_copy: (s: State, a: Of<'proc_kernel_copy'>): Ret => (procAlive(s, a.proc) ? '-EFAULT' : '-ESRCH'),
} as const;

/**
 * ibv_reg_mr()'s checks before the pin or the ODP mirror, in ib_umem_get()'s
 * order: the errno, or the VMA and the MR slot it will take.
 */
export function regMrGuard(s: State, a: Of<'proc_reg_mr'>): Ret | { readonly vma: VmaSlot; readonly slot: number } {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!importerExists(s, a.importer)) return '-EBADF';
  const imp = s.world.config.importers[a.importer]!;
  if (imp.kind !== 'rdma') return '-EINVAL';
  // ib_uverbs_reg_mr(): ib_check_mr_access() refuses ODP on a device without it before any page is asked for
  if (a.odp && !imp.odp) return '-EOPNOTSUPP';
  const vma = mappedVma(s, a.proc, a.vma);
  if (!vma) return '-EFAULT';
  const slot = freeMr(s, a.proc);
  if (slot === NONE) return '-ENOMEM'; // RLIMIT_MEMLOCK before the pin / max_mr
  return { vma, slot };
}

/** should_fail(): arm the nth insert of the next mmap, at most `faults` times a run. */
export function injectInsertFail(s: State, a: Of<'inject_insert_fail'>, out: Out<State>): Ret {
  if (!Number.isInteger(a.nth) || a.nth < 0 || a.nth > 254) return '-EINVAL';
  if (s.header.armed !== NONE) return '-EBUSY';
  if (s.header.fired >= s.world.config.limits.faults) return 'BOUND';
  const d = out.draft(s);
  d.header.armed = a.nth;
  d.header.fired = s.header.fired + 1;
  return '0';
}

/** The armed injection, consumed: NONE if none was armed. */
export function takeInjection(d: State): number {
  const nth = d.header.armed;
  d.header.armed = NONE;
  return nth;
}

/**
 * The dma-buf calls of a design that has no dma-buf exporter: VFIO's
 * feature ioctl is unknown (-ENOTTY), a dma-buf fd never exists
 * (-EBADF from dma_buf_get()), and the exporter's driver has no revoke
 * or move to offer (-EOPNOTSUPP). `prime` is what PRIME export answers.
 */
export function withoutDmaBuf(prime: Errno) {
  const proc = (errno: Errno) => (s: State, a: { readonly proc: number }) => (procAlive(s, a.proc) ? errno : '-ESRCH');
  const exporter = (s: State, a: { readonly exporter: number }): Ret => (exporterExists(s, a.exporter) ? '-EOPNOTSUPP' : '-EBADF');
  return {
    proc_vfio_dma_buf: proc('-ENOTTY'),
    proc_prime_export: proc(prime),
    proc_reg_dmabuf_mr: proc('-EBADF'),
    proc_bind_rx: proc('-EBADF'),
    proc_close: proc('-EBADF'),
    exporter_memory: exporter,
    exporter_reset: exporter,
    exporter_restore: exporter,
  } as const;
}

/** The dma-buf kinds withoutDmaBuf() answers: all inert in such a design. */
export const dmaBufKinds: ReadonlySet<Action['kind']> = new Set([
  'proc_vfio_dma_buf',
  'proc_prime_export',
  'proc_reg_dmabuf_mr',
  'proc_bind_rx',
  'proc_close',
  'exporter_memory',
  'exporter_reset',
  'exporter_restore',
]);
