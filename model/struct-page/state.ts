// struct-page state: the kernel objects of drivers/pci/p2pdma.c,
// mm/memremap.c and mm/gup.c that decide lifetime, named as there, as
// packed slots (model/state.ts has the fields every design shares).
import type { Knobs } from '../design.js';
import type { Machine } from '../machine.js';
import { type Slot, slotClass } from '../packed.js';
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

export interface SpKnobs {
  readonly gupGate: boolean;
  readonly longtermAllowed: boolean;
  readonly umemP2pdma: boolean;
  readonly odpP2pdma: boolean;
  readonly mapChecksRoute: boolean;
  readonly pagePgmapRef: boolean;
  readonly insertFailPutsRef: boolean;
  readonly insertFailResetsCount: boolean;
}

export function decodeKnobs(k: Knobs): SpKnobs {
  return {
    gupGate: k.gup_p2pdma_gate !== 'off',
    longtermAllowed: k.longterm_p2pdma === 'allowed',
    umemP2pdma: k.umem_p2pdma === 'on',
    odpP2pdma: k.odp_p2pdma === 'on',
    mapChecksRoute: k.dma_map_checks_route !== 'nvme-only',
    pagePgmapRef: k.mmap_takes_page_pgmap_ref !== 'off',
    insertFailPutsRef: k.insert_fail_puts_ref !== 'off',
    insertFailResetsCount: k.insert_fail_resets_count !== 'off',
  };
}

export interface SpExporter extends ExporterSlot {
  /** percpu_ref count of pgmap->ref, as the code computes it. */
  pgmap_ref: number;
  /** percpu_ref_kill(&pgmap->ref) done by memunmap_pages(): tryget_live fails. */
  ref_dead: boolean;
}
export const SpExporter = slotClass<SpExporter>({ ...exporterFields, pgmap_ref: 'u8', ref_dead: 'bool' });

export interface SpPage extends PageSlot {
  /** page_ref_count(): one per PTE mapping it plus one per pin; 0 when idle (b7e282378773). */
  refcount: number;
}
export const SpPage = slotClass<SpPage>({ ...pageFields, refcount: 'u8' });

/** One p2pmem allocation made by one mmap: gen_pool_alloc_owner() of a contiguous run. */
export interface SpAlloc extends AllocSlot {
  start: number;
  npages: number;
}
export const SpAlloc = slotClass<SpAlloc>({ ...allocFields, start: 'u8', npages: 'u8' });

export interface SpVma extends VmaSlot {
  /** The first BAR page vm_insert_page() put in it; the rest follow. */
  start: number;
}
export const SpVma = slotClass<SpVma>({ ...vmaFields, start: 'u8' });

/** What a pin_user_pages() caller (ib_umem_get) or an ODP fault (the dma_list) was handed for one MR page. */
export interface SpPin {
  exporter: number;
  /** The BAR page, NONE where nothing is pinned or faulted. */
  page: number;
  /** The page was freed since: the holder's address is stale. */
  stale: boolean;
}
export const SpPin = slotClass<SpPin>({ exporter: 'u8', page: 'ref', stale: 'bool' });

export const spClasses: SlotClasses = { exporter: SpExporter, page: SpPage, alloc: SpAlloc, vma: SpVma, mr: MrSlot, entry: SpPin, bios: true, fds: false };

export class SpState extends State {
  declare readonly k: SpKnobs;

  constructor(m: Machine<SpState>, b: Uint8Array, o: number) {
    super(m, b, o);
    (this as { k: SpKnobs }).k = m.k as SpKnobs;
  }

  override exporter(e: number): SpExporter & Slot {
    return new SpExporter(this.b, this.o + this.layout.exporterAt[e]!);
  }

  override page(e: number, p: number): SpPage & Slot {
    return new SpPage(this.b, this.pageOffset(e, p));
  }

  override alloc(a: number): SpAlloc & Slot {
    return new SpAlloc(this.b, this.allocOffset(a));
  }

  override vma(p: number, v: number): SpVma & Slot {
    return new SpVma(this.b, this.vmaOffset(p, v));
  }

  /** Page `i`'s pin (pinned MR) or dma_list entry (ODP MR) of MR `m`. */
  pin(m: number, i: number): SpPin & Slot {
    return new SpPin(this.b, this.entryOffset(m, i));
  }
}
