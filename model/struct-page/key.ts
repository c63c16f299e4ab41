// Canonical state keys for the exhaustive search. Generations matter only
// as "this pin's page was freed since" (stale), so they are abstracted to
// that bit; with symmetry, dead entities go and ids are renamed: processes
// by what they hold, VMAs by process, allocations by first page.
// BAR pages are not interchangeable: gen_pool first fit makes order observable.
import type { SpPin, SpState } from './state.js';

const pinKey = (s: SpState, pin: SpPin) => {
  const page = s.exporters[pin.exporter]!.pages[pin.page]!;
  return `${pin.exporter}.${pin.page}${page.gen === pin.gen ? '' : '~'}`;
};

export function structPageKey(s: SpState, symmetry: boolean): string {
  if (!symmetry) {
    const pages = s.exporters.map((e) => [e.driver, e.pgmap_ref, e.ref_dead, e.pages.map((p) => [p.refcount, p.owner])]);
    const ios = s.ios.map((io) => [io.importer, io.read, io.inflight, pinKey(s, io.pin)]);
    const mrs = s.mrs.map((mr) => [mr.importer, mr.proc, mr.vma, mr.odp, mr.live, mr.pinned.map((p) => pinKey(s, p)), mr.odpMapped.map((p) => p && pinKey(s, p))]);
    return JSON.stringify([pages, s.procs, s.vmas, s.allocs, ios, mrs, s.injectInsertFail]);
  }
  // allocations renamed by the order their pages appear; dead ones dropped
  const allocName = new Map<number, number>();
  s.exporters.forEach((e) => e.pages.forEach((p) => p.owner !== null && !allocName.has(p.owner) && allocName.set(p.owner, allocName.size)));
  s.allocs.forEach((a, id) => a.evicting && !allocName.has(id) && allocName.set(id, allocName.size));
  const alloc = (id: number) => allocName.get(id) ?? -1;

  const vmaSig = (id: number) => {
    const v = s.vmas[id]!;
    return `${v.exporter}:${alloc(v.alloc)}:${v.pages.join(',')}:${v.ptes ? 'P' : 'z'}`;
  };
  const mrSig = (id: number) => {
    const mr = s.mrs[id]!;
    const pins = mr.pinned.map((p) => pinKey(s, p)).join(',');
    const odp = mr.odpMapped.map((p) => (p ? pinKey(s, p) : '-')).join(',');
    return `${mr.importer}:${mr.odp ? 'odp' : 'pin'}:${vmaSig(mr.vma)}:${pins}:${odp}`;
  };
  const liveVmas = s.vmas.flatMap((v, id) => (v.mapped ? [id] : []));
  const liveMrs = s.mrs.flatMap((mr, id) => (mr.live ? [id] : []));
  const procSig = s.procs.map((p, proc) =>
    JSON.stringify([
      p.alive,
      p.born,
      liveVmas.filter((id) => s.vmas[id]!.proc === proc).map(vmaSig).sort(),
      liveMrs.filter((id) => s.mrs[id]!.proc === proc).map(mrSig).sort(),
    ]),
  );
  const exporters = s.exporters.map((e) => [e.driver, e.pgmap_ref, e.ref_dead, e.pages.map((p) => [p.refcount, p.owner === null ? -1 : alloc(p.owner)])]);
  const ios = s.ios.flatMap((io) => (io.inflight ? [`${io.importer}:${io.read}:${pinKey(s, io.pin)}`] : [])).sort();
  const evicting = s.allocs.flatMap((a, id) => (a.evicting ? [alloc(id)] : [])).sort();
  return JSON.stringify([exporters, procSig.sort(), ios, evicting, s.injectInsertFail]);
}
