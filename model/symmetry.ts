// Symmetry reduction on packed states, as Spin and TLC do it: a state is
// stored in a canonical form in which process slots, VMA slots within a
// process, allocation, MR and bio slots are renamed by what they hold.
// Every rewrite renames an entity everywhere it is named, so the
// canonical form is a relabelling of the state: two states with one form
// are isomorphic (sound). The order is computed from content hashes, so
// a few isomorphic states keep distinct forms (less reduction, never a
// wrong verdict). BAR pages and importers keep their ids: first fit
// makes page order observable, and importers differ in kind and route.
// The hottest code of a complete search: typed arrays, offsets computed
// once, no closures or allocation per call.
import { type Layout, PROC_SIZE } from './state.js';

/** Fields a design adds that name an allocation (stored as index + 1). */
export interface SymmetryRefs {
  /** Offsets within a page slot, besides its owner (offset 0). */
  readonly pageAllocRefs: readonly number[];
  /** Offsets within an MR slot's own fields (its dma-buf). */
  readonly mrAllocRefs: readonly number[];
  /** Offsets within one MR page entry. */
  readonly entryAllocRefs: readonly number[];
}

/** Base slot offsets (state.ts): VmaSlot.used/.alloc, FdSlot.used/.alloc, MrSlot.live/.proc/.vma. */
const VMA_USED = 0;
const VMA_ALLOC = 2;
const FD_USED = 0;
const FD_ALLOC = 1;
const FD_SIZE = 2;
const MR_LIVE = 0;
const MR_PROC = 1;
const MR_VMA = 3;
const UNUSED = 0xffffffff;
const SEED = 0x811c9dc5;

export interface Canonicalizer {
  write(src: Uint8Array, so: number, dst: Uint8Array, dO: number): void;
}

/** Sort `order[at..at+n)` (ids) by `key[id]`, then id: insertion sort, n is small. */
function sortIds(order: Int32Array, at: number, n: number, key: Uint32Array, keyAt: number): void {
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
  const M = w.mrs;
  const B = L.bios;
  const vmaSize = sizes.vma;
  const allocSize = sizes.alloc;
  const bioSize = sizes.bio;
  const S = L.mrStride;

  // every byte that names an allocation, as offsets from the state's start
  const pageRefAt: number[] = [];
  w.config.exporters.forEach((ex, e) => {
    for (let p = 0; p < ex.pages; p++) for (const r of [0, ...refs.pageAllocRefs]) pageRefAt.push(L.pageAt[e]! + p * sizes.page + r);
  });
  const pageRefs = Int32Array.from(pageRefAt);
  const isEntryRef = new Uint8Array(S);
  for (let i = 0; i < w.mapPages; i++) for (const r of refs.entryAllocRefs) isEntryRef[sizes.mr + i * sizes.entry + r] = 1;
  for (const r of refs.mrAllocRefs) isEntryRef[r] = 1;
  const vmaAt = Int32Array.from({ length: N * V }, (_, i) => L.procAt + Math.floor(i / V) * L.procStride + PROC_SIZE + (i % V) * vmaSize);
  const F = L.fds;
  const fdAt = Int32Array.from({ length: N * F }, (_, i) => L.procAt + Math.floor(i / F) * L.procStride + L.fdAt + (i % F) * FD_SIZE);
  const procAt = Int32Array.from({ length: N }, (_, p) => L.procAt + p * L.procStride);
  const allocAt = Int32Array.from({ length: A }, (_, a) => L.allocAt + a * allocSize);

  const allocName = new Int32Array(A);
  const allocKey = new Uint32Array(A);
  const vmaSig = new Uint32Array(N * V);
  const vmaOrder = new Int32Array(N * V);
  const vmaRank = new Int32Array(N * V);
  const fdSig = new Uint32Array(N * F);
  const fdOrder = new Int32Array(N * F);
  const mrSig = new Uint32Array(M);
  const procSig = new Uint32Array(N);
  const procOrder = new Int32Array(N);
  const procRank = new Int32Array(N);
  const mrOrder = new Int32Array(M);
  const mrTmp = new Uint8Array(M * S);
  const bioOrder = new Int32Array(B);
  const held = new Uint32Array(M);
  const heldOrder = new Int32Array(M);

  let next = 0;

  return {
    write(src, so, dst, dO) {
      // 1. allocations named by the BAR pages that refer to them, in page order
      allocName.fill(-1);
      next = 0;
      for (let k = 0; k < pageRefs.length; k++) {
        const v = src[so + pageRefs[k]!]!;
        if (v > 0 && allocName[v - 1]! < 0) allocName[v - 1] = next++;
      }
      for (let a = 0; a < A; a++) {
        if (allocName[a]! >= 0) continue;
        let h = SEED;
        for (let k = 0; k < allocSize; k++) h = Math.imul(h ^ src[so + allocAt[a]! + k]!, 0x01000193) >>> 0;
        allocKey[a] = h;
      }

      // 2. VMAs by content (their allocation by name, or by its content), within each process
      for (let i = 0; i < N * V; i++) {
        const vo = so + vmaAt[i]!;
        let h = UNUSED;
        if (src[vo + VMA_USED] !== 0) {
          h = SEED;
          for (let k = 0; k < vmaSize; k++) {
            let x = src[vo + k]!;
            if (k === VMA_ALLOC && x > 0) x = allocName[x - 1]! >= 0 ? 0x1000000 + allocName[x - 1]! : allocKey[x - 1]!;
            h = Math.imul(h ^ x, 0x01000193) >>> 0;
          }
        }
        vmaSig[i] = h;
        vmaOrder[i] = i % V;
      }
      for (let p = 0; p < N; p++) {
        sortIds(vmaOrder, p * V, V, vmaSig, p * V);
        for (let r = 0; r < V; r++) vmaRank[p * V + vmaOrder[p * V + r]!] = r;
      }
      // dma-buf files the same way (no one names a file slot)
      for (let i = 0; i < N * F; i++) {
        const fo = so + fdAt[i]!;
        let h = UNUSED;
        if (src[fo + FD_USED] !== 0) {
          const x = src[fo + FD_ALLOC]!;
          const token = x > 0 ? (allocName[x - 1]! >= 0 ? 0x1000000 + allocName[x - 1]! : allocKey[x - 1]!) : 0;
          h = Math.imul(Math.imul(SEED ^ 1, 0x01000193) ^ token, 0x01000193) >>> 0;
        }
        fdSig[i] = h;
        fdOrder[i] = i % F;
      }
      for (let p = 0; p < N; p++) sortIds(fdOrder, p * F, F, fdSig, p * F);

      // 3. MRs by content, their VMA by its content, without their process
      for (let m = 0; m < M; m++) {
        const mo = so + L.mrAt + m * S;
        let h = SEED;
        if (src[mo + MR_LIVE] !== 0) {
          const vBase = src[mo + MR_PROC]! * V;
          for (let k = 0; k < S; k++) {
            if (k === MR_PROC) continue;
            let x = src[mo + k]!;
            if (k === MR_VMA) x = x > 0 ? vmaSig[vBase + x - 1]! : 0;
            else if (isEntryRef[k] === 1 && x > 0) x = allocName[x - 1]! >= 0 ? 0x1000000 + allocName[x - 1]! : allocKey[x - 1]!;
            h = Math.imul(h ^ x, 0x01000193) >>> 0;
          }
        }
        mrSig[m] = h;
      }

      // 4. processes by what they hold: their VMAs in order, their MRs sorted
      for (let p = 0; p < N; p++) {
        let h = Math.imul(SEED ^ src[so + procAt[p]!]!, 0x01000193) >>> 0;
        for (let i = 0; i < V; i++) h = Math.imul(h ^ vmaSig[p * V + vmaOrder[p * V + i]!]!, 0x01000193) >>> 0;
        for (let i = 0; i < F; i++) h = Math.imul(h ^ fdSig[p * F + fdOrder[p * F + i]!]!, 0x01000193) >>> 0;
        let n = 0;
        for (let m = 0; m < M; m++) {
          const mo = so + L.mrAt + m * S;
          if (src[mo + MR_LIVE] !== 0 && src[mo + MR_PROC] === p) {
            held[n] = mrSig[m]!;
            heldOrder[n] = n;
            n++;
          }
        }
        sortIds(heldOrder, 0, n, held, 0);
        for (let i = 0; i < n; i++) h = Math.imul(h ^ held[heldOrder[i]!]!, 0x01000193) >>> 0;
        procSig[p] = h;
        procOrder[p] = p;
      }
      sortIds(procOrder, 0, N, procSig, 0);
      for (let r = 0; r < N; r++) procRank[procOrder[r]!] = r;

      // 5. the rest of the allocations: as the processes meet them, then by content, then free slots
      for (let r = 0; r < N; r++) {
        const p = procOrder[r]!;
        for (let i = 0; i < V; i++) {
          const x = src[so + vmaAt[p * V + vmaOrder[p * V + i]!]! + VMA_ALLOC]!;
          if (x > 0 && allocName[x - 1]! < 0) allocName[x - 1] = next++;
        }
        for (let i = 0; i < F; i++) {
          const x = src[so + fdAt[p * F + fdOrder[p * F + i]!]! + FD_ALLOC]!;
          if (x > 0 && allocName[x - 1]! < 0) allocName[x - 1] = next++;
        }
      }
      for (;;) {
        let best = -1;
        for (let a = 0; a < A; a++) {
          if (allocName[a]! >= 0 || src[so + allocAt[a]!] === 0) continue;
          if (best < 0 || allocKey[a]! < allocKey[best]!) best = a;
        }
        if (best < 0) break;
        allocName[best] = next++;
      }
      for (let a = 0; a < A; a++) if (allocName[a]! < 0) allocName[a] = next++;

      // 6. write it out, every name rewritten
      for (let i = 0; i < L.allocAt; i++) dst[dO + i] = src[so + i]!;
      for (let k = 0; k < pageRefs.length; k++) {
        const v = src[so + pageRefs[k]!]!;
        dst[dO + pageRefs[k]!] = v > 0 ? allocName[v - 1]! + 1 : 0;
      }
      for (let a = 0; a < A; a++) {
        const from = so + allocAt[a]!;
        const to = dO + allocAt[allocName[a]!]!;
        for (let k = 0; k < allocSize; k++) dst[to + k] = src[from + k]!;
      }
      for (let q = 0; q < N; q++) {
        const p = procOrder[q]!;
        dst[dO + procAt[q]!] = src[so + procAt[p]!]!;
        for (let i = 0; i < V; i++) {
          const from = so + vmaAt[p * V + vmaOrder[p * V + i]!]!;
          const to = dO + vmaAt[q * V + i]!;
          for (let k = 0; k < vmaSize; k++) dst[to + k] = src[from + k]!;
          const x = src[from + VMA_ALLOC]!;
          if (x > 0) dst[to + VMA_ALLOC] = allocName[x - 1]! + 1;
        }
        for (let i = 0; i < F; i++) {
          const from = so + fdAt[p * F + fdOrder[p * F + i]!]!;
          const to = dO + fdAt[q * F + i]!;
          dst[to + FD_USED] = src[from + FD_USED]!;
          const x = src[from + FD_ALLOC]!;
          dst[to + FD_ALLOC] = x > 0 ? allocName[x - 1]! + 1 : 0;
        }
      }
      for (let m = 0; m < M; m++) {
        const from = so + L.mrAt + m * S;
        const to = m * S;
        if (src[from + MR_LIVE] === 0) for (let k = 0; k < S; k++) mrTmp[to + k] = 0;
        else {
          const p = src[from + MR_PROC]!;
          for (let k = 0; k < S; k++) {
            const x = src[from + k]!;
            mrTmp[to + k] = isEntryRef[k] === 1 && x > 0 ? allocName[x - 1]! + 1 : x;
          }
          mrTmp[to + MR_PROC] = procRank[p]!;
          const v = src[from + MR_VMA]!;
          mrTmp[to + MR_VMA] = v > 0 ? vmaRank[p * V + v - 1]! + 1 : 0;
        }
        mrOrder[m] = m;
      }
      for (let i = 1; i < M; i++) {
        const x = mrOrder[i]!;
        let j = i - 1;
        for (; j >= 0; j--) {
          const y = mrOrder[j]!;
          let d = 0;
          for (let k = 0; k < S && d === 0; k++) d = mrTmp[y * S + k]! - mrTmp[x * S + k]!;
          if (d <= 0) break;
          mrOrder[j + 1] = y;
        }
        mrOrder[j + 1] = x;
      }
      for (let m = 0; m < M; m++) {
        const from = mrOrder[m]! * S;
        const to = dO + L.mrAt + m * S;
        for (let k = 0; k < S; k++) dst[to + k] = mrTmp[from + k]!;
      }
      for (let i = 0; i < B; i++) bioOrder[i] = i;
      for (let i = 1; i < B; i++) {
        const x = bioOrder[i]!;
        let j = i - 1;
        for (; j >= 0; j--) {
          const y = bioOrder[j]!;
          let d = 0;
          for (let k = 0; k < bioSize && d === 0; k++) d = src[so + L.bioAt + y * bioSize + k]! - src[so + L.bioAt + x * bioSize + k]!;
          if (d <= 0) break;
          bioOrder[j + 1] = y;
        }
        bioOrder[j + 1] = x;
      }
      for (let i = 0; i < B; i++) {
        const from = so + L.bioAt + bioOrder[i]! * bioSize;
        const to = dO + L.bioAt + i * bioSize;
        for (let k = 0; k < bioSize; k++) dst[to + k] = src[from + k]!;
      }
      for (let i = L.extraAt; i < L.width; i++) dst[dO + i] = src[so + i]!;
    },
  };
}
