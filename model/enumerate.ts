// enabled() for both designs: the concrete actions worth trying, derived
// from which entities exist. Designs describe their state as a Census.
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

export function enumerateActions(config: Config, c: Census): Action[] {
  const out: Action[] = [];
  const pagesOf = (e: number) => config.exporters[e]?.pages ?? 0;
  for (const proc of c.alive) {
    config.exporters.forEach((_, exporter) => {
      for (let pages = 1; pages <= pagesOf(exporter); pages++)
        out.push({ kind: 'proc_mmap', proc, exporter, pages, shared: true, offset: 0 });
      out.push({ kind: 'proc_mmap', proc, exporter, pages: 1, shared: false, offset: 0 });
      out.push({ kind: 'proc_mmap', proc, exporter, pages: 1, shared: true, offset: 1 });
    });
    if (c.freeSlot !== null) out.push({ kind: 'proc_fork', proc });
    out.push({ kind: 'proc_exit', proc });
  }
  for (const vma of c.vmas) {
    const proc = vma.proc;
    out.push({ kind: 'proc_munmap', proc, vma: vma.id });
    for (let page = 0; page < vma.pages; page++) {
      out.push({ kind: 'proc_touch', proc, vma: vma.id, page });
      out.push({ kind: 'proc_kernel_copy', proc, vma: vma.id, page });
      config.importers.forEach((imp, importer) => {
        if (imp.kind !== 'nvme') return;
        out.push({ kind: 'proc_odirect', proc, importer, vma: vma.id, page, read: true });
        out.push({ kind: 'proc_odirect', proc, importer, vma: vma.id, page, read: false });
      });
    }
    config.importers.forEach((imp, importer) => {
      if (imp.kind !== 'rdma') return;
      out.push({ kind: 'proc_reg_mr', proc, importer, vma: vma.id, odp: false });
      if (imp.odp) out.push({ kind: 'proc_reg_mr', proc, importer, vma: vma.id, odp: true });
    });
  }
  for (const mr of c.mrs) {
    out.push({ kind: 'proc_dereg_mr', proc: mr.proc, mr: mr.id });
    for (let page = 0; page < mr.pages; page++)
      out.push({ kind: 'dev_mr_dma', importer: mr.importer, mr: mr.id, page });
  }
  for (const io of c.ios) {
    out.push({ kind: 'dev_io_dma', importer: io.importer, io: io.id });
    out.push({ kind: 'dev_io_complete', importer: io.importer, io: io.id });
  }
  for (const ack of c.pendingAcks)
    out.push({ kind: 'importer_ack_invalidate', importer: ack.importer, mr: ack.mr });
  for (const alloc of c.allocs)
    out.push({
      kind: alloc.evicting ? 'exporter_evict_finish' : 'exporter_evict',
      exporter: alloc.exporter,
      alloc: alloc.id,
    });
  c.drivers.forEach((driver, exporter) => {
    if (driver === 'bound') out.push({ kind: 'exporter_unbind', exporter });
    if (driver === 'unbinding') out.push({ kind: 'exporter_unbind_finish', exporter });
  });
  if (!c.injectArmed)
    for (let nth = 0; nth < Math.max(0, ...config.exporters.map((e) => e.pages)); nth++)
      out.push({ kind: 'inject_insert_fail', nth });
  return out;
}
