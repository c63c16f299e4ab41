// Action builders for the tests, one per action kind (O_DIRECT as pread and pwrite), each defaulting
// to the commonest call under defaultConfig: process 0, exporter e0, the process's VMA slot 0, page 0,
// nvme0 for I/O, nic0 for MRs, slot 0 of an MR, bio or allocation. Each returns its own variant.
import type { Action } from '../model/vocabulary.js';

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;

/** defaultConfig's nic0: ODP, host-bridge route. */
const NIC0 = 2;

/** A MAP_SHARED mmap of e0 at offset 0 by process 0, unless `more` says otherwise. */
export const mmap = (pages = 1, more: Partial<Of<'proc_mmap'>> = {}): Of<'proc_mmap'> => ({
  kind: 'proc_mmap',
  proc: 0,
  exporter: 0,
  pages,
  shared: true,
  offset: 0,
  ...more,
});
/** mmap() stopped before vma_link_file(), as mmap() defaults. */
export const mmapStart = (pages = 1, more: Partial<Of<'proc_mmap_start'>> = {}): Of<'proc_mmap_start'> => ({ ...mmap(pages), ...more, kind: 'proc_mmap_start' });
export const mmapLink = (vma = 0, proc = 0): Of<'proc_mmap_link'> => ({ kind: 'proc_mmap_link', proc, vma });
export const munmap = (vma = 0, proc = 0): Of<'proc_munmap'> => ({ kind: 'proc_munmap', proc, vma });
export const fork = (proc = 0): Of<'proc_fork'> => ({ kind: 'proc_fork', proc });
export const exit = (proc = 0): Of<'proc_exit'> => ({ kind: 'proc_exit', proc });
export const touch = (vma = 0, page = 0, proc = 0): Of<'proc_touch'> => ({ kind: 'proc_touch', proc, vma, page });
export const kernelCopy = (vma = 0, page = 0, proc = 0): Of<'proc_kernel_copy'> => ({ kind: 'proc_kernel_copy', proc, vma, page });
const odirect =
  (read: boolean) =>
  (importer = 0, vma = 0, page = 0, proc = 0): Of<'proc_odirect'> => ({ kind: 'proc_odirect', proc, importer, vma, page, read });
/** proc_odirect with read: true (the device writes the page). */
export const pread = odirect(true);
/** proc_odirect with read: false (the device reads the page). */
export const pwrite = odirect(false);
/** An ODP MR through nic0 by process 0, unless `more` says otherwise. */
export const regMr = (vma = 0, more: Partial<Of<'proc_reg_mr'>> = {}): Of<'proc_reg_mr'> => ({
  kind: 'proc_reg_mr',
  proc: 0,
  importer: NIC0,
  vma,
  odp: true,
  ...more,
});
export const deregMr = (mr = 0, proc = 0): Of<'proc_dereg_mr'> => ({ kind: 'proc_dereg_mr', proc, mr });
export const ioDma = (io = 0, importer = 0): Of<'dev_io_dma'> => ({ kind: 'dev_io_dma', importer, io });
export const ioComplete = (io = 0, importer = 0): Of<'dev_io_complete'> => ({ kind: 'dev_io_complete', importer, io });
export const mrDma = (mr = 0, page = 0, importer = NIC0): Of<'dev_mr_dma'> => ({ kind: 'dev_mr_dma', importer, mr, page });
export const ack = (mr = 0, importer = NIC0): Of<'importer_ack_invalidate'> => ({ kind: 'importer_ack_invalidate', importer, mr });
export const evict = (alloc = 0, exporter = 0): Of<'exporter_evict'> => ({ kind: 'exporter_evict', exporter, alloc });
export const evictFinish = (alloc = 0, exporter = 0): Of<'exporter_evict_finish'> => ({ kind: 'exporter_evict_finish', exporter, alloc });
export const unbind = (exporter = 0): Of<'exporter_unbind'> => ({ kind: 'exporter_unbind', exporter });
export const unbindFinish = (exporter = 0): Of<'exporter_unbind_finish'> => ({ kind: 'exporter_unbind_finish', exporter });
export const injectInsertFail = (nth = 0): Of<'inject_insert_fail'> => ({ kind: 'inject_insert_fail', nth });
/** VFIO_DEVICE_FEATURE_DMA_BUF by process 0: e0's pages from `page` as a dma-buf fd, unless `more` says otherwise. */
export const vfioDmaBuf = (page = 0, pages = 1, more: Partial<Of<'proc_vfio_dma_buf'>> = {}): Of<'proc_vfio_dma_buf'> => ({
  kind: 'proc_vfio_dma_buf',
  proc: 0,
  exporter: 0,
  page,
  pages,
  ...more,
});
export const close = (fd = 0, proc = 0): Of<'proc_close'> => ({ kind: 'proc_close', proc, fd });
