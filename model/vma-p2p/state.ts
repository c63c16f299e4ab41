// vma-p2p state: the exporter driver's objects and BAR, the VMAs its
// f_op->mmap creates, the importer's ODP MRs and the p2p_map() calls they
// hold (RFC patches 3/5 and 5/5), named after the kernel objects they
// stand for, as packed slots (model/state.ts has the shared fields).
import type { Knobs } from '../design.js';
import type { Machine } from '../machine.js';
import { type FieldSpec, fieldOffset, type Slot, slotClass } from '../packed.js';
import {
  type AllocSlot,
  allocFields,
  type ExporterSlot,
  exporterFields,
  type PageSlot,
  pageFields,
  MrSlot,
  type SlotClasses,
  State,
  type VmaSlot,
  vmaFields,
} from '../state.js';

export type ExporterWaits = 'revoke' | 'always' | 'never';

export interface VpKnobs {
  readonly importerObeys: boolean;
  readonly exporterWaits: ExporterWaits;
  readonly fenceInNotifier: boolean;
  readonly testP2pAlwaysFalse: boolean;
  readonly unmapWithoutVmaBugs: boolean;
  readonly unwindLeaks: boolean;
  readonly mapAtRegistration: boolean;
}

export function decodeKnobs(k: Knobs): VpKnobs {
  return {
    importerObeys: k.importer !== 'ignores',
    exporterWaits: k.exporter_waits === 'always' || k.exporter_waits === 'never' ? k.exporter_waits : 'revoke',
    fenceInNotifier: k.revoke_fence === 'in-notifier',
    testP2pAlwaysFalse: k.pci_test_p2p === 'as-posted',
    unmapWithoutVmaBugs: k.dma_unmap_without_vma === 'bug',
    unwindLeaks: k.dma_map_error_unwind === 'leaks',
    mapAtRegistration: k.odp_map !== 'first-fault',
  };
}

export interface VpPage extends PageSlot {
  /** A p2p_map() of this page that no MR holds any more: no p2p_unmap() can follow (leaked). */
  orphaned: boolean;
  /** The object the leaked p2p_map() was of, NONE once that object is freed. */
  orphan_alloc: number;
}
const vpPageFields: FieldSpec<VpPage> = { ...pageFields, orphaned: 'bool', orphan_alloc: 'ref' };
export const VpPage = slotClass<VpPage>(vpPageFields);

/** Where an object's memory is: VRAM (the BAR), evicted to system RAM, or gone with the driver. */
export const IN_BAR = 0;
export const IN_RAM = 1;
export const GONE = 2;
const placements = ['bar', 'ram', 'gone'] as const;
export const placementName = (p: number) => placements[p]!;

/** The exporter driver's object behind one mmap (a GEM BO / TTM buffer object). */
export interface VpObject extends AllocSlot {
  npages: number;
  /** IN_BAR, IN_RAM or GONE. */
  placement: number;
  /** The first BAR page backing it while IN_BAR; the rest follow. */
  start: number;
  /** vm_ops->open/close: VMAs mapping it; at zero the driver frees it. */
  vmas: number;
}
export const VpObject = slotClass<VpObject>({ ...allocFields, npages: 'u8', placement: 'u8', start: 'u8', vmas: 'u8' });

/** What one MR page is DMA-mapped to: nothing, RAM addresses p2p_map() returned, or a p2p_map() of a BAR page. */
export const UNMAPPED = 0;
export const MAPPED_RAM = 1;
export const MAPPED_BAR = 2;

/** One page of hmm_range_dma_map()'s dma_list. */
export interface VpMapping {
  /** UNMAPPED, MAPPED_RAM or MAPPED_BAR. */
  kind: number;
  /** For MAPPED_BAR: the BAR page whose bus address the sg_table/dma address array holds. */
  exporter: number;
  page: number;
  /** The object p2p_map() was called for, NONE once it is freed. */
  alloc: number;
  /** The BAR page was freed since p2p_map() handed it out. */
  stale: boolean;
}
const vpMappingFields: FieldSpec<VpMapping> = { kind: 'u8', exporter: 'u8', page: 'u8', alloc: 'ref', stale: 'bool' };
export const VpMapping = slotClass<VpMapping>(vpMappingFields);

const VpExporter = slotClass<ExporterSlot>(exporterFields);
const VpVma = slotClass<VmaSlot>(vmaFields);
export const vpClasses: SlotClasses = { exporter: VpExporter, page: VpPage, alloc: VpObject, vma: VpVma, mr: MrSlot, entry: VpMapping, bios: false, fds: false };

/** Offsets of the fields that name an object, for symmetry reduction: VpPage.orphan_alloc, VpMapping.alloc. An ODP MR faults through whatever VMA holds its slot now (step.ts, odpFault), so VMA slots keep their ids. */
export const vpSymmetry = {
  pageAllocRefs: [fieldOffset(vpPageFields, 'orphan_alloc')],
  mrAllocRefs: [],
  entryAllocRefs: [fieldOffset(vpMappingFields, 'alloc')],
  mrVma: 'read' as const,
};

export class VpState extends State {
  declare readonly k: VpKnobs;

  constructor(m: Machine<VpState>, b: Uint8Array, o: number) {
    super(m, b, o);
    (this as { k: VpKnobs }).k = m.k as VpKnobs;
  }

  override page(e: number, p: number): VpPage & Slot {
    return new VpPage(this.b, this.pageOffset(e, p));
  }

  /** The driver's object in allocation slot `a`. */
  override alloc(a: number): VpObject & Slot {
    return new VpObject(this.b, this.allocOffset(a));
  }

  /** Page `i` of MR `m`'s dma_list. */
  mapping(m: number, i: number): VpMapping & Slot {
    return new VpMapping(this.b, this.entryOffset(m, i));
  }
}
