// How each action reads in a trace, in one table: its actor, the call as
// printed, the call as parsed back, and the kernel function it stands
// for. model/format.ts prints with it, trace/parse.ts reads with it, and
// `p2pmodel list --calls` (docs/trace-format.md) is generated from it,
// so the three cannot drift apart.
import type { Action, ActionKind, Config } from './vocabulary.js';

type Of<K extends ActionKind> = Extract<Action, { kind: K }>;

/** Who takes the step: a process (p0, p1...), an importer device, the exporter's driver, or fault injection. */
export type Actor = 'process' | 'importer' | 'exporter' | 'fault';

/** Names of the world's devices, for printing and reading calls. */
export interface Names {
  exporter(e: number): string;
  importer(i: number): string;
  /** The index of an exporter or importer name, or null. */
  exporterId(name: string): number | null;
  importerId(name: string): number | null;
}

export function namesOf(config: Config): Names {
  const exporters = config.exporters.map((e) => e.name);
  const importers = config.importers.map((i) => i.name);
  // an index past the config prints as exporterN/importerN, and reads back so
  const id = (list: readonly string[], fallback: string, name: string) => {
    const i = list.indexOf(name);
    if (i >= 0) return i;
    const m = new RegExp(`^${fallback}(0|[1-9]\\d*)$`).exec(name);
    return m && Number(m[1]) >= list.length ? Number(m[1]) : null;
  };
  return {
    exporter: (e) => exporters[e] ?? `exporter${e}`,
    importer: (i) => importers[i] ?? `importer${i}`,
    exporterId: (name) => id(exporters, 'exporter', name),
    importerId: (name) => id(importers, 'importer', name),
  };
}

export interface CallSpec<K extends ActionKind = ActionKind> {
  readonly kind: K;
  readonly actor: Actor;
  /** The call's form for the reference, arguments in capitals. */
  readonly usage: string;
  /** The kernel function(s) it stands for. */
  readonly doc: string;
  /** The call names it is printed with. */
  readonly names: readonly string[];
  /** The call text (the actor is printed apart). */
  print(a: Of<K>, n: Names): string;
  /** The action for `name(args)` by actor `who` (a process, importer or exporter index), or null if the arguments are not this call's. */
  parse(name: string, args: readonly string[], n: Names, who: number): Of<K> | null;
}

/** A whole number as a trace writes it (no sign, no leading zeros), or null. */
function wholeNumber(s: string | undefined): number | null {
  return s !== undefined && /^(?:0|[1-9]\d*)$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : null;
}

/** `vma3` -> 3 for prefix `vma`, else null. */
const idOf = (prefix: string, s: string | undefined) => (s?.startsWith(prefix) ? wholeNumber(s.slice(prefix.length)) : null);

const all = (...xs: (number | null)[]) => xs.every((x) => x !== null);

function spec<K extends ActionKind>(s: CallSpec<K>): CallSpec<K> {
  return s;
}

/** The arguments mmap() and mmap_start() share. */
const mmapArgs = (a: Of<'proc_mmap' | 'proc_mmap_start'>, n: Names) =>
  `${n.exporter(a.exporter)}, ${a.pages}, ${a.shared ? 'MAP_SHARED' : 'MAP_PRIVATE'}, ${a.offset}`;

function parseMmapArgs(args: readonly string[], n: Names) {
  const [exporter, pages, flags, offset] = [n.exporterId(args[0] ?? ''), wholeNumber(args[1]), args[2], wholeNumber(args[3])];
  if (args.length !== 4 || !all(exporter, pages, offset) || (flags !== 'MAP_SHARED' && flags !== 'MAP_PRIVATE')) return null;
  return { exporter: exporter!, pages: pages!, shared: flags === 'MAP_SHARED', offset: offset! };
}

/** Every action kind's call, in vocabulary order. */
export const calls: { readonly [K in ActionKind]: CallSpec<K> } = {
  proc_mmap: spec({
    kind: 'proc_mmap',
    actor: 'process',
    usage: 'mmap(EXPORTER, PAGES, MAP_SHARED|MAP_PRIVATE, OFFSET)',
    doc: "mmap(2) of the exporter: p2pmem_alloc_mmap(), the driver's f_op->mmap, vfio_pci_mmap(); OFFSET in pages",
    names: ['mmap'],
    print: (a, n) => `mmap(${mmapArgs(a, n)})`,
    parse: (_name, args, n, proc) => {
      const m = parseMmapArgs(args, n);
      return m && { kind: 'proc_mmap', proc, ...m };
    },
  }),
  proc_mmap_start: spec({
    kind: 'proc_mmap_start',
    actor: 'process',
    usage: 'mmap_start(EXPORTER, PAGES, MAP_SHARED|MAP_PRIVATE, OFFSET)',
    doc: "mmap(2) as far as the driver's ->mmap (p2pmem_alloc_mmap() has inserted the pages); the VMA is not yet in i_mmap (vma_link_file()), the task holds mmap_lock",
    names: ['mmap_start'],
    print: (a, n) => `mmap_start(${mmapArgs(a, n)})`,
    parse: (_name, args, n, proc) => {
      const m = parseMmapArgs(args, n);
      return m && { kind: 'proc_mmap_start', proc, ...m };
    },
  }),
  proc_mmap_link: spec({
    kind: 'proc_mmap_link',
    actor: 'process',
    usage: 'mmap_link(VMA)',
    doc: "the rest of mmap(2) after mmap_start: __mmap_new_vma() -> vma_link_file(), where unmap_mapping_range() finds the VMA from now on",
    names: ['mmap_link'],
    print: (a) => `mmap_link(vma${a.vma})`,
    parse: (_name, args, _n, proc) => {
      const vma = idOf('vma', args[0]);
      return args.length === 1 && vma !== null ? { kind: 'proc_mmap_link', proc, vma } : null;
    },
  }),
  proc_munmap: spec({
    kind: 'proc_munmap',
    actor: 'process',
    usage: 'munmap(VMA)',
    doc: 'munmap(2): unmap_region() -> mmu_notifier_invalidate_range_start(), zap, vm_ops->close',
    names: ['munmap'],
    print: (a) => `munmap(vma${a.vma})`,
    parse: (_name, args, _n, proc) => {
      const vma = idOf('vma', args[0]);
      return args.length === 1 && vma !== null ? { kind: 'proc_munmap', proc, vma } : null;
    },
  }),
  proc_fork: spec({
    kind: 'proc_fork',
    actor: 'process',
    usage: 'fork()',
    doc: 'fork(2): dup_mmap() copies every VMA to the same address in the child; file descriptors are shared',
    names: ['fork'],
    print: () => 'fork()',
    parse: (_name, args, _n, proc) => (args.length === 0 ? { kind: 'proc_fork', proc } : null),
  }),
  proc_exit: spec({
    kind: 'proc_exit',
    actor: 'process',
    usage: 'exit()',
    doc: 'exit(2): exit_mmap() (mmu_notifier_release, every VMA) and exit_files() (MRs deregistered, fds closed)',
    names: ['exit'],
    print: () => 'exit()',
    parse: (_name, args, _n, proc) => (args.length === 0 ? { kind: 'proc_exit', proc } : null),
  }),
  proc_touch: spec({
    kind: 'proc_touch',
    actor: 'process',
    usage: 'touch(VMA, PAGE)',
    doc: "a user load/store to page PAGE of the mapping: handle_mm_fault() when there is no PTE",
    names: ['touch'],
    print: (a) => `touch(vma${a.vma}, ${a.page})`,
    parse: (_name, args, _n, proc) => {
      const [vma, page] = [idOf('vma', args[0]), wholeNumber(args[1])];
      return args.length === 2 && all(vma, page) ? { kind: 'proc_touch', proc, vma: vma!, page: page! } : null;
    },
  }),
  proc_odirect: spec({
    kind: 'proc_odirect',
    actor: 'process',
    usage: 'pread|pwrite(NVME, VMA, PAGE, O_DIRECT)',
    doc: 'pread/pwrite with O_DIRECT: __bio_iov_iter_get_pages() pins the page (GUP), submit_bio()',
    names: ['pread', 'pwrite'],
    print: (a, n) => `${a.read ? 'pread' : 'pwrite'}(${n.importer(a.importer)}, vma${a.vma}, ${a.page}, O_DIRECT)`,
    parse: (name, args, n, proc) => {
      const [importer, vma, page] = [n.importerId(args[0] ?? ''), idOf('vma', args[1]), wholeNumber(args[2])];
      if (args.length !== 4 || !all(importer, vma, page) || args[3] !== 'O_DIRECT') return null;
      return { kind: 'proc_odirect', proc, importer: importer!, vma: vma!, page: page!, read: name === 'pread' };
    },
  }),
  proc_kernel_copy: spec({
    kind: 'proc_kernel_copy',
    actor: 'process',
    usage: 'process_vm_readv(VMA, PAGE)',
    doc: 'process_vm_readv(2): pin_user_pages_remote() without FOLL_PCI_P2PDMA, kmap, memcpy',
    names: ['process_vm_readv'],
    print: (a) => `process_vm_readv(vma${a.vma}, ${a.page})`,
    parse: (_name, args, _n, proc) => {
      const [vma, page] = [idOf('vma', args[0]), wholeNumber(args[1])];
      return args.length === 2 && all(vma, page) ? { kind: 'proc_kernel_copy', proc, vma: vma!, page: page! } : null;
    },
  }),
  proc_reg_mr: spec({
    kind: 'proc_reg_mr',
    actor: 'process',
    usage: 'ibv_reg_mr(NIC, VMA[, ODP])',
    doc: 'ibv_reg_mr(3): ib_umem_get() pins FOLL_LONGTERM; with ODP, ib_umem_odp_get() mirrors the range',
    names: ['ibv_reg_mr'],
    print: (a, n) => `ibv_reg_mr(${n.importer(a.importer)}, vma${a.vma}${a.odp ? ', ODP' : ''})`,
    parse: (_name, args, n, proc) => {
      const [importer, vma] = [n.importerId(args[0] ?? ''), idOf('vma', args[1])];
      const odp = args.length === 3 && args[2] === 'ODP';
      if (!(args.length === 2 || odp) || !all(importer, vma)) return null;
      return { kind: 'proc_reg_mr', proc, importer: importer!, vma: vma!, odp };
    },
  }),
  proc_dereg_mr: spec({
    kind: 'proc_dereg_mr',
    actor: 'process',
    usage: 'ibv_dereg_mr(MR)',
    doc: 'ibv_dereg_mr(3): ib_umem_release(), ib_umem_odp_release(), ib_umem_dmabuf_release(); also ends a devmem binding',
    names: ['ibv_dereg_mr'],
    print: (a) => `ibv_dereg_mr(mr${a.mr})`,
    parse: (_name, args, _n, proc) => {
      const mr = idOf('mr', args[0]);
      return args.length === 1 && mr !== null ? { kind: 'proc_dereg_mr', proc, mr } : null;
    },
  }),
  proc_vfio_dma_buf: spec({
    kind: 'proc_vfio_dma_buf',
    actor: 'process',
    usage: 'vfio_dma_buf(EXPORTER, PAGE, PAGES)',
    doc: 'ioctl(VFIO_DEVICE_FEATURE_DMA_BUF): vfio_pci_core_feature_dma_buf() exports BAR pages PAGE.. as a dma-buf fd',
    names: ['vfio_dma_buf'],
    print: (a, n) => `vfio_dma_buf(${n.exporter(a.exporter)}, ${a.page}, ${a.pages})`,
    parse: (_name, args, n, proc) => {
      const [exporter, page, pages] = [n.exporterId(args[0] ?? ''), wholeNumber(args[1]), wholeNumber(args[2])];
      return args.length === 3 && all(exporter, page, pages)
        ? { kind: 'proc_vfio_dma_buf', proc, exporter: exporter!, page: page!, pages: pages! }
        : null;
    },
  }),
  proc_prime_export: spec({
    kind: 'proc_prime_export',
    actor: 'process',
    usage: 'prime_export(VMA)',
    doc: 'ioctl(DRM_IOCTL_PRIME_HANDLE_TO_FD): drm_gem_prime_handle_to_fd() of the buffer object VMA maps',
    names: ['prime_export'],
    print: (a) => `prime_export(vma${a.vma})`,
    parse: (_name, args, _n, proc) => {
      const vma = idOf('vma', args[0]);
      return args.length === 1 && vma !== null ? { kind: 'proc_prime_export', proc, vma } : null;
    },
  }),
  proc_reg_dmabuf_mr: spec({
    kind: 'proc_reg_dmabuf_mr',
    actor: 'process',
    usage: 'ibv_reg_dmabuf_mr(NIC, FD[, ODP])',
    doc: 'ibv_reg_dmabuf_mr(3): ib_umem_dmabuf_get() attaches dynamically (ODP); without ODP ib_umem_dmabuf_get_pinned()',
    names: ['ibv_reg_dmabuf_mr'],
    print: (a, n) => `ibv_reg_dmabuf_mr(${n.importer(a.importer)}, fd${a.fd}${a.odp ? ', ODP' : ''})`,
    parse: (_name, args, n, proc) => {
      const [importer, fd] = [n.importerId(args[0] ?? ''), idOf('fd', args[1])];
      const odp = args.length === 3 && args[2] === 'ODP';
      if (!(args.length === 2 || odp) || !all(importer, fd)) return null;
      return { kind: 'proc_reg_dmabuf_mr', proc, importer: importer!, fd: fd!, odp };
    },
  }),
  proc_bind_rx: spec({
    kind: 'proc_bind_rx',
    actor: 'process',
    usage: 'bind_rx(NIC, FD)',
    doc: 'netlink NETDEV_CMD_BIND_RX (devmem TCP): net_devmem_bind_dmabuf(), a static dma_buf_attach() and map; its id is an MR\'s',
    names: ['bind_rx'],
    print: (a, n) => `bind_rx(${n.importer(a.importer)}, fd${a.fd})`,
    parse: (_name, args, n, proc) => {
      const [importer, fd] = [n.importerId(args[0] ?? ''), idOf('fd', args[1])];
      return args.length === 2 && all(importer, fd) ? { kind: 'proc_bind_rx', proc, importer: importer!, fd: fd! } : null;
    },
  }),
  proc_close: spec({
    kind: 'proc_close',
    actor: 'process',
    usage: 'close(FD)',
    doc: 'close(2) of a dma-buf fd: fput(), dma_buf_release() once no importer holds it either',
    names: ['close'],
    print: (a) => `close(fd${a.fd})`,
    parse: (_name, args, _n, proc) => {
      const fd = idOf('fd', args[0]);
      return args.length === 1 && fd !== null ? { kind: 'proc_close', proc, fd } : null;
    },
  }),
  dev_io_dma: spec({
    kind: 'dev_io_dma',
    actor: 'importer',
    usage: 'dma(IO)',
    doc: 'the NVMe controller moves the data of an in-flight request',
    names: ['dma'],
    print: (a) => `dma(io${a.io})`,
    parse: (_name, args, _n, importer) => {
      const io = idOf('io', args[0]);
      return args.length === 1 && io !== null ? { kind: 'dev_io_dma', importer, io } : null;
    },
  }),
  dev_io_complete: spec({
    kind: 'dev_io_complete',
    actor: 'importer',
    usage: 'complete(IO)',
    doc: 'request completion: blk_mq_end_request() -> bio_endio() -> bio_release_pages()',
    names: ['complete'],
    print: (a) => `complete(io${a.io})`,
    parse: (_name, args, _n, importer) => {
      const io = idOf('io', args[0]);
      return args.length === 1 && io !== null ? { kind: 'dev_io_complete', importer, io } : null;
    },
  }),
  dev_mr_dma: spec({
    kind: 'dev_mr_dma',
    actor: 'importer',
    usage: 'dma(MR, PAGE)',
    doc: 'the NIC accesses page PAGE of an MR or binding; an ODP MR faults it in first (hmm_range_fault, p2p_map, a dma-buf map)',
    names: ['dma'],
    print: (a) => `dma(mr${a.mr}, ${a.page})`,
    parse: (_name, args, _n, importer) => {
      const [mr, page] = [idOf('mr', args[0]), wholeNumber(args[1])];
      return args.length === 2 && all(mr, page) ? { kind: 'dev_mr_dma', importer, mr: mr!, page: page! } : null;
    },
  }),
  importer_ack_invalidate: spec({
    kind: 'importer_ack_invalidate',
    actor: 'importer',
    usage: 'ack_invalidate(MR)',
    doc: 'the importer driver finishes a pending invalidation: fence the device, then p2p_unmap() or dma_buf_unmap_attachment()',
    names: ['ack_invalidate'],
    print: (a) => `ack_invalidate(mr${a.mr})`,
    parse: (_name, args, _n, importer) => {
      const mr = idOf('mr', args[0]);
      return args.length === 1 && mr !== null ? { kind: 'importer_ack_invalidate', importer, mr } : null;
    },
  }),
  exporter_evict: spec({
    kind: 'exporter_evict',
    actor: 'exporter',
    usage: 'evict(ALLOC)',
    doc: 'the exporter revokes allocation ALLOC: unmap_mapping_range()/zap_vma_ptes(), move_notify; the move waits',
    names: ['evict'],
    print: (a) => `evict(a${a.alloc})`,
    parse: (_name, args, _n, exporter) => {
      const alloc = idOf('a', args[0]);
      return args.length === 1 && alloc !== null ? { kind: 'exporter_evict', exporter, alloc } : null;
    },
  }),
  exporter_evict_finish: spec({
    kind: 'exporter_evict_finish',
    actor: 'exporter',
    usage: 'evict_finish(ALLOC)',
    doc: "the eviction (or a VFIO dma-buf's revoke) finishes once nothing holds the memory: BAR pages back in the pool",
    names: ['evict_finish'],
    print: (a) => `evict_finish(a${a.alloc})`,
    parse: (_name, args, _n, exporter) => {
      const alloc = idOf('a', args[0]);
      return args.length === 1 && alloc !== null ? { kind: 'exporter_evict_finish', exporter, alloc } : null;
    },
  }),
  exporter_unbind: spec({
    kind: 'exporter_unbind',
    actor: 'exporter',
    usage: 'unbind()',
    doc: 'driver unbind starts: devm teardown, pci_p2pdma_unmap_mappings(), memunmap_pages(), vfio_pci_dma_buf_cleanup()',
    names: ['unbind'],
    print: () => 'unbind()',
    parse: (_name, args, _n, exporter) => (args.length === 0 ? { kind: 'exporter_unbind', exporter } : null),
  }),
  exporter_unbind_finish: spec({
    kind: 'exporter_unbind_finish',
    actor: 'exporter',
    usage: 'unbind_finish()',
    doc: 'unbind finishes: wait_for_completion(&pgmap->done) or the revoke completion returns, the BAR goes (a VFIO close in the order before d97708701434 runs vfio_pci_dma_buf_cleanup() here first, one step)',
    names: ['unbind_finish'],
    print: () => 'unbind_finish()',
    parse: (_name, args, _n, exporter) => (args.length === 0 ? { kind: 'exporter_unbind_finish', exporter } : null),
  }),
  exporter_memory: spec({
    kind: 'exporter_memory',
    actor: 'exporter',
    usage: 'memory_off() | memory_on()',
    doc: 'PCI_COMMAND_MEMORY cleared or set through VFIO config space: vfio_basic_config_write() revokes or restores the BAR',
    names: ['memory_off', 'memory_on'],
    print: (a) => (a.on ? 'memory_on()' : 'memory_off()'),
    parse: (name, args, _n, exporter) => (args.length === 0 ? { kind: 'exporter_memory', exporter, on: name === 'memory_on' } : null),
  }),
  exporter_reset: spec({
    kind: 'exporter_reset',
    actor: 'exporter',
    usage: 'reset()',
    doc: 'ioctl(VFIO_DEVICE_RESET): vfio_pci_ioctl_reset() revokes, resets the function (FLR), restores',
    names: ['reset'],
    print: () => 'reset()',
    parse: (_name, args, _n, exporter) => (args.length === 0 ? { kind: 'exporter_reset', exporter } : null),
  }),
  exporter_restore: spec({
    kind: 'exporter_restore',
    actor: 'exporter',
    usage: 'restore(ALLOC)',
    doc: 'TTM moves evicted buffer object ALLOC back into VRAM (ttm_bo_validate()), notifying its importers',
    names: ['restore'],
    print: (a) => `restore(a${a.alloc})`,
    parse: (_name, args, _n, exporter) => {
      const alloc = idOf('a', args[0]);
      return args.length === 1 && alloc !== null ? { kind: 'exporter_restore', exporter, alloc } : null;
    },
  }),
  inject_insert_fail: spec({
    kind: 'inject_insert_fail',
    actor: 'fault',
    usage: 'fail_vm_insert_page(NTH)',
    doc: 'fault injection (should_fail()): the NTH page insert of the next mmap, or NTH p2p_map() of the next fault, fails',
    names: ['fail_vm_insert_page'],
    print: (a) => `fail_vm_insert_page(${a.nth})`,
    parse: (_name, args) => {
      const nth = wholeNumber(args[0]);
      return args.length === 1 && nth !== null ? { kind: 'inject_insert_fail', nth } : null;
    },
  }),
};

/** The calls a name may stand for (`dma` is an I/O's or an MR's). */
export function callsNamed(name: string): CallSpec[] {
  return (Object.values(calls) as CallSpec[]).filter((c) => c.names.includes(name));
}

/** The actor of an action as a trace prints it. */
export function actorOf(action: Action, n: Names): string {
  switch (calls[action.kind].actor) {
    case 'process':
      return `p${(action as { proc: number }).proc}`;
    case 'importer':
      return n.importer((action as { importer: number }).importer);
    case 'exporter':
      return n.exporter((action as { exporter: number }).exporter);
    default:
      return 'fault';
  }
}

/** A call's short name for counts and coverage: its names, and its first argument where a name is shared (`dma(io)`). */
export function callLabel(kind: ActionKind): string {
  const c = calls[kind] as CallSpec;
  const shared = c.names.some((name) => callsNamed(name).length > 1);
  if (!shared) return c.names.join('/');
  const first = /\((\w+)/.exec(c.usage)?.[1]?.toLowerCase() ?? '';
  return `${c.names[0]}(${first})`;
}
