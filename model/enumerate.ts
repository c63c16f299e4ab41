// enabled() for both designs: the concrete actions worth trying, derived
// from which entities exist. Designs describe their state as a Census.
import { freeSlot, type TaskSlot } from './shared.js';
import type { Action, AllocId, Config, DriverState, IoId, MrId, ProcId, VmaId } from './vocabulary.js';

export interface Census {
  readonly alive: readonly ProcId[];
  /** A process slot fork() could fill, or null. */
  readonly freeSlot: ProcId | null;
  readonly vmas: readonly { readonly id: VmaId; readonly proc: ProcId; readonly pages: number }[];
  readonly ios: readonly { readonly id: IoId; readonly importer: number }[];
  readonly mrs: readonly { readonly id: MrId; readonly proc: ProcId; readonly importer: number; readonly pages: number }[];
  readonly pendingAcks: readonly { readonly mr: MrId; readonly importer: number }[];
  readonly allocs: readonly { readonly id: AllocId; readonly exporter: number; readonly evicting: boolean }[];
  readonly drivers: readonly DriverState[];
  readonly injectArmed: boolean;
}

/** A Census being filled in: the lists a design pushes to. */
interface CensusDraft extends Census {
  readonly vmas: Census['vmas'][number][];
  readonly ios: Census['ios'][number][];
  readonly mrs: Census['mrs'][number][];
  readonly pendingAcks: Census['pendingAcks'][number][];
  readonly allocs: Census['allocs'][number][];
}

/** The census of what every design has alike (task slots, drivers, fault injection); designs push the rest. */
export function startCensus(procs: readonly TaskSlot[], drivers: readonly DriverState[], injectArmed: boolean): CensusDraft {
  const alive: ProcId[] = [];
  for (let i = 0; i < procs.length; i++) if (procs[i]!.alive) alive.push(i);
  return { alive, freeSlot: freeSlot(procs), vmas: [], ios: [], mrs: [], pendingAcks: [], allocs: [], drivers, injectArmed };
}

// Plain loops, no named inner functions: tsx's keepNames would wrap each
// in __name() on every call of this hot path of `p2pmodel check`.
export function enumerateActions(config: Config, c: Census): Action[] {
  const out: Action[] = [];
  const { exporters, importers } = config;
  for (const proc of c.alive) {
    for (let exporter = 0; exporter < exporters.length; exporter++) {
      for (let pages = 1; pages <= exporters[exporter]!.pages; pages++)
        out.push({ kind: 'proc_mmap', proc, exporter, pages, shared: true, offset: 0 });
      out.push({ kind: 'proc_mmap', proc, exporter, pages: 1, shared: false, offset: 0 });
      out.push({ kind: 'proc_mmap', proc, exporter, pages: 1, shared: true, offset: 1 });
    }
    if (c.freeSlot !== null) out.push({ kind: 'proc_fork', proc });
    out.push({ kind: 'proc_exit', proc });
  }
  for (const { id: vma, proc, pages } of c.vmas) {
    out.push({ kind: 'proc_munmap', proc, vma });
    for (let page = 0; page < pages; page++) {
      out.push({ kind: 'proc_touch', proc, vma, page });
      out.push({ kind: 'proc_kernel_copy', proc, vma, page });
      for (let importer = 0; importer < importers.length; importer++) {
        if (importers[importer]!.kind !== 'nvme') continue;
        out.push({ kind: 'proc_odirect', proc, importer, vma, page, read: true });
        out.push({ kind: 'proc_odirect', proc, importer, vma, page, read: false });
      }
    }
    for (let importer = 0; importer < importers.length; importer++) {
      const imp = importers[importer]!;
      if (imp.kind !== 'rdma') continue;
      out.push({ kind: 'proc_reg_mr', proc, importer, vma, odp: false });
      if (imp.odp) out.push({ kind: 'proc_reg_mr', proc, importer, vma, odp: true });
    }
  }
  for (const mr of c.mrs) {
    out.push({ kind: 'proc_dereg_mr', proc: mr.proc, mr: mr.id });
    for (let page = 0; page < mr.pages; page++) out.push({ kind: 'dev_mr_dma', importer: mr.importer, mr: mr.id, page });
  }
  for (const io of c.ios) {
    out.push({ kind: 'dev_io_dma', importer: io.importer, io: io.id });
    out.push({ kind: 'dev_io_complete', importer: io.importer, io: io.id });
  }
  for (const ack of c.pendingAcks) out.push({ kind: 'importer_ack_invalidate', importer: ack.importer, mr: ack.mr });
  for (const alloc of c.allocs)
    out.push({ kind: alloc.evicting ? 'exporter_evict_finish' : 'exporter_evict', exporter: alloc.exporter, alloc: alloc.id });
  for (let exporter = 0; exporter < c.drivers.length; exporter++) {
    if (c.drivers[exporter] === 'bound') out.push({ kind: 'exporter_unbind', exporter });
    if (c.drivers[exporter] === 'unbinding') out.push({ kind: 'exporter_unbind_finish', exporter });
  }
  if (!c.injectArmed) {
    let largest = 0;
    for (const e of exporters) largest = Math.max(largest, e.pages);
    for (let nth = 0; nth < largest; nth++) out.push({ kind: 'inject_insert_fail', nth });
  }
  return out;
}
