// dma-buf state: the exporter (a VFIO device's BAR, or a GPU's VRAM with
// its TTM buffer objects), the dma-buf objects and the files naming them,
// and each importer's attachment with its mapping, named after the
// kernel objects they stand for (drivers/dma-buf/dma-buf.c,
// drivers/vfio/pci/vfio_pci_dmabuf.c, amdgpu_dma_buf.c, umem_dmabuf.c),
// as packed slots (model/state.ts has the shared fields).
import type { Knobs } from '../design.js';
import type { Machine } from '../machine.js';
import { type FieldSpec, fieldOffset, type Slot, slotClass } from '../packed.js';
import {
  type AllocSlot,
  allocFields,
  type ExporterSlot,
  exporterFields,
  type MrSlot,
  mrFields,
  type PageSlot,
  pageFields,
  type SlotClasses,
  State,
  type VmaSlot,
  vmaFields,
} from '../state.js';

export interface DbKnobs {
  /** A GPU's VRAM (TTM buffer objects that move); otherwise a VFIO BAR (MMIO, only revoked). */
  readonly vram: boolean;
  readonly pinRefused: boolean;
  readonly revocableOnly: boolean;
  readonly revokeWaits: boolean;
  readonly pinnedRevocable: boolean;
  readonly importerObeys: boolean;
  readonly fenceInCallback: boolean;
  readonly noRouteRam: boolean;
  readonly staticOnly: boolean;
  readonly pinVram: boolean;
  readonly unplugWaits: boolean;
  readonly mapAtRegistration: boolean;
  readonly cleanupOwnDrain: boolean;
  readonly disableFirst: boolean;
}

export function decodeKnobs(k: Knobs): DbKnobs {
  return {
    vram: k.exporter === 'vram',
    pinRefused: k.pin === 'refused',
    revocableOnly: k.attach !== 'any',
    revokeWaits: k.revoke_waits !== 'no',
    pinnedRevocable: k.pinned_mr === 'revocable',
    importerObeys: k.importer !== 'ignores',
    fenceInCallback: k.fence !== 'deferred',
    noRouteRam: k.no_route === 'system-ram',
    staticOnly: k.importers === 'static',
    pinVram: k.pin_domain !== 'gtt',
    unplugWaits: k.unplug !== 'no-wait',
    mapAtRegistration: k.odp_map !== 'first-fault',
    cleanupOwnDrain: k.cleanup === 'own-drain',
    disableFirst: k.close_order === 'disable-first',
  };
}

/** What a revoke still owes once its wait is over: the write that started it. */
export const PENDING_NONE = 0;
export const PENDING_MEMORY_OFF = 1;
export const PENDING_RESET = 2;

export interface DbExporter extends ExporterSlot {
  /** __vfio_pci_memory_enabled(): PCI_COMMAND_MEMORY in the virtual config space (a GPU's stays on). */
  memory: boolean;
  /** A config write (memory off, reset) waiting under memory_lock for a revoke to drain. */
  pending: number;
  /** vfio_pci_dma_buf_cleanup() put a drained kref again: refcount_t underflow, and its wait_for_completion() never returns (1a8a5227f229). */
  cleanupHung: boolean;
  /** vfio_pci_core_close_device() has run vfio_pci_core_disable() and not yet vfio_pci_dma_buf_cleanup() (the order before d97708701434). */
  cleanupOwed: boolean;
}
export const DbExporter = slotClass<DbExporter>({ ...exporterFields, memory: 'bool', pending: 'u8', cleanupHung: 'bool', cleanupOwed: 'bool' });

/** A BAR page: a GPU's VRAM page owned by the buffer object placed there; a VFIO BAR's pages belong to no allocation. */
const DbPage = slotClass<PageSlot>(pageFields);

/** Where a buffer object's memory is. */
export const IN_VRAM = 0;
export const IN_GTT = 1;
export const GONE = 2;
const placements = ['vram', 'gtt', 'gone'] as const;
export const placementName = (p: number) => placements[p]!;

/**
 * One allocation slot: a GPU's buffer object (struct amdgpu_bo, with the
 * dma-buf PRIME export made of it), or a VFIO dma-buf (struct
 * vfio_pci_dma_buf) over BAR pages.
 */
export interface DbBuffer extends AllocSlot {
  /** IN_VRAM, IN_GTT or GONE (a VFIO dma-buf is always over its BAR). */
  placement: number;
  /** The first BAR page (VRAM placement, or a VFIO range); the rest follow. */
  start: number;
  npages: number;
  /** vm_ops->open/close: VMAs mapping the buffer object. */
  vmas: number;
  /** Files (fds) naming the dma-buf: its struct file's count from user space. */
  files: number;
  /** Attachments holding the dma-buf (dma_buf_get() by an importer). */
  attached: number;
  /** dma_buf_pin() count (bo->tbo.pin_count). */
  pins: number;
  /** vfio_pci_dma_buf.revoked: map and attach get -ENODEV. */
  revoked: boolean;
  /** vfio_pci_dma_buf_cleanup() ran: revoked for good, the device gone. */
  dead: boolean;
  /** priv->kref put to zero and priv->comp consumed by a revoke; kref_init() on un-revoke (1a8a5227f229; the fix re-arms at once). */
  krefDrained: boolean;
}
export const DbBuffer = slotClass<DbBuffer>({
  ...allocFields,
  placement: 'u8',
  start: 'u8',
  npages: 'u8',
  vmas: 'u8',
  files: 'u8',
  attached: 'u8',
  pins: 'u8',
  revoked: 'bool',
  dead: 'bool',
  krefDrained: 'bool',
});

export interface DbVma extends VmaSlot {
  /** A VFIO region mapping's first BAR page (vm_pgoff); a buffer object's VMA follows its buffer. */
  start: number;
}
export const DbVma = slotClass<DbVma>({ ...vmaFields, start: 'u8' });

/** How an importer attached: dynamically (importer_ops), pinned (ib_umem_dmabuf_get_pinned), or static (no importer_ops). */
export const ATTACH_NONE = 0;
export const DYNAMIC = 1;
export const PINNED = 2;
export const STATIC = 3;
const attachNames = ['none', 'dynamic', 'pinned', 'static'] as const;
export const attachName = (k: number) => attachNames[k]!;

/** An MR of a VMA, or an importer's dma_buf_attachment of a dma-buf (an MR or a devmem binding). */
export interface DbMr extends MrSlot {
  /** The dma-buf attached, NONE for an MR of a VMA. */
  dmabuf: number;
  /** ATTACH_NONE (an MR of a VMA), DYNAMIC, PINNED or STATIC. */
  attach: number;
  /** A pinned-revocable importer was revoked: the NIC's accesses fault. */
  revoked: boolean;
}
const dbMrFields: FieldSpec<DbMr> = { ...mrFields, dmabuf: 'ref', attach: 'u8', revoked: 'bool' };
export const DbMr = slotClass<DbMr>(dbMrFields);

/** What one page of an attachment is DMA-mapped to (dma_buf_map_attachment()'s sg_table). */
export const UNMAPPED = 0;
export const MAPPED_RAM = 1;
export const MAPPED_BAR = 2;

export interface DbMapping {
  /** UNMAPPED, MAPPED_RAM or MAPPED_BAR. */
  kind: number;
  /** For MAPPED_BAR: the BAR page whose bus address the sg_table/dma address array holds. */
  exporter: number;
  page: number;
  /** The BAR page was freed, revoked or reset since it was mapped. */
  stale: boolean;
}
export const DbMapping = slotClass<DbMapping>({ kind: 'u8', exporter: 'u8', page: 'u8', stale: 'bool' });

export const dbClasses: SlotClasses = { exporter: DbExporter, page: DbPage, alloc: DbBuffer, vma: DbVma, mr: DbMr, entry: DbMapping, bios: false, fds: true };

/** Offsets of the fields that name an allocation, for symmetry reduction: DbMr.dmabuf. No step reads MrSlot.vma (an ODP MR's faults fail whatever is mapped), so VMA slots are renamed and it is left out. */
export const dbSymmetry = { pageAllocRefs: [], mrAllocRefs: [fieldOffset(dbMrFields, 'dmabuf')], entryAllocRefs: [], mrVma: 'unread' as const };

export class DbState extends State {
  declare readonly k: DbKnobs;

  constructor(m: Machine<DbState>, b: Uint8Array, o: number) {
    super(m, b, o);
    (this as { k: DbKnobs }).k = m.k as DbKnobs;
  }

  override exporter(e: number): DbExporter & Slot {
    return new DbExporter(this.b, this.o + this.layout.exporterAt[e]!);
  }

  /** The buffer object or VFIO dma-buf in allocation slot `a`. */
  override alloc(a: number): DbBuffer & Slot {
    return new DbBuffer(this.b, this.allocOffset(a));
  }

  override vma(p: number, v: number): DbVma & Slot {
    return new DbVma(this.b, this.vmaOffset(p, v));
  }

  override mr(m: number): DbMr & Slot {
    return new DbMr(this.b, this.mrOffset(m));
  }

  /** Page `i` of MR `m`'s mapping. */
  mapping(m: number, i: number): DbMapping & Slot {
    return new DbMapping(this.b, this.entryOffset(m, i));
  }
}
