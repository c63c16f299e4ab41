// Canonical state keys for the exhaustive search. A p2p_map's generation
// matters only as "its page was freed since" (stale). With symmetry, dead
// objects, VMAs, MRs and undone p2p_maps go, processes are sorted by what
// they hold, alike importers are renamed by what they map, and objects are
// renamed in the order a traversal meets them:
// a relabelling, so equal keys mean isomorphic states.
// A hot path of `p2pmodel check`: plain loops and string building, no
// named inner functions (tsx's keepNames wraps each in __name() per call).
import { importerRenaming } from '../shared.js';
import type { VpMr, VpState } from './state.js';

/** What importer `i` maps and whether it owes an ack, written without importer ids. */
function importerHolds(s: VpState, i: number): string {
  const held: string[] = [];
  for (const mr of s.mrs) {
    if (!mr.live || mr.importer !== i) continue;
    held.push(`${mr.pendingInvalidation}${mr.mapped.map((m) => (m?.mem === 'bar' ? `${s.p2pMaps[m.p2p]!.exporter}.${s.p2pMaps[m.p2p]!.page}` : (m?.mem ?? '-')))}`);
  }
  return held.sort().join('|');
}

/** One key's working set: importer names, each p2p_map's text written once, the VMAs each process maps. */
interface KeyContext {
  readonly s: VpState;
  readonly importer: readonly number[];
  /** mapText() of each p2p_map, filled as MRs and the outstanding list meet them. */
  readonly maps: (string | undefined)[];
  /** Mapped VMA ids of each process, by id. */
  readonly procVmas: readonly number[][];
}

function mapText(c: KeyContext, i: number): string {
  const cached = c.maps[i];
  if (cached !== undefined) return cached;
  const m = c.s.p2pMaps[i]!;
  const stale = c.s.exporters[m.exporter]!.pages[m.page]!.gen !== m.gen ? '~' : '';
  const text = `${c.importer[m.importer]}>${m.exporter}.${m.page}${stale}${m.outstanding ? '' : 'u'}`;
  c.maps[i] = text;
  return text;
}

function mrText(c: KeyContext, mr: VpMr, objName: readonly string[]): string {
  let out = `${c.importer[mr.importer]}${mr.pendingInvalidation ? 'P' : ''}[`;
  for (const m of mr.mapped)
    out += m === null ? '-,' : m.mem === 'ram' ? 'ram,' : `${mapText(c, m.p2p)}:${objName[c.s.p2pMaps[m.p2p]!.alloc]},`;
  return `${out}]`;
}

/** The text of each mapped VMA (by id) and of each process, with objects written as `objName`. */
function procTexts(c: KeyContext, objName: readonly string[]) {
  const { s } = c;
  const mrsOn = new Map<number, string[]>();
  const orphans: string[][] = s.procs.map(() => []);
  for (const mr of s.mrs) {
    if (!mr.live) continue;
    const text = mrText(c, mr, objName);
    if (!s.vmas[mr.vma]!.mapped) orphans[mr.proc]!.push(text); // an ignoring importer's MR outlives its VMA
    else {
      const on = mrsOn.get(mr.vma);
      if (on) on.push(text);
      else mrsOn.set(mr.vma, [text]);
    }
  }
  const full: string[] = [];
  const text: string[] = [];
  for (let proc = 0; proc < s.procs.length; proc++) {
    const vmas: string[] = [];
    for (const id of c.procVmas[proc]!) {
      const v = s.vmas[id]!;
      full[id] = `${v.exporter}:${objName[v.alloc]}:${v.npages}:${v.ptes ? 'P' : 'z'}:${mrsOn.get(id)?.sort().join(';') ?? ''}`;
      vmas.push(full[id]!);
    }
    const p = s.procs[proc]!;
    text.push(`${p.alive ? 'A' : p.born ? 'D' : 'U'}[${vmas.sort().join('|')}][${orphans[proc]!.sort().join('|')}]`);
  }
  return { full, text };
}

function symmetricKey(s: VpState): string {
  const procVmas: number[][] = s.procs.map(() => []);
  for (let id = 0; id < s.vmas.length; id++) if (s.vmas[id]!.mapped) procVmas[s.vmas[id]!.proc]!.push(id);
  const c: KeyContext = { s, importer: importerRenaming(s.config, (i) => importerHolds(s, i)), maps: [], procVmas };
  const objContent = s.objects.map(
    (o) => `${o.exporter}:${o.npages}:${o.placement}:${o.pages.join(',')}:${o.vmas}${o.evicting ? 'E' : ''}`,
  );

  // order processes by content, then name objects: BAR owners by page, then as the processes meet them
  const content = procTexts(c, objContent);
  const byContent = content.text.map((sig, proc) => ({ sig, proc }));
  byContent.sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : a.proc - b.proc));
  const names: string[] = s.objects.map(() => '');
  let next = 0;
  for (const e of s.exporters) for (const p of e.pages) if (p.owner !== null && names[p.owner] === '') names[p.owner] = `a${next++}`;
  for (const { proc } of byContent) {
    const ids = [...procVmas[proc]!].sort((a, b) => (content.full[a]! < content.full[b]! ? -1 : 1));
    for (const id of ids) if (names[s.vmas[id]!.alloc] === '') names[s.vmas[id]!.alloc] = `a${next++}`;
  }
  for (let id = 0; id < s.objects.length; id++) if ((s.objects[id]!.live || s.objects[id]!.evicting) && names[id] === '') names[id] = `a${next++}`;

  const named = procTexts(c, names).text;
  let out = `${s.injectInsertFail}|`;
  for (const e of s.exporters) {
    out += `${e.driver}:`;
    for (let p = 0; p < e.pages.length; p++) out += `${p === 0 ? '' : ','}${e.pages[p]!.owner === null ? '' : names[e.pages[p]!.owner!]}`;
    out += '|';
  }
  const objects: string[] = [];
  for (let id = 0; id < s.objects.length; id++) {
    const o = s.objects[id]!;
    if (o.live || o.evicting) objects.push(`${names[id]}=${objContent[id]}${o.live ? 'L' : ''}`);
  }
  out += objects.sort().join(',');
  out += '#';
  for (const { proc } of byContent) out += `${named[proc]}#`;
  const outstanding: string[] = [];
  for (let i = 0; i < s.p2pMaps.length; i++) if (s.p2pMaps[i]!.outstanding) outstanding.push(`${mapText(c, i)}:${names[s.p2pMaps[i]!.alloc]}`);
  return out + outstanding.sort().join(',');
}

function exactKey(s: VpState): string {
  const c: KeyContext = { s, importer: s.config.importers.map((_, i) => i), maps: [], procVmas: [] };
  const objIds = s.objects.map((_, id) => `a${id}`);
  let out = `${s.injectInsertFail}|`;
  for (const e of s.exporters) out += `${e.driver}:${e.pages.map((p) => p.owner).join(',')}|`;
  for (const p of s.procs) out += p.alive ? 'A' : p.born ? 'D' : 'U';
  for (const v of s.vmas) out += `v${v.proc}.${v.alloc}.${v.npages}${v.mapped ? 'm' : ''}${v.ptes ? 'p' : ''}`;
  for (const o of s.objects) out += `o${o.exporter}.${o.npages}.${o.placement}.${o.pages.join(',')}.${o.vmas}${o.evicting ? 'E' : ''}${o.live ? 'L' : ''}`;
  for (const mr of s.mrs) out += `r${mr.proc}.${mr.vma}${mr.live ? 'l' : ''}${mrText(c, mr, objIds)}`;
  for (let i = 0; i < s.p2pMaps.length; i++) out += `${mapText(c, i)}:${objIds[s.p2pMaps[i]!.alloc]};`;
  return out;
}

export function vmaP2pKey(s: VpState, symmetry: boolean): string {
  return symmetry ? symmetricKey(s) : exactKey(s);
}
