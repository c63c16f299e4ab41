// A world: a Config made finite and enumerable. Its slots (processes,
// VMAs per process, MRs, bios, allocations) are the Config's limits, so
// every concrete action a state could be offered is known up front: the
// action table. enabled() picks from it by which slots are live, and the
// exhaustive search names a transition by its index in it.
import type { Action, ActionKind, Config } from './vocabulary.js';
import { actionKinds } from './vocabulary.js';

/** Indices into World.actions. */
type Group = readonly number[];

export class World {
  readonly procs: number;
  /** VMA slots per process. */
  readonly vmas: number;
  /** MR slots of the whole world (limits.mrs per process). */
  readonly mrs: number;
  readonly bios: number;
  readonly allocs: number;
  /** The longest mapping: the largest BAR. */
  readonly mapPages: number;

  readonly actions: readonly Action[];
  /** actionKinds index of each action. */
  readonly kindOf: Uint8Array;

  /** Per process: every mmap() the search tries. */
  readonly mmaps: readonly Group[];
  /** Per process: the same mmaps, stopped before vma_link_file() (mmap_start). */
  readonly mmapStarts: readonly Group[];
  /** Per process and VMA slot: mmap_link of it. */
  readonly mmapLinks: readonly Group[];
  readonly forks: Group;
  readonly exits: Group;
  /** Per process and VMA slot: munmap, PRIME export, touch and process_vm_readv of it. */
  readonly onVma: readonly (readonly Group[])[];
  /** Per process and VMA slot: O_DIRECT on it (each takes a bio). */
  readonly ioOnVma: readonly (readonly Group[])[];
  /** Per process and VMA slot: MR registrations of it (each takes an MR). */
  readonly regsOnVma: readonly (readonly Group[])[];
  /** Per MR slot and owning process: ibv_dereg_mr. */
  readonly deregs: readonly Group[];
  /** Per MR slot and importer: the device's DMA to each page. */
  readonly mrDmas: readonly (readonly Group[])[];
  /** Per MR slot and importer: the importer's deferred fence. */
  readonly acks: readonly Group[];
  /** Per bio slot and importer: its DMA, then its completion. */
  readonly onBio: readonly (readonly Group[])[];
  /** Per allocation slot and exporter: evict, evict_finish. */
  readonly evicts: readonly Group[];
  readonly evictFinishes: readonly Group[];
  readonly unbinds: Group;
  readonly unbindFinishes: Group;
  /** Every fault injection: the nth insert of the next mmap. */
  readonly injects: Group;
  /** Per process: every VFIO dma-buf export of a BAR range. */
  readonly vfioExports: readonly Group[];
  /** Per process and file slot: close it. */
  readonly closes: readonly Group[];
  /** Per process and file slot: each importer's registration or binding of it (each takes an MR). */
  readonly regsOnFd: readonly (readonly Group[])[];
  /** Per exporter: memory_off, memory_on, reset. */
  readonly memoryOps: readonly Group[];
  /** Per allocation slot and exporter: restore. */
  readonly restores: readonly Group[];

  constructor(readonly config: Config) {
    const { limits, exporters, importers } = config;
    this.procs = config.processes;
    this.vmas = limits.vmas;
    this.mrs = limits.mrs * config.processes;
    this.bios = limits.bios;
    this.allocs = limits.allocations;
    this.mapPages = Math.max(1, ...exporters.map((e) => e.pages));

    const actions: Action[] = [];
    const add = (a: Action): number => actions.push(a) - 1;
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const procs = range(this.procs);
    const nvmes = range(importers.length).filter((i) => importers[i]!.kind === 'nvme');

    this.mmaps = procs.map((proc) =>
      exporters.flatMap((ex, exporter) => [
        ...range(ex.pages).map((p) => add({ kind: 'proc_mmap', proc, exporter, pages: p + 1, shared: true, offset: 0 })),
        add({ kind: 'proc_mmap', proc, exporter, pages: 1, shared: false, offset: 0 }),
        add({ kind: 'proc_mmap', proc, exporter, pages: 1, shared: true, offset: 1 }),
      ]),
    );
    this.mmapStarts = procs.map((proc) =>
      this.mmaps[proc]!.map((i) => add({ ...(actions[i] as Extract<Action, { kind: 'proc_mmap' }>), kind: 'proc_mmap_start' })),
    );
    this.mmapLinks = procs.map((proc) => range(this.vmas).map((vma) => add({ kind: 'proc_mmap_link', proc, vma })));
    this.forks = procs.map((proc) => add({ kind: 'proc_fork', proc }));
    this.exits = procs.map((proc) => add({ kind: 'proc_exit', proc }));
    this.onVma = procs.map((proc) =>
      range(this.vmas).map((vma) => [
        add({ kind: 'proc_munmap', proc, vma }),
        add({ kind: 'proc_prime_export', proc, vma }),
        ...range(this.mapPages).flatMap((page) => [
          add({ kind: 'proc_touch', proc, vma, page }),
          add({ kind: 'proc_kernel_copy', proc, vma, page }),
        ]),
      ]),
    );
    this.ioOnVma = procs.map((proc) =>
      range(this.vmas).map((vma) =>
        range(this.mapPages).flatMap((page) =>
          nvmes.flatMap((importer) => [
            add({ kind: 'proc_odirect', proc, importer, vma, page, read: true }),
            add({ kind: 'proc_odirect', proc, importer, vma, page, read: false }),
          ]),
        ),
      ),
    );
    this.regsOnVma = procs.map((proc) =>
      range(this.vmas).map((vma) =>
        importers.flatMap((imp, importer) =>
          imp.kind !== 'rdma'
            ? []
            : [
                add({ kind: 'proc_reg_mr', proc, importer, vma, odp: false }),
                ...(imp.odp ? [add({ kind: 'proc_reg_mr', proc, importer, vma, odp: true })] : []),
              ],
        ),
      ),
    );
    const mrSlots = range(this.mrs);
    this.deregs = mrSlots.map((mr) => procs.map((proc) => add({ kind: 'proc_dereg_mr', proc, mr })));
    this.mrDmas = mrSlots.map((mr) =>
      importers.map((_, importer) => range(this.mapPages).map((page) => add({ kind: 'dev_mr_dma', importer, mr, page }))),
    );
    this.acks = mrSlots.map((mr) => importers.map((_, importer) => add({ kind: 'importer_ack_invalidate', importer, mr })));
    this.onBio = range(this.bios).map((io) =>
      importers.map((_, importer) => [add({ kind: 'dev_io_dma', importer, io }), add({ kind: 'dev_io_complete', importer, io })]),
    );
    this.evicts = range(this.allocs).map((alloc) => exporters.map((_, exporter) => add({ kind: 'exporter_evict', exporter, alloc })));
    this.evictFinishes = range(this.allocs).map((alloc) =>
      exporters.map((_, exporter) => add({ kind: 'exporter_evict_finish', exporter, alloc })),
    );
    this.unbinds = exporters.map((_, exporter) => add({ kind: 'exporter_unbind', exporter }));
    this.unbindFinishes = exporters.map((_, exporter) => add({ kind: 'exporter_unbind_finish', exporter }));
    this.injects = range(this.mapPages).map((nth) => add({ kind: 'inject_insert_fail', nth }));
    this.vfioExports = procs.map((proc) =>
      exporters.flatMap((ex, exporter) =>
        range(ex.pages).flatMap((page) =>
          range(ex.pages - page).map((n) => add({ kind: 'proc_vfio_dma_buf', proc, exporter, page, pages: n + 1 })),
        ),
      ),
    );
    const rdmas = range(importers.length).filter((i) => importers[i]!.kind === 'rdma');
    this.closes = procs.map((proc) => range(limits.fds).map((fd) => add({ kind: 'proc_close', proc, fd })));
    this.regsOnFd = procs.map((proc) =>
      range(limits.fds).map((fd) => [
        ...rdmas.flatMap((importer) => [
          add({ kind: 'proc_reg_dmabuf_mr', proc, importer, fd, odp: false }),
          ...((importers[importer] as { odp: boolean }).odp ? [add({ kind: 'proc_reg_dmabuf_mr', proc, importer, fd, odp: true })] : []),
          add({ kind: 'proc_bind_rx', proc, importer, fd }),
        ]),
      ]),
    );
    this.memoryOps = exporters.map((_, exporter) => [
      add({ kind: 'exporter_memory', exporter, on: false }),
      add({ kind: 'exporter_memory', exporter, on: true }),
      add({ kind: 'exporter_reset', exporter }),
    ]);
    this.restores = range(this.allocs).map((alloc) => exporters.map((_, exporter) => add({ kind: 'exporter_restore', exporter, alloc })));

    this.actions = actions;
    const kindIndex = new Map<ActionKind, number>(actionKinds.map((k, i) => [k, i]));
    this.kindOf = Uint8Array.from(actions, (a) => kindIndex.get(a.kind)!);
  }
}

const worlds = new WeakMap<Config, World>();

/** The World of a config, built once per Config object. */
export function worldOf(config: Config): World {
  let w = worlds.get(config);
  if (!w) {
    w = new World(config);
    worlds.set(config, w);
  }
  return w;
}
