// Symmetry reduction on packed states, as Spin and TLC do it: a state is
// stored in a canonical form in which process slots, VMA slots within a
// process, allocation, MR and bio slots are renamed by what they hold.
// Every rewrite renames an entity everywhere it is named, so the
// canonical form is a relabelling of the state. Merging by it is sound
// only if relabelling commutes with every step: no slot's id may be
// observable. Slots are filled first fit, and a free slot is zeroed and
// named by nothing, so whichever one first fit picks, the result is the
// state relabelled. A slot's id would show only through a reference
// that outlives its entity, and the designs clear those (a freed
// allocation's refs become NONE, exit deregisters a process's MRs),
// except an ODP MR's VMA slot: a design that reads it keeps VMA ids
// (mrVma); one that never reads it leaves it out of the form, as
// Promela leaves out `hidden` variables (states that differ only there
// have one future). The order is computed from content hashes, so a few
// isomorphic states keep distinct forms (less reduction, never a wrong
// verdict). BAR pages and importers keep their ids: first fit makes
// page order observable, and importers differ in kind and route.
// The hottest code of a complete search, so it is compiled for its
// layout: every loop over a fixed count unrolled, every offset a
// constant, typed arrays only where a state's bytes choose the index.
import { fieldOffset } from './packed.js';
import { FdSlot, fdFields, type Layout, mrFields, PROC_SIZE, vmaFields } from './state.js';

/** Fields a design adds that name an allocation (stored as index + 1). */
export interface SymmetryRefs {
  /** Offsets within a page slot, besides its owner (offset 0). */
  readonly pageAllocRefs: readonly number[];
  /** Offsets within an MR slot's own fields (its dma-buf). */
  readonly mrAllocRefs: readonly number[];
  /** Offsets within one MR page entry. */
  readonly entryAllocRefs: readonly number[];
  /**
   * Whether a step reads an MR's VMA slot. `read`: an ODP MR mirrors
   * whatever VMA holds the slot (its address range) now, even after its
   * own VMA is gone, and mmap() fills the lowest free slot, so which slot
   * a VMA had decides what a later mmap() is mirrored by: VMA slots keep
   * their ids. `unread`: VMA slots are renamed, and the MR's VMA is left
   * out of the form (a replay still shows it).
   */
  readonly mrVma: 'read' | 'unread';
}

/** Base slot offsets (state.ts): VmaSlot.used/.alloc, FdSlot.used/.alloc, MrSlot.live/.proc/.vma. */
const VMA_USED = fieldOffset(vmaFields, 'used');
const VMA_ALLOC = fieldOffset(vmaFields, 'alloc');
const FD_USED = fieldOffset(fdFields, 'used');
const FD_ALLOC = fieldOffset(fdFields, 'alloc');
const FD_SIZE = FdSlot.size;
const MR_LIVE = fieldOffset(mrFields, 'live');
const MR_PROC = fieldOffset(mrFields, 'proc');
const MR_VMA = fieldOffset(mrFields, 'vma');
const UNUSED = 0xffffffff;
const SEED = 0x811c9dc5;
const FNV = 0x01000193;

export interface Canonicalizer {
  write(src: Uint8Array, so: number, dst: Uint8Array, dO: number): void;
}

/** Sort `order[at..at+n)` (ids) by `key[id]`, then id: insertion sort, n is small. */
function sortIds(order: Int32Array, at: number, n: number, key: Uint32Array, keyAt: number): void {
  if (n === 2) {
    const x = order[at]!;
    const y = order[at + 1]!;
    const kx = key[keyAt + x]!;
    const ky = key[keyAt + y]!;
    if (ky < kx || (ky === kx && y < x)) {
      order[at] = y;
      order[at + 1] = x;
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = order[at + i]!;
    const kx = key[keyAt + x]!;
    let j = i - 1;
    for (; j >= 0; j--) {
      const y = order[at + j]!;
      const ky = key[keyAt + y]!;
      if (ky < kx || (ky === kx && y < x)) break;
      order[at + j + 1] = y;
    }
    order[at + j + 1] = x;
  }
}

export function canonicalizer(L: Layout, refs: SymmetryRefs): Canonicalizer {
  const w = L.world;
  const { sizes } = L;
  const A = w.allocs;
  const N = w.procs;
  const V = w.vmas;
  const F = L.fds;
  const M = w.mrs;
  const B = L.bios;
  const S = L.mrStride;

  // every byte that names an allocation, as offsets from the state's start
  const pageRefs: number[] = [];
  w.config.exporters.forEach((ex, e) => {
    for (let p = 0; p < ex.pages; p++) for (const r of [0, ...refs.pageAllocRefs]) pageRefs.push(L.pageAt[e]! + p * sizes.page + r);
  });
  const isEntryRef = new Uint8Array(S);
  for (let i = 0; i < w.mapPages; i++) for (const r of refs.entryAllocRefs) isEntryRef[sizes.mr + i * sizes.entry + r] = 1;
  for (const r of refs.mrAllocRefs) isEntryRef[r] = 1;
  const vmaAt = Int32Array.from({ length: N * V }, (_, i) => L.procAt + Math.floor(i / V) * L.procStride + PROC_SIZE + (i % V) * sizes.vma);
  const fdAt = Int32Array.from({ length: N * F }, (_, i) => L.procAt + Math.floor(i / F) * L.procStride + L.fdAt + (i % F) * FD_SIZE);
  const procAt = Int32Array.from({ length: N }, (_, p) => L.procAt + p * L.procStride);
  const allocAt = Int32Array.from({ length: A }, (_, a) => L.allocAt + a * sizes.alloc);
  const mrAt = (m: number) => L.mrAt + m * S;

  const scratch = {
    sortIds,
    vmaAt,
    fdAt,
    procAt,
    allocAt,
    allocName: new Int32Array(A),
    allocKey: new Uint32Array(A),
    vmaSig: new Uint32Array(N * V),
    vmaOrder: new Int32Array(N * V),
    vmaRank: new Int32Array(N * V),
    fdSig: new Uint32Array(N * F),
    fdOrder: new Int32Array(N * F),
    mrSig: new Uint32Array(M),
    procSig: new Uint32Array(N),
    procOrder: new Int32Array(N),
    procRank: new Int32Array(N),
    mrOrder: new Int32Array(M),
    mrTmp: new Uint8Array(M * S),
    bioOrder: new Int32Array(B),
    held: new Uint32Array(M),
    heldOrder: new Int32Array(M),
  };

  const c: string[] = [];
  const mix = (x: string) => c.push(`h = Math.imul(h ^ ${x}, ${FNV}) >>> 0;`);
  /** A byte naming an allocation, in `x`, as the token a signature hashes. */
  const token = 'x > 0 ? (allocName[x - 1] >= 0 ? 0x1000000 + allocName[x - 1] : allocKey[x - 1]) : 0';
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  // 1. allocations named by the BAR pages that refer to them, in page order
  c.push('let h = 0, x = 0, n = 0, p = 0, v = 0, next = 0, from = 0, to = 0;');
  for (const a of range(A)) c.push(`allocName[${a}] = -1;`);
  for (const r of pageRefs) c.push(`x = src[so + ${r}]; if (x > 0 && allocName[x - 1] < 0) allocName[x - 1] = next++;`);
  for (const a of range(A)) {
    c.push(`if (allocName[${a}] < 0) { h = ${SEED};`);
    for (const k of range(sizes.alloc)) mix(`src[so + ${allocAt[a]! + k}]`);
    c.push(`allocKey[${a}] = h; }`);
  }

  // 2. VMAs by content (their allocation by name, or by its content), within each process
  for (const i of range(N * V)) {
    const at = vmaAt[i]!;
    c.push(`if (src[so + ${at + VMA_USED}] !== 0) { h = ${SEED};`);
    for (const k of range(sizes.vma)) {
      c.push(`x = src[so + ${at + k}];`);
      if (k === VMA_ALLOC) c.push(`x = ${token};`);
      mix('x');
    }
    c.push(`} else h = ${UNUSED};`, `vmaSig[${i}] = h; vmaOrder[${i}] = ${i % V};`);
  }
  for (const p of range(N)) {
    if (refs.mrVma === 'unread') c.push(`sortIds(vmaOrder, ${p * V}, ${V}, vmaSig, ${p * V});`);
    for (const r of range(V)) c.push(`vmaRank[${p * V} + vmaOrder[${p * V + r}]] = ${r};`);
  }
  // dma-buf files the same way (no one names a file slot)
  for (const i of range(N * F)) {
    const at = fdAt[i]!;
    c.push(`h = ${UNUSED}; if (src[so + ${at + FD_USED}] !== 0) { x = src[so + ${at + FD_ALLOC}]; x = ${token}; h = ${Math.imul(SEED ^ 1, FNV) >>> 0};`);
    mix('x');
    c.push(`}`, `fdSig[${i}] = h; fdOrder[${i}] = ${i % F};`);
  }
  for (const p of range(N)) c.push(`sortIds(fdOrder, ${p * F}, ${F}, fdSig, ${p * F});`);

  // 3. MRs by content, their VMA by its content, without their process
  for (const m of range(M)) {
    const at = mrAt(m);
    c.push(`h = ${SEED}; if (src[so + ${at + MR_LIVE}] !== 0) { v = src[so + ${at + MR_PROC}] * ${V};`);
    for (const k of range(S)) {
      if (k === MR_PROC) continue;
      c.push(`x = src[so + ${at + k}];`);
      if (k === MR_VMA) c.push(refs.mrVma === 'read' ? 'x = x > 0 ? vmaSig[v + x - 1] : 0;' : 'x = 0;');
      else if (isEntryRef[k] === 1) c.push(`x = ${token};`);
      mix('x');
    }
    c.push(`}`, `mrSig[${m}] = h;`);
  }

  // 4. processes by what they hold: their VMAs in order, their MRs sorted
  for (const p of range(N)) {
    c.push(`h = ${SEED};`);
    mix(`src[so + ${procAt[p]}]`);
    for (const i of range(V)) mix(`vmaSig[${p * V} + vmaOrder[${p * V + i}]]`);
    for (const i of range(F)) mix(`fdSig[${p * F} + fdOrder[${p * F + i}]]`);
    c.push('n = 0;');
    for (const m of range(M)) {
      c.push(`if (src[so + ${mrAt(m) + MR_LIVE}] !== 0 && src[so + ${mrAt(m) + MR_PROC}] === ${p}) { held[n] = mrSig[${m}]; heldOrder[n] = n; n++; }`);
    }
    c.push('sortIds(heldOrder, 0, n, held, 0);', 'for (let i = 0; i < n; i++) {');
    mix('held[heldOrder[i]]');
    // live processes first, as fork fills the first free slot: its successor is then often canonical already
    c.push('}', `procSig[${p}] = src[so + ${procAt[p]}] !== 0 ? h >>> 1 : (h >>> 1) | 0x80000000; procOrder[${p}] = ${p};`);
  }
  c.push(`sortIds(procOrder, 0, ${N}, procSig, 0);`);
  for (const r of range(N)) c.push(`procRank[procOrder[${r}]] = ${r};`);

  // 5. the rest of the allocations: as the processes meet them, then by content, then free slots
  for (const r of range(N)) {
    c.push(`p = procOrder[${r}];`);
    for (const i of range(V)) c.push(`x = src[so + vmaAt[p * ${V} + vmaOrder[p * ${V} + ${i}]] + ${VMA_ALLOC}]; if (x > 0 && allocName[x - 1] < 0) allocName[x - 1] = next++;`);
    for (const i of range(F)) c.push(`x = src[so + fdAt[p * ${F} + fdOrder[p * ${F} + ${i}]] + ${FD_ALLOC}]; if (x > 0 && allocName[x - 1] < 0) allocName[x - 1] = next++;`);
  }
  c.push(
    'for (;;) {',
    '  let best = -1;',
    `  for (let a = 0; a < ${A}; a++) if (allocName[a] < 0 && src[so + allocAt[a]] !== 0 && (best < 0 || allocKey[a] < allocKey[best])) best = a;`,
    '  if (best < 0) break;',
    '  allocName[best] = next++;',
    '}',
  );
  for (const a of range(A)) c.push(`if (allocName[${a}] < 0) allocName[${a}] = next++;`);

  // 6. write it out, every name rewritten
  for (const k of range(L.allocAt)) c.push(`dst[dO + ${k}] = src[so + ${k}];`);
  for (const r of pageRefs) c.push(`x = src[so + ${r}]; dst[dO + ${r}] = x > 0 ? allocName[x - 1] + 1 : 0;`);
  for (const a of range(A)) {
    c.push(`to = dO + allocAt[allocName[${a}]];`);
    for (const k of range(sizes.alloc)) c.push(`dst[to + ${k}] = src[so + ${allocAt[a]! + k}];`);
  }
  for (const q of range(N)) {
    c.push(`p = procOrder[${q}];`, `dst[dO + ${procAt[q]}] = src[so + procAt[p]];`);
    for (const i of range(V)) {
      c.push(`from = so + vmaAt[p * ${V} + vmaOrder[p * ${V} + ${i}]];`);
      for (const k of range(sizes.vma)) c.push(`dst[dO + ${vmaAt[q * V + i]! + k}] = src[from + ${k}];`);
      c.push(`x = src[from + ${VMA_ALLOC}]; if (x > 0) dst[dO + ${vmaAt[q * V + i]! + VMA_ALLOC}] = allocName[x - 1] + 1;`);
    }
    for (const i of range(F)) {
      const at = fdAt[q * F + i]!;
      c.push(`from = so + fdAt[p * ${F} + fdOrder[p * ${F} + ${i}]];`, `dst[dO + ${at + FD_USED}] = src[from + ${FD_USED}];`);
      c.push(`x = src[from + ${FD_ALLOC}]; dst[dO + ${at + FD_ALLOC}] = x > 0 ? allocName[x - 1] + 1 : 0;`);
    }
  }
  for (const m of range(M)) {
    const at = mrAt(m);
    c.push(`if (src[so + ${at + MR_LIVE}] === 0) {`);
    for (const k of range(S)) c.push(`mrTmp[${m * S + k}] = 0;`);
    c.push('} else {');
    for (const k of range(S)) c.push(isEntryRef[k] === 1 ? `x = src[so + ${at + k}]; mrTmp[${m * S + k}] = x > 0 ? allocName[x - 1] + 1 : 0;` : `mrTmp[${m * S + k}] = src[so + ${at + k}];`);
    c.push(`p = src[so + ${at + MR_PROC}]; mrTmp[${m * S + MR_PROC}] = procRank[p];`);
    if (refs.mrVma === 'read') c.push(`v = src[so + ${at + MR_VMA}]; mrTmp[${m * S + MR_VMA}] = v > 0 ? vmaRank[p * ${V} + v - 1] + 1 : 0;`);
    else c.push(`mrTmp[${m * S + MR_VMA}] = 0;`);
    c.push('}', `mrOrder[${m}] = ${m};`);
  }
  // MRs and bios sorted by their rewritten bytes
  c.push(
    `for (let i = 1; i < ${M}; i++) {`,
    '  const x = mrOrder[i];',
    '  let j = i - 1;',
    '  for (; j >= 0; j--) {',
    '    const y = mrOrder[j];',
    // live MRs first (MR_LIVE is byte 0), as ibv_reg_mr fills the first free slot
    `    let d = mrTmp[x * ${S}] - mrTmp[y * ${S}];`,
    `    for (let k = 1; k < ${S} && d === 0; k++) d = mrTmp[y * ${S} + k] - mrTmp[x * ${S} + k];`,
    '    if (d <= 0) break;',
    '    mrOrder[j + 1] = y;',
    '  }',
    '  mrOrder[j + 1] = x;',
    '}',
  );
  for (const m of range(M)) {
    c.push(`from = mrOrder[${m}] * ${S};`);
    for (const k of range(S)) c.push(`dst[dO + ${mrAt(m) + k}] = mrTmp[from + ${k}];`);
  }
  if (B > 0) {
    const bio = sizes.bio;
    for (const i of range(B)) c.push(`bioOrder[${i}] = ${i};`);
    c.push(
      `for (let i = 1; i < ${B}; i++) {`,
      '  const x = bioOrder[i];',
      '  let j = i - 1;',
      '  for (; j >= 0; j--) {',
      '    const y = bioOrder[j];',
      '    let d = 0;',
      `    for (let k = 0; k < ${bio} && d === 0; k++) d = src[so + ${L.bioAt} + y * ${bio} + k] - src[so + ${L.bioAt} + x * ${bio} + k];`,
      '    if (d <= 0) break;',
      '    bioOrder[j + 1] = y;',
      '  }',
      '  bioOrder[j + 1] = x;',
      '}',
    );
    for (const i of range(B)) {
      c.push(`from = so + ${L.bioAt} + bioOrder[${i}] * ${bio};`);
      for (const k of range(bio)) c.push(`dst[dO + ${L.bioAt + i * bio + k}] = src[from + ${k}];`);
    }
  }
  // the padding too: `dst` may hold anything
  for (let i = L.padAt; i < L.width; i++) c.push(`dst[dO + ${i}] = src[so + ${i}];`);

  const source = `const { ${Object.keys(scratch).join(', ')} } = scratch;\nreturn function write(src, so, dst, dO) {\n${c.join('\n')}\n};`;
  let write = compiled.get(source);
  if (!write) {
    write = new Function('scratch', source)(scratch) as Canonicalizer['write'];
    compiled.set(source, write);
  }
  return { write };
}

/** Canonicalizers by their source: the presets of one design and world share one, optimised once by V8. */
const compiled = new Map<string, Canonicalizer['write']>();
