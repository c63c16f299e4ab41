// How an action reads in a trace: the actor and a kernel-flavoured call.
// trace/ parses exactly this; keep the two in step.
import { match } from 'ts-pattern';
import type { Action, Config } from './vocabulary.js';

export interface FormattedCall {
  /** 'p0', 'nvme0', 'nic0', 'e0' or 'fault'. */
  readonly actor: string;
  readonly call: string;
}

export function formatCall(action: Action, config: Config): FormattedCall {
  const imp = (i: number) => config.importers[i]?.name ?? `importer${i}`;
  const exp = (e: number) => config.exporters[e]?.name ?? `exporter${e}`;
  return match(action)
    .with({ kind: 'proc_mmap' }, (a) => ({
      actor: `p${a.proc}`,
      call: `mmap(${exp(a.exporter)}, ${a.pages}, ${a.shared ? 'MAP_SHARED' : 'MAP_PRIVATE'}, ${a.offset})`,
    }))
    .with({ kind: 'proc_munmap' }, (a) => ({ actor: `p${a.proc}`, call: `munmap(vma${a.vma})` }))
    .with({ kind: 'proc_fork' }, (a) => ({ actor: `p${a.proc}`, call: 'fork()' }))
    .with({ kind: 'proc_exit' }, (a) => ({ actor: `p${a.proc}`, call: 'exit()' }))
    .with({ kind: 'proc_touch' }, (a) => ({ actor: `p${a.proc}`, call: `touch(vma${a.vma}, ${a.page})` }))
    .with({ kind: 'proc_odirect' }, (a) => ({
      actor: `p${a.proc}`,
      call: `${a.read ? 'pread' : 'pwrite'}(${imp(a.importer)}, vma${a.vma}, ${a.page}, O_DIRECT)`,
    }))
    .with({ kind: 'proc_kernel_copy' }, (a) => ({
      actor: `p${a.proc}`,
      call: `process_vm_readv(vma${a.vma}, ${a.page})`,
    }))
    .with({ kind: 'proc_reg_mr' }, (a) => ({
      actor: `p${a.proc}`,
      call: `ibv_reg_mr(${imp(a.importer)}, vma${a.vma}${a.odp ? ', ODP' : ''})`,
    }))
    .with({ kind: 'proc_dereg_mr' }, (a) => ({ actor: `p${a.proc}`, call: `ibv_dereg_mr(mr${a.mr})` }))
    .with({ kind: 'dev_io_dma' }, (a) => ({ actor: imp(a.importer), call: `dma(io${a.io})` }))
    .with({ kind: 'dev_io_complete' }, (a) => ({ actor: imp(a.importer), call: `complete(io${a.io})` }))
    .with({ kind: 'dev_mr_dma' }, (a) => ({ actor: imp(a.importer), call: `dma(mr${a.mr}, ${a.page})` }))
    .with({ kind: 'importer_ack_invalidate' }, (a) => ({
      actor: imp(a.importer),
      call: `ack_invalidate(mr${a.mr})`,
    }))
    .with({ kind: 'exporter_evict' }, (a) => ({ actor: exp(a.exporter), call: `evict(a${a.alloc})` }))
    .with({ kind: 'exporter_evict_finish' }, (a) => ({
      actor: exp(a.exporter),
      call: `evict_finish(a${a.alloc})`,
    }))
    .with({ kind: 'exporter_unbind' }, (a) => ({ actor: exp(a.exporter), call: 'unbind()' }))
    .with({ kind: 'exporter_unbind_finish' }, (a) => ({ actor: exp(a.exporter), call: 'unbind_finish()' }))
    .with({ kind: 'inject_insert_fail' }, (a) => ({ actor: 'fault', call: `fail_vm_insert_page(${a.nth})` }))
    .exhaustive();
}

export function formatAction(action: Action, config: Config): string {
  const { actor, call } = formatCall(action, config);
  return `${actor}: ${call}`;
}
