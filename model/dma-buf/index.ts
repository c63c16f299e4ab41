// Design C, dma-buf: the road mainline took. BAR memory is handed to
// importers as a dma-buf file, never as a struct page or a VMA callback:
// GPU VRAM through PRIME (amdgpu/xe, dynamic importers and move_notify
// since v5.7/v5.8) and any PCI BAR through VFIO
// (VFIO_DEVICE_FEATURE_DMA_BUF, v6.19; the revoke contract of v7.1).
// Importers attach and map; the exporter takes the memory back by
// move_notify (renamed invalidate_mappings in v7.1) or by revoking.
//
// Models: the exporter as a VFIO device (knob exporter=mmio: the BAR
// mmapped as VM_PFNMAP, dma-bufs over BAR ranges, PCI_COMMAND_MEMORY
// off/on and VFIO_DEVICE_RESET revoking and restoring them, remove()
// revoking them for good) or as a GPU (exporter=vram: buffer objects made
// by mmap, placed first-fit in VRAM or in GTT, exported by PRIME, evicted
// to GTT and restored, pinned); dma-buf files per process (fork shares
// them, close and exit put them) and the dma-buf's lifetime (files plus
// attachments); importers as NICs: ibv_reg_dmabuf_mr with ODP (a dynamic
// attachment that re-maps on its next fault), without ODP
// (ib_umem_dmabuf_get_pinned: attach, pin, map at registration) and
// devmem TCP's bind_rx (a static attachment); vfio_pci_dma_buf_attach()'s
// refusals (no peer2peer, revoked, not revocable in v7.1), pin refused in
// v6.19, map by route (-EINVAL with no route; a GPU puts the object in
// GTT instead); the v7.1 revoke that waits for every unmap; GUP refusing
// the mapping (-EFAULT: no O_DIRECT, no ibv_reg_mr pin; an ODP MR of it
// registers, since mlx5's SNAPSHOT prefetch skips VM_PFNMAP, and faults).
//
// Knobs per preset: revoke-v7.1 = VFIO, revocable importers only, revoke
// waits, pinned MRs irrevocable (refused); vfio-v6.19 = pin refused, no
// wait; vfio-v6.19-rc = a pinned MR attaches and only warns on revoke;
// dynamic-move-notify = a GPU, dynamic importers that fence after
// move_notify (the move waits on them), P2P or GTT by route, pins into
// VRAM (the v6.15 reading; before, GTT) that TTM never moves, remove()
// waits for VRAM pins (unconfirmed); static-pinned = a GPU whose every attachment
// is static and pins into GTT; revoke-v7.1-rc = revoke-v7.1 whose
// cleanup runs its own drain (1a8a5227f229 before c64a647c84f3): a
// kref a revoke drained is put again, and close()/remove() hangs. The
// v6.19 presets close in the order before d97708701434: unbind runs
// vfio_pci_core_disable() (decoding off, BAR regions released) and
// unbind_finish the dma-buf cleanup, a step in which importers still
// map the BAR.
// Every preset maps an ODP MR at registration (mlx5) and takes
// CONFIG_DMABUF_MOVE_NOTIFY=y where it existed (with =n, v6.19 would
// fail every VFIO map: not modelled).
//
// Leaves out: whether a CPU mapping's PTEs are present (zap_vma_ptes(),
// vfio_pci_zap_bars()): every touch is answered as its fault would be,
// which depends only on the device and the buffer, a fault during a
// draining config write as after the write (memory_lock); the dma_resv
// fences as objects (an importer's in-flight DMA ends with its step; a
// deferred importer's fence is its pending invalidation, which a GPU
// move waits for and ack_invalidate signals); iommufd as an importer;
// P2P between two GPUs; partial
// ranges of a dma-buf MR (offset and length cover the buffer), D3hot and
// hot reset as revoke triggers (memory_off and reset stand for them),
// mmap of the dma-buf fd itself (-EINVAL: no .mmap), a GPU's buffer
// objects made without mmap (a GEM handle is a VMA here); the
// device's list order of its dma-bufs (a slot id, which symmetry
// hides): v7.1-rc's cleanup hangs
// at the first drained buffer, and here revokes the rest as well, and
// a buffer that cleanup never reached would block its release on
// memory_lock (here it goes). Also: the VFIO device fd (remove() asks user
// space to close it, and vfio_pci_core_close_device() runs the cleanup:
// unbind closes at once here, as if the user complied; a close without
// unbind is not an action); who picks a dma-buf MR's kind (mlx5 always
// attaches dynamically, efa and data-direct pin: here the call's odp
// flag does); and a pin's domain by every attachment (f5e7fabd1f5c
// forces GTT if any is not P2P; here the pinning importer decides).
// A map of an object pinned in VRAM takes it where it is, for any
// importer (f5e7fabd1f5c dropped amdgpu_dma_buf_map()'s -EBUSY): with
// no route, that DMA crosses none.
//
// Sources: drivers/dma-buf/dma-buf.c, drivers/vfio/pci/vfio_pci_dmabuf.c
// (v6.19 1f97d9dcf536; v7.1 series 20260131-dmabuf-revoke-v7-0-463d956bd527@nvidia.com),
// drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c, drivers/infiniband/core/umem_dmabuf.c,
// drivers/infiniband/hw/mlx5/mr.c, net/core/devmem.c.
import type { Design } from '../design.js';
import { makeDesign } from '../machine.js';
import { NONE } from '../packed.js';
import { exporterName, ghostView } from '../shared.js';
import { DRIVER_BOUND, driverStates } from '../state.js';
import type { Action } from '../vocabulary.js';
import { dmaBufKnobs, dmaBufPresets } from './knobs.js';
import {
  attachName,
  type DbKnobs,
  DbState,
  dbClasses,
  dbSymmetry,
  decodeKnobs,
  IN_GTT,
  IN_VRAM,
  MAPPED_BAR,
  MAPPED_RAM,
  PENDING_NONE,
  PINNED,
  placementName,
  STATIC,
} from './state.js';
import { handlers } from './step.js';

const importerName = (s: DbState, i: number) => s.world.config.importers[i]!.name;

/** Refused whatever the state, with no event a property reads. */
function inert(a: Action, k: DbKnobs): boolean {
  switch (a.kind) {
    case 'proc_mmap':
      return !a.shared || (k.vram && a.offset !== 0);
    case 'proc_touch': // answered as its fault would be: nothing is written
    case 'proc_odirect':
    case 'proc_kernel_copy':
    case 'dev_io_dma':
    case 'dev_io_complete':
      return true;
    case 'proc_reg_mr': // a pin on VM_PFNMAP
      return !a.odp;
    case 'importer_ack_invalidate': // nothing is owed unless an obeying importer defers its fence
      return k.fenceInCallback || !k.importerObeys;
    case 'proc_vfio_dma_buf':
    case 'exporter_memory':
    case 'exporter_reset':
      return k.vram;
    case 'proc_prime_export':
    case 'proc_bind_rx':
    case 'exporter_evict':
    case 'exporter_restore':
    case 'inject_insert_fail':
      return !k.vram;
    default:
      return false;
  }
}

/** The fixed kernel's accounting: each buffer's files, attachments, pins and VMAs are its holders; VRAM pages match their objects. */
function audit(s: DbState): string[] {
  const broken: string[] = [];
  const w = s.world;
  for (let a = 0; a < w.allocs; a++) {
    const buf = s.alloc(a);
    if (!buf.used) continue;
    let attached = 0;
    let pins = 0;
    for (let m = 0; m < w.mrs; m++) {
      const mr = s.mr(m);
      if (!mr.live || mr.dmabuf !== a) continue;
      attached++;
      if (s.k.vram && (mr.attach === STATIC || (mr.attach === PINNED && !mr.revoked))) pins++;
    }
    let files = 0;
    let vmas = 0;
    for (let p = 0; p < w.procs; p++) {
      for (let f = 0; f < s.layout.fds; f++) if (s.fd(p, f).used && s.fd(p, f).alloc === a) files++;
      for (let v = 0; v < w.vmas; v++) if (s.vma(p, v).used && s.vma(p, v).alloc === a) vmas++;
    }
    const count = (what: string, has: number, want: number) => {
      if (has !== want) broken.push(`a${a}: ${what} ${has} != ${want}`);
    };
    count('attachments', buf.attached, attached);
    count('pins', buf.pins, pins);
    count('files', buf.files, files);
    count('VMAs', buf.vmas, vmas);
  }
  w.config.exporters.forEach((ex, e) => {
    if (s.exporter(e).cleanupHung) broken.push(`${ex.name}: refcount_t: underflow; a dma-buf's kref put again after its revoke drained it`);
    for (let p = 0; p < ex.pages; p++) {
      const owner = s.page(e, p).owner;
      let claimant = NONE;
      for (let a = 0; a < w.allocs; a++) {
        const buf = s.alloc(a);
        if (s.k.vram && buf.used && buf.exporter === e && buf.placement === IN_VRAM && p >= buf.start && p < buf.start + buf.npages) claimant = a;
      }
      if (owner !== claimant) broken.push(`${ex.name} page ${p}: allocator says ${owner === NONE ? 'free' : `a${owner}`}, buffer in VRAM there: ${claimant === NONE ? 'none' : `a${claimant}`}`);
    }
  });
  return broken;
}

/** What is still held once everything has exited and drained. */
function held(s: DbState): string[] {
  const out: string[] = [];
  const w = s.world;
  w.config.exporters.forEach((ex, e) => {
    if (s.exporter(e).cleanupHung) out.push(`${ex.name}: vfio_pci_dma_buf_cleanup() blocked for good on priv->comp, holding memory_lock and the device registration`);
  });
  for (let m = 0; m < w.mrs; m++) {
    const mr = s.mr(m);
    if (!mr.live) continue;
    for (let i = 0; i < mr.npages; i++) {
      const map = s.mapping(m, i);
      if (map.kind === MAPPED_BAR) out.push(`mr${m}: ${importerName(s, mr.importer)} still maps ${exporterName(s, map.exporter)} page ${map.page}`);
    }
  }
  for (let a = 0; a < w.allocs; a++) {
    const buf = s.alloc(a);
    if (!buf.used) continue;
    const what = s.k.vram ? `buffer object still allocated (${placementName(buf.placement)})` : 'dma-buf still open';
    out.push(`a${a}: ${what}${buf.pins > 0 ? `, pinned ${buf.pins}` : ''}`);
  }
  w.config.exporters.forEach((ex, e) => {
    for (let p = 0; p < ex.pages; p++) if (s.page(e, p).owner !== NONE) out.push(`${ex.name} page ${p}: still allocated to a${s.page(e, p).owner}`);
  });
  return out;
}

function clean(s: DbState): boolean {
  const w = s.world;
  for (let e = 0; e < w.config.exporters.length; e++) if (s.exporter(e).cleanupHung) return false;
  for (let a = 0; a < w.allocs; a++) if (s.alloc(a).used) return false;
  for (let m = 0; m < w.mrs; m++) {
    if (!s.mr(m).live) continue;
    for (let i = 0; i < s.mr(m).npages; i++) if (s.mapping(m, i).kind === MAPPED_BAR) return false;
  }
  for (let e = 0; e < w.config.exporters.length; e++)
    for (let p = 0; p < w.config.exporters[e]!.pages; p++) if (s.page(e, p).owner !== NONE) return false;
  return true;
}

function decode(s: DbState): Record<string, unknown> {
  const w = s.world;
  const out: Record<string, unknown> = {};
  const ref = (prefix: string, i: number) => (i === NONE ? null : `${prefix}${i}`);
  const header = s.header;
  if (header.armed !== NONE || header.fired > 0) out.fault = { armed: header.armed === NONE ? null : header.armed, fired: header.fired };
  w.config.exporters.forEach((ex, e) => {
    const x = s.exporter(e);
    const pages: Record<string, unknown> = {};
    for (let p = 0; p < ex.pages; p++) pages[`page${p}`] = { owner: ref('a', s.page(e, p).owner) };
    const pending = ['none', 'memory_off', 'reset'][x.pending];
    out[ex.name] = { driver: driverStates[x.driver], ...(s.k.vram ? {} : { memory: x.memory, pending }), ...(x.cleanupHung ? { cleanup_hung: true } : {}), ...(x.cleanupOwed ? { cleanup_owed: true } : {}), ...pages };
  });
  for (let a = 0; a < w.allocs; a++) {
    const buf = s.alloc(a);
    if (!buf.used) continue;
    const where = s.k.vram
      ? { placement: placementName(buf.placement), pages: buf.placement === IN_VRAM ? `${buf.start}+${buf.npages}` : `${buf.npages}`, vmas: buf.vmas }
      : { pages: `${buf.start}+${buf.npages}`, revoked: buf.revoked, dead: buf.dead, ...(buf.krefDrained ? { kref_drained: true } : {}) };
    out[`a${a}`] = {
      exporter: exporterName(s, buf.exporter),
      ...where,
      // a dma-buf exists for it (obj->dma_buf) while a file or an attachment holds one
      exported: buf.files > 0 || buf.attached > 0,
      files: buf.files,
      attached: buf.attached,
      pins: buf.pins,
      evicting: buf.evicting,
    };
  }
  for (let p = 0; p < w.procs; p++) {
    if (!s.proc(p).alive) continue;
    const proc: Record<string, unknown> = {};
    for (let v = 0; v < w.vmas; v++) {
      const vma = s.vma(p, v);
      if (vma.used) proc[`vma${v}`] = { exporter: exporterName(s, vma.exporter), alloc: ref('a', vma.alloc), start: vma.start, npages: vma.npages };
    }
    for (let f = 0; f < s.layout.fds; f++) if (s.fd(p, f).used) proc[`fd${f}`] = ref('a', s.fd(p, f).alloc);
    out[`p${p}`] = proc;
  }
  for (let m = 0; m < w.mrs; m++) {
    const mr = s.mr(m);
    if (!mr.live) continue;
    const mapping = Array.from({ length: mr.npages }, (_, i) => {
      const map = s.mapping(m, i);
      if (map.kind === MAPPED_RAM) return 'ram';
      if (map.kind !== MAPPED_BAR) return null;
      return `${exporterName(s, map.exporter)} page ${map.page}${map.stale ? ' (stale)' : ''}`;
    });
    out[`mr${m}`] = {
      proc: `p${mr.proc}`,
      importer: importerName(s, mr.importer),
      ...(mr.dmabuf === NONE ? { vma: ref('vma', mr.vma) } : { dmabuf: ref('a', mr.dmabuf), attach: attachName(mr.attach) }),
      pending_invalidation: mr.pending,
      ...(mr.revoked ? { revoked: true } : {}),
      mapping,
    };
  }
  return out;
}

export const dmaBuf: Design<DbState> = makeDesign({
  id: 'dma-buf',
  title: 'dma-buf fds for BAR memory: attach, map, move_notify and revoke (mainline GPU PRIME and VFIO, v5.7..v7.1)',
  presets: dmaBufPresets,
  knobs: dmaBufKnobs,
  classes: dbClasses,
  decodeKnobs,
  wrap: (m, b, o) => new DbState(m, b, o),
  init(s) {
    // PCI_COMMAND_MEMORY is on when the device is opened
    for (let e = 0; e < s.world.config.exporters.length; e++) s.exporter(e).memory = true;
  },
  handlers,
  inert,
  // a GPU evicts what is in VRAM and unpinned (TTM keeps pinned objects off its LRU); a VFIO buffer is only finished, once a revoke waits on it
  // VFIO and TTM fill a mapping by faults: ->mmap inserts nothing an unlinked VMA could hide
  splitsMmap: false,
  offerEvict: (s, a) => s.alloc(a).evicting || (s.k.vram && s.alloc(a).placement === IN_VRAM && s.alloc(a).pins === 0),
  // a VFIO config write that changes something, and none while a revoke drains
  offerMemory: (s, e) => {
    const ex = s.exporter(e);
    if (s.k.vram || ex.driver !== DRIVER_BOUND || ex.pending !== PENDING_NONE) return 0;
    return (ex.memory ? 1 : 2) | 4;
  },
  offerRestore: (s, a) => s.k.vram && s.alloc(a).placement === IN_GTT && !s.alloc(a).evicting && s.alloc(a).pins === 0,
  view(s) {
    let owed = 0;
    for (let m = 0; m < s.world.mrs; m++) if (s.mr(m).live && s.mr(m).pending) owed++;
    // a late cleanup is one more unbind_finish to run
    for (let e = 0; e < s.world.config.exporters.length; e++) if (s.exporter(e).cleanupOwed) owed++;
    return ghostView(s, owed);
  },
  audit,
  held,
  clean,
  decode,
  symmetry: dbSymmetry,
});
