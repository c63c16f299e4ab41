// Canonical state keys for the exhaustive search. Generations matter only
// as "this pin's page was freed since" (stale), so they are abstracted to
// that bit; with symmetry, dead entities go and ids are renamed: processes
// by what they hold, VMAs by process, allocations by first page, alike
// importers by what they hold.
// BAR pages are not interchangeable: gen_pool first fit makes order observable.
// A hot path of `p2pmodel check`: plain loops and string building.
import { importerRenaming } from '../shared.js';
import type { SpPin, SpState } from './state.js';

function pinKey(s: SpState, pin: SpPin | null): string {
  if (pin === null) return '-';
  const stale = s.exporters[pin.exporter]!.pages[pin.page]!.gen === pin.gen ? '' : '~';
  return `${pin.exporter}.${pin.page}${stale}`;
}

function exportersKey(s: SpState, alloc: (id: number) => number): string {
  let out = '';
  for (const e of s.exporters) {
    out += `${e.driver}/${e.pgmap_ref}/${e.ref_dead ? 'd' : 'l'}:`;
    for (const p of e.pages) out += `${p.refcount}${p.owner === null ? '' : `a${alloc(p.owner)}`},`;
    out += '|';
  }
  return out;
}

function exactKey(s: SpState): string {
  let out = exportersKey(s, (id) => id) + s.injectInsertFail;
  for (const p of s.procs) out += p.alive ? 'A' : p.born ? 'D' : 'U';
  for (const v of s.vmas) out += `v${v.proc}${v.alloc}${v.mapped ? 'm' : ''}${v.ptes ? 'p' : ''}`;
  for (const io of s.ios) out += `i${io.importer}${io.read ? 'r' : 'w'}${io.inflight ? 'f' : ''}${pinKey(s, io.pin)}`;
  for (const mr of s.mrs) {
    out += `r${mr.importer}${mr.proc}${mr.vma}${mr.odp ? 'o' : ''}${mr.live ? 'l' : ''}`;
    for (const p of mr.pinned) out += pinKey(s, p);
    for (const p of mr.odpMapped) out += pinKey(s, p);
  }
  for (const a of s.allocs) out += a.evicting ? 'E' : 'e';
  return out;
}

export function structPageKey(s: SpState, symmetry: boolean): string {
  if (!symmetry) return exactKey(s);
  // allocations renamed by the order their pages appear, then evicting ones
  const allocName = new Map<number, number>();
  for (const e of s.exporters) for (const p of e.pages) if (p.owner !== null && !allocName.has(p.owner)) allocName.set(p.owner, allocName.size);
  s.allocs.forEach((a, id) => {
    if (a.evicting && !allocName.has(id)) allocName.set(id, allocName.size);
  });
  const alloc = (id: number) => allocName.get(id) ?? -1;

  const vmaSig: string[] = s.vmas.map((v) => `${v.exporter}:${alloc(v.alloc)}:${v.pages.join(',')}:${v.ptes ? 'P' : 'z'}`);
  const mrText = (mr: SpState['mrs'][number]) => {
    let sig = `${mr.odp ? 'o' : 'p'}:${vmaSig[mr.vma]}:`;
    for (const p of mr.pinned) sig += pinKey(s, p);
    for (const p of mr.odpMapped) sig += pinKey(s, p);
    return sig;
  };
  const ioText = (io: SpState['ios'][number]) => `${io.read ? 'r' : 'w'}${pinKey(s, io.pin)}`;
  const importer = importerRenaming(s.config, (i) => {
    const held = [...s.mrs.filter((mr) => mr.live && mr.importer === i).map(mrText), ...s.ios.filter((io) => io.inflight && io.importer === i).map(ioText)];
    return held.sort().join('|');
  });
  const procVmas: string[][] = s.procs.map(() => []);
  s.vmas.forEach((v, id) => v.mapped && procVmas[v.proc]!.push(vmaSig[id]!));
  const procMrs: string[][] = s.procs.map(() => []);
  for (const mr of s.mrs) if (mr.live) procMrs[mr.proc]!.push(`${importer[mr.importer]}:${mrText(mr)}`);
  const procs = s.procs.map((p, i) => `${p.alive ? 'A' : p.born ? 'D' : 'U'}[${procVmas[i]!.sort().join(';')}][${procMrs[i]!.sort().join(';')}]`);
  const ios: string[] = [];
  for (const io of s.ios) if (io.inflight) ios.push(`${importer[io.importer]}${ioText(io)}`);
  const evicting: number[] = [];
  s.allocs.forEach((a, id) => a.evicting && evicting.push(alloc(id)));
  return `${exportersKey(s, alloc)}${s.injectInsertFail}#${procs.sort().join('#')}#${ios.sort().join(',')}#${evicting.sort()}`;
}
