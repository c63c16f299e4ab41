// Canonical state keys for the exhaustive search. Generations matter only
// as "this pin's page was freed since" (stale), so they are abstracted to
// that bit; with symmetry, dead entities go and ids are renamed: processes
// by what they hold, VMAs by process, allocations by first page, alike
// importers by what they hold.
// BAR pages are not interchangeable: gen_pool first fit makes order observable.
// A hot path of `p2pmodel check`: plain loops and string building, no
// named inner functions (tsx's keepNames wraps each in __name() per call).
import { importerRenaming } from '../shared.js';
import type { SpIo, SpMr, SpPin, SpState } from './state.js';

function pinKey(s: SpState, pin: SpPin | null): string {
  if (pin === null) return '-;';
  const stale = s.exporters[pin.exporter]!.pages[pin.page]!.gen === pin.gen ? '' : '~';
  return `${pin.exporter}.${pin.page}${stale};`;
}

/** `alloc[id]` is the name an allocation goes by; exact keys pass null for its id. */
function exportersKey(s: SpState, alloc: readonly number[] | null): string {
  let out = '';
  for (const e of s.exporters) {
    out += `${e.driver}/${e.pgmap_ref}/${e.ref_dead ? 'd' : 'l'}:`;
    for (const p of e.pages) out += `${p.refcount}${p.owner === null ? '' : `a${alloc === null ? p.owner : alloc[p.owner]}`},`;
    out += '|';
  }
  return out;
}

function exactKey(s: SpState): string {
  let out = exportersKey(s, null) + s.injectInsertFail;
  for (const p of s.procs) out += p.alive ? 'A' : p.born ? 'D' : 'U';
  // ids are separated: with more than ten of anything, run together they could collide
  for (const v of s.vmas) out += `v${v.proc}.${v.exporter}.${v.alloc}.${v.pages.join(',')}${v.mapped ? 'm' : ''}${v.ptes ? 'p' : ''}`;
  for (const io of s.ios) out += `i${io.importer}${io.read ? 'r' : 'w'}${io.inflight ? 'f' : ''}${pinKey(s, io.pin)}`;
  for (const mr of s.mrs) {
    out += `r${mr.importer}.${mr.proc}.${mr.vma}${mr.odp ? 'o' : ''}${mr.live ? 'l' : ''}`;
    for (const p of mr.pinned) out += pinKey(s, p);
    for (const p of mr.odpMapped) out += pinKey(s, p);
  }
  for (const a of s.allocs) out += a.evicting ? 'E' : 'e';
  return out;
}

/** Allocations renamed by the order their pages appear, then evicting ones; -1 for the rest. */
function allocNames(s: SpState): number[] {
  const name = s.allocs.map(() => -1);
  let next = 0;
  for (const e of s.exporters) for (const p of e.pages) if (p.owner !== null && name[p.owner] === -1) name[p.owner] = next++;
  for (let id = 0; id < s.allocs.length; id++) if (s.allocs[id]!.evicting && name[id] === -1) name[id] = next++;
  return name;
}

/** A VMA written without its id or process, its allocation by name; each written once per key. */
function vmaSig(s: SpState, alloc: readonly number[], sigs: (string | undefined)[], id: number): string {
  const cached = sigs[id];
  if (cached !== undefined) return cached;
  const v = s.vmas[id]!;
  const sig = `${v.exporter}:${alloc[v.alloc]}:${v.pages.join(',')}:${v.ptes ? 'P' : 'z'}`;
  sigs[id] = sig;
  return sig;
}

function mrText(s: SpState, mr: SpMr, alloc: readonly number[], sigs: (string | undefined)[]): string {
  let sig = `${mr.odp ? 'o' : 'p'}:${vmaSig(s, alloc, sigs, mr.vma)}:`;
  for (const p of mr.pinned) sig += pinKey(s, p);
  for (const p of mr.odpMapped) sig += pinKey(s, p);
  return sig;
}

const ioText = (s: SpState, io: SpIo) => `${io.read ? 'r' : 'w'}${pinKey(s, io.pin)}`;

/** What importer `i` holds, written without importer ids: its live MRs and in-flight bios. */
function importerHolds(s: SpState, i: number, alloc: readonly number[], sigs: (string | undefined)[]): string {
  const held: string[] = [];
  for (const mr of s.mrs) if (mr.live && mr.importer === i) held.push(mrText(s, mr, alloc, sigs));
  for (const io of s.ios) if (io.inflight && io.importer === i) held.push(ioText(s, io));
  return held.sort().join('|');
}

export function structPageKey(s: SpState, symmetry: boolean): string {
  if (!symmetry) return exactKey(s);
  const alloc = allocNames(s);
  const sigs: (string | undefined)[] = [];
  const importer = importerRenaming(s.config, (i) => importerHolds(s, i, alloc, sigs));
  const procVmas: string[][] = s.procs.map(() => []);
  for (let id = 0; id < s.vmas.length; id++) if (s.vmas[id]!.mapped) procVmas[s.vmas[id]!.proc]!.push(vmaSig(s, alloc, sigs, id));
  const procMrs: string[][] = s.procs.map(() => []);
  for (const mr of s.mrs) if (mr.live) procMrs[mr.proc]!.push(`${importer[mr.importer]}:${mrText(s, mr, alloc, sigs)}`);
  const procs = s.procs.map((p, i) => `${p.alive ? 'A' : p.born ? 'D' : 'U'}[${procVmas[i]!.sort().join(';')}][${procMrs[i]!.sort().join(';')}]`);
  const ios: string[] = [];
  for (const io of s.ios) if (io.inflight) ios.push(`${importer[io.importer]}${ioText(s, io)}`);
  const evicting: number[] = [];
  for (let id = 0; id < s.allocs.length; id++) if (s.allocs[id]!.evicting) evicting.push(alloc[id]!);
  return `${exportersKey(s, alloc)}${s.injectInsertFail}#${procs.sort().join('#')}#${ios.sort().join(',')}#${evicting.sort()}`;
}
