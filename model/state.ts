// What every design's state holds alike, as packed slots: the header
// (fault injection), exporters and their BAR pages, allocations,
// processes with their VMA slots, MRs, bios. A design extends each
// slot with its own fields after these (a subclass of the slot, its
// fields defined from the base size on) and adds regions of its own.
import type { Machine } from './machine.js';
import { type FieldSpec, NONE, type Slot, type SlotClass, slotClass } from './packed.js';
import type { DriverState, Event } from './vocabulary.js';
import type { World } from './world.js';

/** Fault injection (should_fail()): what is armed for the next mmap, and how many have been. */
export interface HeaderSlot {
  /** The nth vm_insert_page()/PFN insert/p2p_map() that fails next, or NONE. */
  armed: number;
  /** Injections armed so far, against the world's `faults` limit. */
  fired: number;
}
export const HeaderSlot = slotClass<HeaderSlot>({ armed: 'ref', fired: 'u8' });
const HEADER_SIZE = HeaderSlot.size;

/** dev->driver of an exporter. */
export const DRIVER_BOUND = 0;
/** remove() started: devm teardown under way, waiting. */
export const DRIVER_UNBINDING = 1;
/** remove() returned: the BAR is gone. */
export const DRIVER_UNBOUND = 2;
export const driverStates: readonly DriverState[] = ['bound', 'unbinding', 'unbound'];

// Each base slot: its fields (a design's slot type extends the interface
// and spreads the spec first, so shared code finds them at the same
// offsets), and the cursor class shared code gets from State.

export interface ExporterSlot {
  /** DRIVER_BOUND, DRIVER_UNBINDING or DRIVER_UNBOUND. */
  driver: number;
}
export const exporterFields: FieldSpec<ExporterSlot> = { driver: 'u8' };

export interface PageSlot {
  /** The allocation holding the BAR page (gen_pool owner, the driver's BO), NONE while free. */
  owner: number;
}
export const pageFields: FieldSpec<PageSlot> = { owner: 'ref' };

/** One exporter allocation: a p2pmem range, a driver object. */
export interface AllocSlot {
  /** The slot holds an allocation (live, or being evicted). */
  used: boolean;
  /** The device whose BAR it is carved from (pci_p2pdma's provider, the GPU's VRAM manager). */
  exporter: number;
  /** Revocation started (unmap_mapping_range()/zap_vma_ptes() done), not finished. */
  evicting: boolean;
}
export const allocFields: FieldSpec<AllocSlot> = { used: 'bool', exporter: 'u8', evicting: 'bool' };

/** A task_struct with its mm. */
export interface ProcSlot {
  alive: boolean;
}
export const ProcSlot = slotClass<ProcSlot>({ alive: 'bool' });
export const PROC_SIZE = ProcSlot.size;

/** A vm_area_struct of the exporter's mapping, by its slot in its mm. */
export interface VmaSlot {
  /** In the mm (find_vma() finds it): from mmap() to munmap()/exit(). */
  used: boolean;
  /** The device whose file was mmap()ed (vma->vm_file's). */
  exporter: number;
  /** The allocation it maps; NONE once that allocation is gone. */
  alloc: number;
  /** (vm_end - vm_start) >> PAGE_SHIFT. */
  npages: number;
  /** CPU PTEs present; false after unmap_mapping_range()/zap_vma_ptes(). */
  ptes: boolean;
  /** Made by mmap_start, not yet in the file's i_mmap (vma_link_file()): rmap walks miss it; its task holds mmap_lock. */
  linking: boolean;
}
export const vmaFields: FieldSpec<VmaSlot> = { used: 'bool', exporter: 'u8', alloc: 'ref', npages: 'u8', ptes: 'bool', linking: 'bool' };

/** struct ib_mr with its ib_umem (pinned) or ib_umem_odp (an mmu_interval_notifier on the range). */
export interface MrSlot {
  /** Registered: from ibv_reg_mr() to ibv_dereg_mr()/exit(). */
  live: boolean;
  /** The process that registered it (ib_umem->owning_mm's task): exit() deregisters it. */
  proc: number;
  /** The NIC it was registered with (ib_pd->device). */
  importer: number;
  /** The VMA slot of `proc` it was registered on; NONE for a dma-buf MR. */
  vma: number;
  /** IB_ACCESS_ON_DEMAND: mirrored through notifiers, nothing pinned. */
  odp: boolean;
  /** ib_umem_num_pages(): the pages it covers, from the start of its VMA. */
  npages: number;
  /** Invalidation delivered, the device not yet fenced: it may still DMA. */
  pending: boolean;
}
export const mrFields: FieldSpec<MrSlot> = { live: 'bool', proc: 'u8', importer: 'u8', vma: 'ref', odp: 'bool', npages: 'u8', pending: 'bool' };
export const MrSlot = slotClass<MrSlot>(mrFields);

/** An open file of a process that is a dma-buf: its slot in the file table. */
export interface FdSlot {
  used: boolean;
  /** The dma-buf (allocation slot) the file is. */
  alloc: number;
}
export const fdFields: FieldSpec<FdSlot> = { used: 'bool', alloc: 'ref' };
export const FdSlot = slotClass<FdSlot>(fdFields);

/** A bio of an O_DIRECT request, holding its pin until bio_endio(). */
export interface BioSlot {
  /** Submitted and not yet ended (bio_endio()). */
  inflight: boolean;
  /** The NVMe queue it was submitted to (bio->bi_bdev's). */
  importer: number;
  /** The pinned page: what __bio_iov_iter_get_pages() handed the queue. */
  exporter: number;
  page: number;
  /** The page was freed since it was pinned. */
  stale: boolean;
}
export const BioSlot = slotClass<BioSlot>({ inflight: 'bool', importer: 'u8', exporter: 'u8', page: 'u8', stale: 'bool' });

/** The cursor classes of one design: the base fields first, then its own. */
export interface SlotClasses {
  readonly exporter: SlotClass<ExporterSlot>;
  readonly page: SlotClass<PageSlot>;
  readonly alloc: SlotClass<AllocSlot>;
  readonly vma: SlotClass<VmaSlot>;
  readonly mr: SlotClass<MrSlot>;
  /** One MR page's mapping (a pin, an ODP dma_list entry, a p2p_map). */
  readonly entry: SlotClass<unknown>;
  /** false: the design has no bios (O_DIRECT never gets a request in flight). */
  readonly bios: boolean;
  /** false: the design has no dma-buf files. */
  readonly fds: boolean;
}

/** Bytes per slot of each entity in one design. */
export interface SlotSizes {
  readonly exporter: number;
  readonly page: number;
  readonly alloc: number;
  readonly vma: number;
  readonly mr: number;
  readonly entry: number;
  /** 0 when the design has no bios. */
  readonly bio: number;
}

/** Where everything is in a state of one design in one world. */
export class Layout {
  readonly exporterAt: readonly number[];
  /** Offset of page 0 of each exporter. */
  readonly pageAt: readonly number[];
  readonly allocAt: number;
  readonly procAt: number;
  readonly procStride: number;
  /** Offset of a process's first fd slot within its block; fd slots per process. */
  readonly fdAt: number;
  readonly fds: number;
  readonly mrAt: number;
  readonly mrStride: number;
  readonly bioAt: number;
  /** Where the padding to a whole word starts: the end of the last slot. */
  readonly padAt: number;
  /** Bytes per state, a multiple of 4 (the search hashes and compares words). */
  readonly width: number;

  readonly sizes: SlotSizes;

  constructor(
    readonly world: World,
    readonly classes: SlotClasses,
  ) {
    const sizes: SlotSizes = {
      exporter: classes.exporter.size,
      page: classes.page.size,
      alloc: classes.alloc.size,
      vma: classes.vma.size,
      mr: classes.mr.size,
      entry: classes.entry.size,
      bio: classes.bios ? BioSlot.size : 0,
    };
    this.sizes = sizes;
    let at = HEADER_SIZE;
    this.exporterAt = world.config.exporters.map(() => {
      const here = at;
      at += sizes.exporter;
      return here;
    });
    this.pageAt = world.config.exporters.map((e) => {
      const here = at;
      at += e.pages * sizes.page;
      return here;
    });
    this.allocAt = at;
    at += world.allocs * sizes.alloc;
    this.procAt = at;
    this.fdAt = PROC_SIZE + world.vmas * sizes.vma;
    this.fds = classes.fds ? world.config.limits.fds : 0;
    this.procStride = this.fdAt + this.fds * FdSlot.size;
    at += world.procs * this.procStride;
    this.mrAt = at;
    this.mrStride = sizes.mr + world.mapPages * sizes.entry;
    at += world.mrs * this.mrStride;
    this.bioAt = at;
    at += (sizes.bio === 0 ? 0 : world.bios) * sizes.bio;
    this.padAt = at;
    this.width = Math.ceil(at / 4) * 4;
  }

  /** Bio slots of this design in this world. */
  get bios(): number {
    return this.sizes.bio === 0 ? 0 : this.world.bios;
  }
}

/**
 * A state: `layout.width` bytes of `b` from `o`, in the machine `m` of
 * one design, world and knob set. The base accessors give the base
 * slots; each design's subclass returns its own slot classes. A State
 * handed to step() is read only; a step writes the copy Out gives it.
 */
export class State {
  // assigned, not class fields: [[Define]] semantics would cost a defineProperty per wrap
  declare readonly layout: Layout;
  // biome-ignore lint/suspicious/noExplicitAny: every design's machine; the subclass knows its own
  declare readonly m: Machine<any>;
  declare b: Uint8Array;
  declare o: number;

  // biome-ignore lint/suspicious/noExplicitAny: every design's machine; the subclass knows its own
  constructor(m: Machine<any>, b: Uint8Array, o: number) {
    (this as { m: unknown }).m = m;
    (this as { layout: Layout }).layout = m.layout;
    this.b = b;
    this.o = o;
  }

  get world(): World {
    return this.layout.world;
  }

  get header(): HeaderSlot & Slot {
    return new HeaderSlot(this.b, this.o);
  }

  exporter(e: number): ExporterSlot & Slot {
    return new this.layout.classes.exporter(this.b, this.o + this.layout.exporterAt[e]!);
  }

  page(e: number, p: number): PageSlot & Slot {
    return new this.layout.classes.page(this.b, this.pageOffset(e, p));
  }

  alloc(a: number): AllocSlot & Slot {
    return new this.layout.classes.alloc(this.b, this.allocOffset(a));
  }

  proc(p: number): ProcSlot & Slot {
    return new ProcSlot(this.b, this.o + this.layout.procAt + p * this.layout.procStride);
  }

  vma(p: number, v: number): VmaSlot & Slot {
    return new this.layout.classes.vma(this.b, this.vmaOffset(p, v));
  }

  mr(m: number): MrSlot & Slot {
    return new this.layout.classes.mr(this.b, this.mrOffset(m));
  }

  /** File slot `f` of process `p`. */
  fd(p: number, f: number): FdSlot & Slot {
    return new FdSlot(this.b, this.o + this.layout.procAt + p * this.layout.procStride + this.layout.fdAt + f * FdSlot.size);
  }

  /** The VMA slot `p` is mapping (between mmap_start and mmap_link), or NONE: its task is inside mmap(). */
  linking(p: number): number {
    for (let v = 0; v < this.layout.world.vmas; v++) if (this.vma(p, v).linking) return v;
    return NONE;
  }

  bio(i: number): BioSlot & Slot {
    return new BioSlot(this.b, this.o + this.layout.bioAt + i * this.layout.sizes.bio);
  }

  protected vmaOffset(p: number, v: number): number {
    return this.o + this.layout.procAt + p * this.layout.procStride + PROC_SIZE + v * this.layout.sizes.vma;
  }

  protected pageOffset(e: number, p: number): number {
    return this.o + this.layout.pageAt[e]! + p * this.layout.sizes.page;
  }

  protected allocOffset(a: number): number {
    return this.o + this.layout.allocAt + a * this.layout.sizes.alloc;
  }

  protected mrOffset(m: number): number {
    return this.o + this.layout.mrAt + m * this.layout.mrStride;
  }

  /** Offset of page `i`'s entry of MR `m`. */
  protected entryOffset(m: number, i: number): number {
    return this.mrOffset(m) + this.layout.sizes.mr + i * this.layout.sizes.entry;
  }
}

const EMPTY_WORDS: Int32Array = new Int32Array(0);

/**
 * Where a step writes, as XState's transition returns its actions: the
 * next state (a copy of the input, made by draft() at the first update)
 * and the events. A step that never drafts leaves the input as it was.
 */
export class Out<S extends State> {
  written = false;
  readonly events: Event[] = [];
  /** The bytes and offset of the state draft() copies by words, from `words` into `into`; null when none. */
  private fromB: Uint8Array | null = null;
  private fromO = 0;
  private words = EMPTY_WORDS;
  private into = EMPTY_WORDS;

  constructor(readonly d: S) {}

  /** Say that `words` are `s.b` and `into` are `d.b`, as words: the next draft(s) copies a word at a time. */
  copyWords(s: S, words: Int32Array, into: Int32Array): void {
    this.fromB = s.b;
    this.fromO = s.o;
    this.words = words;
    this.into = into;
  }

  reset(): void {
    this.written = false;
    if (this.events.length > 0) this.events.length = 0;
  }

  /** Copy `s` into this Out's state and return it for updating. */
  draft(s: S): S {
    const { d, words, into } = this;
    // by words only if s is still where copyWords() was told it is
    if (s.b === this.fromB && s.o === this.fromO) {
      const from = s.o >> 2;
      const to = d.o >> 2;
      for (let i = 0; i < s.layout.width >> 2; i++) into[to + i] = words[from + i]!;
    } else for (let i = 0; i < s.layout.width; i++) d.b[d.o + i] = s.b[s.o + i]!;
    this.fromB = null;
    this.written = true;
    return d;
  }

  emit(e: Event): void {
    this.events.push(e);
  }
}
