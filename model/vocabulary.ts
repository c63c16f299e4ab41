// The shared vocabulary of every design: the world's
// configuration, the actions user space, devices and drivers take, the
// values they return, the events a step emits, and the ghost view that
// safety properties are judged on. Like linux-kernel.bell, it names
// things; the designs give them meaning and properties/ judges them.

// --- configuration -----------------------------------------------------

/** PCI P2PDMA route of an importer/exporter pair: calc_map_type_and_dist(). */
export type Route =
  | 'bus-addr' // PCI_P2PDMA_MAP_BUS_ADDR: common upstream switch
  | 'host-bridge' // PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: whitelisted root complex
  | 'none'; // PCI_P2PDMA_MAP_NOT_SUPPORTED

/** A device whose BAR is shared with user space (NVMe CMB, GPU VRAM). */
export interface ExporterConfig {
  readonly name: string;
  /** BAR pages in the provider's pool: pci_p2pdma_add_resource() / VRAM. */
  readonly pages: number;
}

/** A device that DMAs to an exporter's BAR on behalf of user space. */
export type ImporterConfig =
  | {
      readonly kind: 'nvme';
      readonly name: string;
      /** blk_queue_pci_p2pdma(q): the queue accepts P2P pages (QUEUE_FLAG_PCI_P2PDMA). */
      readonly p2pQueue: boolean;
    }
  | {
      readonly kind: 'rdma';
      readonly name: string;
      /** IB_ODP_SUPPORT: the NIC can register on-demand-paging MRs (ib_umem_odp_get). */
      readonly odp: boolean;
    };

/**
 * The bounds that make a world finite, as a model checker's configuration
 * does: past one, an action is refused with the errno the kernel gives
 * there, or with BOUND where the kernel has no such limit.
 */
export interface Limits {
  /** VMAs per process: mm->map_count against sysctl_max_map_count (mmap -ENOMEM). */
  readonly vmas: number;
  /** MRs per process: RLIMIT_MEMLOCK and the device's max_mr (ibv_reg_mr -ENOMEM). */
  readonly mrs: number;
  /** dma-buf fds per process: RLIMIT_NOFILE (-EMFILE). */
  readonly fds: number;
  /** O_DIRECT requests in flight: the queue's tags, as RWF_NOWAIT sees them (-EAGAIN). */
  readonly bios: number;
  /** Exporter allocations (p2pmem ranges, driver objects) alive at once: the model's bound (BOUND). */
  readonly allocations: number;
  /** Fault injections in one run: the model's bound (BOUND). */
  readonly faults: number;
}

/**
 * Each limit as a world's `limits:` line writes it (`1 vma, 2 allocations`),
 * in printing order, with the range a world may set.
 */
export const limitWords: readonly { readonly limit: keyof Limits; readonly one: string; readonly many: string; readonly min: number; readonly max: number }[] = [
  { limit: 'vmas', one: 'vma', many: 'vmas', min: 1, max: 8 },
  { limit: 'mrs', one: 'mr', many: 'mrs', min: 0, max: 8 },
  { limit: 'fds', one: 'fd', many: 'fds', min: 0, max: 8 },
  { limit: 'bios', one: 'bio', many: 'bios', min: 0, max: 8 },
  { limit: 'allocations', one: 'allocation', many: 'allocations', min: 1, max: 16 },
  { limit: 'faults', one: 'fault', many: 'faults', min: 0, max: 8 },
];

/** The limits a world gets for every word its `limits:` line leaves out. */
export const defaultLimits: Limits = { vmas: 1, mrs: 1, fds: 1, bios: 1, allocations: 2, faults: 1 };

export interface Config {
  readonly exporters: readonly ExporterConfig[];
  readonly importers: readonly ImporterConfig[];
  /** routes[importer][exporter], as pci_p2pdma_map_type() would classify them. */
  readonly routes: readonly (readonly Route[])[];
  /**
   * An IOMMU translates host-bridge P2P (iommu_dma_map_sg); bus-addr
   * bypasses it. Carried into traces; no property observes DMA addresses.
   */
  readonly iommu: boolean;
  /** Process slots (struct mm_struct): p0 runs at start, fork() fills a free one, exit() frees it. */
  readonly processes: number;
  readonly limits: Limits;
}

/** The world every preset is judged in unless a trace states another. */
export const defaultConfig: Config = {
  exporters: [{ name: 'e0', pages: 2 }],
  importers: [
    { kind: 'nvme', name: 'nvme0', p2pQueue: true },
    { kind: 'nvme', name: 'nvme1', p2pQueue: false },
    { kind: 'rdma', name: 'nic0', odp: true },
    { kind: 'rdma', name: 'nic1', odp: false },
  ],
  routes: [['bus-addr'], ['bus-addr'], ['host-bridge'], ['none']],
  iommu: true,
  processes: 2,
  limits: defaultLimits,
};

// --- identifiers -------------------------------------------------------

/**
 * Indices: exporters and importers into Config; the rest are slots of a
 * finite world, taken lowest first and free again once their entity dies.
 */
export type ExporterId = number;
export type ImporterId = number;
/** A process slot: fork() takes the lowest free one. */
export type ProcId = number;
/** A vm_area_struct, by its slot in its own mm: fork() copies it to the same slot, as the same address. */
export type VmaId = number;
/** One in-flight block request (struct bio / struct request). */
export type IoId = number;
/** One RDMA memory region (struct ib_mr / ib_umem), numbered across processes like an rkey. */
export type MrId = number;
/** One exporter allocation: a p2pmem range, a driver object, a VFIO dma-buf. */
export type AllocId = number;
/** A dma-buf file descriptor, by its slot in its process's file table. */
export type FdId = number;

// --- actions -----------------------------------------------------------

export type Action =
  /** mmap(2) of the exporter: p2pmem_alloc_mmap() or the driver's f_op->mmap. */
  | {
      readonly kind: 'proc_mmap';
      readonly proc: ProcId;
      readonly exporter: ExporterId;
      readonly pages: number;
      readonly shared: boolean;
      readonly offset: number;
    }
  /**
   * mmap(2) as far as the driver's ->mmap: its PTEs are in (p2pmem_alloc_mmap()), but
   * __mmap_new_vma() has not yet called vma_link_file(), so unmap_mapping_range() cannot find
   * the VMA; the task holds mmap_lock until it links.
   */
  | {
      readonly kind: 'proc_mmap_start';
      readonly proc: ProcId;
      readonly exporter: ExporterId;
      readonly pages: number;
      readonly shared: boolean;
      readonly offset: number;
    }
  /** The rest of that mmap(2): vma_link_file() puts the VMA in the file's i_mmap; mmap_lock is released. */
  | { readonly kind: 'proc_mmap_link'; readonly proc: ProcId; readonly vma: VmaId }
  /** munmap(2): unmap_region() -> mmu_notifier_invalidate_range_start, zap. */
  | { readonly kind: 'proc_munmap'; readonly proc: ProcId; readonly vma: VmaId }
  /** fork(2): dup_mmap() -> copy_page_range() when vma_needs_copy(). */
  | { readonly kind: 'proc_fork'; readonly proc: ProcId }
  /** exit(2): exit_mmap() (mmu_notifier_release, unmap_vmas) and fput of fds. */
  | { readonly kind: 'proc_exit'; readonly proc: ProcId }
  /** User load/store to its mapping: handle_mm_fault() when no PTE. */
  | { readonly kind: 'proc_touch'; readonly proc: ProcId; readonly vma: VmaId; readonly page: number }
  /** pread/pwrite(O_DIRECT): __bio_iov_iter_get_pages(), submit_bio(). */
  | {
      readonly kind: 'proc_odirect';
      readonly proc: ProcId;
      readonly importer: ImporterId;
      readonly vma: VmaId;
      readonly page: number;
      /** pread: the device writes the page; pwrite: it reads it. */
      readonly read: boolean;
    }
  /** process_vm_readv/vmsplice: pin_user_pages() without FOLL_PCI_P2PDMA, kmap, memcpy. */
  | { readonly kind: 'proc_kernel_copy'; readonly proc: ProcId; readonly vma: VmaId; readonly page: number }
  /** ibv_reg_mr: ib_umem_get() (FOLL_LONGTERM pin) or, with ODP, ib_umem_odp_get(). */
  | {
      readonly kind: 'proc_reg_mr';
      readonly proc: ProcId;
      readonly importer: ImporterId;
      readonly vma: VmaId;
      readonly odp: boolean;
    }
  /** ibv_dereg_mr: ib_umem_release() / ib_umem_odp_release() / ib_umem_dmabuf_release(). */
  | { readonly kind: 'proc_dereg_mr'; readonly proc: ProcId; readonly mr: MrId }
  /** VFIO_DEVICE_FEATURE_DMA_BUF: vfio_pci_core_feature_dma_buf() exports a BAR range as a dma-buf fd. */
  | { readonly kind: 'proc_vfio_dma_buf'; readonly proc: ProcId; readonly exporter: ExporterId; readonly page: number; readonly pages: number }
  /** DRM_IOCTL_PRIME_HANDLE_TO_FD: drm_gem_prime_handle_to_fd() exports the buffer object behind a mapping. */
  | { readonly kind: 'proc_prime_export'; readonly proc: ProcId; readonly vma: VmaId }
  /** ibv_reg_dmabuf_mr: ib_umem_dmabuf_get() (ODP: a dynamic attachment) or ib_umem_dmabuf_get_pinned(). */
  | { readonly kind: 'proc_reg_dmabuf_mr'; readonly proc: ProcId; readonly importer: ImporterId; readonly fd: FdId; readonly odp: boolean }
  /** NETDEV_CMD_BIND_RX (devmem TCP): a static dma_buf_attach() and dma_buf_map_attachment() by the NIC. */
  | { readonly kind: 'proc_bind_rx'; readonly proc: ProcId; readonly importer: ImporterId; readonly fd: FdId }
  /** close(2) of a dma-buf fd: fput(), dma_buf_release() on the last reference. */
  | { readonly kind: 'proc_close'; readonly proc: ProcId; readonly fd: FdId }
  /** The NVMe controller moves the data of an in-flight request. */
  | { readonly kind: 'dev_io_dma'; readonly importer: ImporterId; readonly io: IoId }
  /** Request completion: blk_mq_end_request() -> bio_endio() -> bio_release_pages(). */
  | { readonly kind: 'dev_io_complete'; readonly importer: ImporterId; readonly io: IoId }
  /** The NIC accesses one MR page (remote READ/WRITE); ODP faults it in first. */
  | { readonly kind: 'dev_mr_dma'; readonly importer: ImporterId; readonly mr: MrId; readonly page: number }
  /** Importer driver finishes a pending invalidation: fence the device, p2p_unmap(). */
  | { readonly kind: 'importer_ack_invalidate'; readonly importer: ImporterId; readonly mr: MrId }
  /** Exporter revokes an allocation: unmap_mapping_range()/zap_vma_ptes(), move it out. */
  | { readonly kind: 'exporter_evict'; readonly exporter: ExporterId; readonly alloc: AllocId }
  /** Eviction done: the allocation's BAR pages are back in the pool. */
  | { readonly kind: 'exporter_evict_finish'; readonly exporter: ExporterId; readonly alloc: AllocId }
  /** Driver unbind starts: devm teardown, pci_p2pdma_unmap_mappings(), memunmap_pages(). */
  | { readonly kind: 'exporter_unbind'; readonly exporter: ExporterId }
  /** Unbind finishes: wait_for_completion(&pgmap->done) returns, pci_p2pdma_release(). */
  | { readonly kind: 'exporter_unbind_finish'; readonly exporter: ExporterId }
  /** PCI_COMMAND_MEMORY written through VFIO config space: vfio_basic_config_write() revokes or restores the BAR. */
  | { readonly kind: 'exporter_memory'; readonly exporter: ExporterId; readonly on: boolean }
  /** VFIO_DEVICE_RESET: vfio_pci_ioctl_reset() revokes, resets the function (FLR), restores. */
  | { readonly kind: 'exporter_reset'; readonly exporter: ExporterId }
  /** TTM moves an evicted buffer object back into VRAM (ttm_bo_validate()), notifying its importers. */
  | { readonly kind: 'exporter_restore'; readonly exporter: ExporterId; readonly alloc: AllocId }
  /** Fault injection: the nth vm_insert_page() of the next mmap fails (should_fail()). */
  | { readonly kind: 'inject_insert_fail'; readonly nth: number };

export type ActionKind = Action['kind'];

export const actionKinds: readonly ActionKind[] = [
  'proc_mmap',
  'proc_mmap_start',
  'proc_mmap_link',
  'proc_munmap',
  'proc_fork',
  'proc_exit',
  'proc_touch',
  'proc_odirect',
  'proc_kernel_copy',
  'proc_reg_mr',
  'proc_dereg_mr',
  'proc_vfio_dma_buf',
  'proc_prime_export',
  'proc_reg_dmabuf_mr',
  'proc_bind_rx',
  'proc_close',
  'dev_io_dma',
  'dev_io_complete',
  'dev_mr_dma',
  'importer_ack_invalidate',
  'exporter_evict',
  'exporter_evict_finish',
  'exporter_unbind',
  'exporter_unbind_finish',
  'exporter_memory',
  'exporter_reset',
  'exporter_restore',
  'inject_insert_fail',
];

// --- return values -----------------------------------------------------

/** The errnos the model's designs return (a trace may state any Linux errno). */
export type Errno =
  | '-EINVAL'
  | '-EFAULT'
  | '-EREMOTEIO'
  | '-ENODEV'
  | '-ENOMEM'
  | '-EOPNOTSUPP'
  | '-EBUSY'
  | '-EAGAIN'
  | '-ENOTTY'
  | '-EMFILE'
  | '-EPERM'
  | '-ESRCH'
  | '-ENOENT'
  /** The named entity does not exist (or is not the caller's): a no-op. */
  | '-EBADF';

/** Every errno name Linux has (include/uapi/asm-generic/errno*.h, include/linux/errno.h): any may stand in a trace. */
export const linuxErrnos: readonly string[] = (
  'EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT ENOTBLK EBUSY ' +
  'EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK ' +
  'EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP EWOULDBLOCK ENOMSG EIDRM ECHRNG ' +
  'EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT EDEADLOCK ' +
  'EBFONT ENOSTR ENODATA ETIME ENOSR ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP ' +
  'EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ' +
  'ERESTART ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT ' +
  'ESOCKTNOSUPPORT EOPNOTSUPP ENOTSUP EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ' +
  'ENETUNREACH ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS ' +
  'ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM ENAVAIL ' +
  'EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED ' +
  'EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON ERESTARTSYS ERESTARTNOINTR ERESTARTNOHAND ENOIOCTLCMD ' +
  'ERESTART_RESTARTBLOCK EPROBE_DEFER EOPENSTALE ENOPARAM EBADHANDLE ENOTSYNC EBADCOOKIE ENOTSUPP ETOOSMALL ' +
  'ESERVERFAULT EBADTYPE EJUKEBOX EIOCBQUEUED ERECALLCONFLICT ENOGRACE'
).split(' ');

export type Signal = 'SIGBUS' | 'SIGSEGV';

/** A refusal at one of the world's Limits where the kernel has no such limit. */
export type Bound = 'BOUND';

/**
 * '0', a created id ('vma0', 'io1', 'mr0', 'fd0', 'p1'), an errno (any Linux
 * errno name, as a trace may state one the model never returns), a
 * signal, or BOUND.
 */
export type Ret = '0' | `vma${number}` | `io${number}` | `mr${number}` | `fd${number}` | `p${number}` | `-E${string}` | Signal | Bound;

export function isFailure(ret: Ret): boolean {
  return ret.startsWith('-') || ret.startsWith('SIG') || ret === 'BOUND';
}

// --- events ------------------------------------------------------------

/** Where a DMA lands: a BAR page (peer-to-peer) or system RAM. */
export type DmaTarget =
  | {
      readonly mem: 'bar';
      readonly exporter: ExporterId;
      readonly page: number;
      /** The page was freed (or its BAR reset) since the importer was handed it. */
      readonly stale: boolean;
    }
  | { readonly mem: 'ram' };

/** What a step did that properties judge; data only, nothing performed. */
export type Event =
  /** A device DMA (dma_map_* then the transfer); `path` is how it was mapped. */
  | {
      readonly kind: 'dma';
      readonly importer: ImporterId;
      readonly path: 'odirect' | 'mr';
      readonly target: DmaTarget;
      readonly route: Route;
    }
  /** A CPU load/store to BAR memory; `kernel` means a path built for RAM (kmap+memcpy). */
  | {
      readonly kind: 'cpu_access';
      readonly by: 'user' | 'kernel';
      readonly exporter: ExporterId;
      readonly page: number;
    }
  | { readonly kind: 'pin'; readonly exporter: ExporterId; readonly page: number }
  | { readonly kind: 'unpin'; readonly exporter: ExporterId; readonly page: number }
  | { readonly kind: 'sigbus'; readonly proc: ProcId }
  | { readonly kind: 'p2p_map'; readonly importer: ImporterId; readonly alloc: AllocId }
  | { readonly kind: 'p2p_unmap'; readonly importer: ImporterId; readonly alloc: AllocId }
  | { readonly kind: 'invalidate'; readonly importer: ImporterId; readonly mr: MrId }
  | { readonly kind: 'page_free'; readonly exporter: ExporterId; readonly page: number }
  | { readonly kind: 'wait'; readonly exporter: ExporterId; readonly on: string };

/** One step of a trace: the action and what it returned. */
export interface TraceStep {
  readonly action: Action;
  readonly ret: Ret;
}

export interface Step<S> {
  readonly state: S;
  readonly ret: Ret;
  readonly events: readonly Event[];
}

// --- ghost view (docs/explanation.md §2) --------------------------------

/** Exporter driver state: bound, tearing down, or torn down. */
export type DriverState = 'bound' | 'unbinding' | 'unbound';

export interface GhostPage {
  /** The allocation owning the page now, or null when it is in the pool. */
  readonly owner: AllocId | null;
}

export interface GhostView {
  readonly exporters: readonly {
    readonly driver: DriverState;
    readonly pages: readonly GhostPage[];
    /** Allocations being evicted (revocation started, not finished). */
    readonly evicting: readonly AllocId[];
  }[];
  /** Outstanding kernel/device work: mmaps not yet linked, in-flight I/O, pending invalidations, evictions and unbinds under way. */
  readonly obligations: number;
}
