// The store alone: what a complete search's store costs per state with
// everything else free, in this engine and, where a C compiler is on the
// machine, in C (bench/floor.c). A search's graph is recorded as it runs
// (per state, each written successor as the bytes its step wrote, and
// the canonical form of each one not stored as written); then the store
// is replayed over it: copy the parent, write those bytes, hash, probe,
// and intern the recorded canonical form of a successor not found. No
// census, no step, no canonical form, no judging: the most states/s a
// search built on this store could reach on this machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Design, Knobs } from '../model/design.js';
import type { Config } from '../model/vocabulary.js';
import { Arena } from '../properties/arena.js';
import { BLOCK, Tries } from '../properties/tries.js';

interface Recorded {
  readonly width: number;
  readonly root: Uint8Array;
  /** Per stored state, in index order: its written successors. */
  readonly counts: Int32Array;
  /** Per successor: how many bytes its step wrote, then each as offset << 8 | value. */
  readonly diff: Int32Array;
  /** The canonical form of each successor not stored as written, in order. */
  readonly forms: Uint8Array;
}

/** A typed array that grows as it is appended to. */
class Growing<T extends Int32Array | Uint8Array> {
  n = 0;
  constructor(private a: T) {}
  /** Room for `k` more elements, from index `n`. */
  room(k: number): T {
    if (this.n + k > this.a.length) {
      const b = new (this.a.constructor as new (n: number) => T)(Math.max(2 * this.a.length, this.n + k));
      b.set(this.a);
      this.a = b;
    }
    return this.a;
  }
  done(): T {
    return this.a.slice(0, this.n) as T;
  }
}

/** The graph of a complete search (inert actions skipped, as check does). */
function record(design: Design, config: Config, knobs: Knobs): Recorded {
  const m = design.machine(config, knobs);
  const { width } = m;
  const words = width >> 2;
  const arena = new Arena(width);
  const tries = new Tries(m, arena, BLOCK);
  const written = new Uint8Array(BLOCK * m.actions.length);
  const form = new Uint8Array(width);
  const formWords = new Int32Array(form.buffer);
  const counts: number[] = [];
  const diff = new Growing(new Int32Array(1 << 16));
  const forms = new Growing(new Uint8Array(1 << 16));
  m.canonical(m.init(), form, 0);
  const root = form.slice();
  arena.intern(formWords, -1);
  const successor = m.wrap(tries.bytes, 0);
  for (let from = 0; from < arena.count; ) {
    const to = Math.min(from + BLOCK, arena.count);
    tries.census(from, to, m.inertAt);
    tries.step((t) => {
      written[t] = tries.out.written ? 1 : 0;
    });
    successor.b = tries.bytes;
    for (let i = from; i < to; i++) {
      const parent = arena.chunk(i);
      const at = arena.offset(i);
      let n = 0;
      for (let t = tries.first[i - from]!; t < tries.first[i - from + 1]!; t++) {
        if (written[t] === 0) continue;
        n++;
        const d = diff.room(1 + width);
        const head = diff.n++;
        d[head] = 0;
        for (let k = 0; k < width; k++) {
          const v = tries.bytes[t * width + k]!;
          if (v === parent[at + k]) continue;
          d[diff.n++] = (k << 8) | v;
          d[head]!++;
        }
        if (arena.find(tries.words, t * words, arena.hashAt(tries.words, t * words)) >= 0) continue;
        successor.o = t * width;
        m.canonical(successor, form, 0);
        forms.room(width).set(form, forms.n);
        forms.n += width;
        arena.intern(formWords, i);
      }
      counts.push(n);
    }
    from = to;
  }
  return { width, root, counts: Int32Array.from(counts), diff: diff.done(), forms: forms.done() };
}

/** Seconds of one replay of the store over `r`, in this engine's Arena. */
function replay(r: Recorded): number {
  const t0 = performance.now();
  const words = r.width >> 2;
  const arena = new Arena(r.width);
  const slot = new Int32Array(words);
  const slotBytes = new Uint8Array(slot.buffer);
  const forms = new Int32Array(r.forms.buffer);
  arena.intern(new Int32Array(r.root.slice().buffer), -1);
  const { counts, diff } = r;
  let d = 0;
  let f = 0;
  for (let i = 0; i < counts.length && i < arena.count; i++) {
    const parent = arena.chunkOfWords(i);
    const at = arena.offset(i) >> 2;
    for (let c = counts[i]!; c > 0; c--) {
      for (let w = 0; w < words; w++) slot[w] = parent[at + w]!;
      for (let k = diff[d++]!; k > 0; k--, d++) slotBytes[diff[d]! >> 8] = diff[d]! & 255;
      if (arena.find(slot, 0, arena.hashAt(slot, 0)) >= 0) continue;
      arena.internAt(forms, f * words, arena.hashAt(forms, f * words), i);
      f++;
    }
  }
  if (arena.count !== counts.length) throw new Error(`the replay stored ${arena.count} states, the search ${counts.length}`);
  return (performance.now() - t0) / 1000;
}

/** Best seconds of bench/floor.c over `r`, or null without a C compiler. */
function replayInC(r: Recorded, repeats: number, dir: string): number | null {
  const exe = join(dir, 'floor');
  const cc = spawnSync('cc', ['-O2', '-o', exe, fileURLToPath(new URL('./floor.c', import.meta.url))], { stdio: 'ignore' });
  if (cc.error || cc.status !== 0) return null;
  writeFileSync(join(dir, 'root.bin'), r.root);
  writeFileSync(join(dir, 'counts.bin'), r.counts);
  writeFileSync(join(dir, 'diff.bin'), r.diff);
  writeFileSync(join(dir, 'forms.bin'), r.forms);
  const run = spawnSync(exe, [dir, String(r.width), String(repeats)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench/floor.c: ${run.stderr.trim()}`);
  return Number(run.stdout.trim());
}

export interface Floor {
  readonly states: number;
  /** Written successors per state: each a copy, hash and probe. */
  readonly successorsPerState: number;
  /** Best seconds of the store alone, here and in C (null: no `cc`). */
  readonly seconds: number;
  readonly cSeconds: number | null;
}

export function storeFloor(design: Design, config: Config, knobs: Knobs, repeats: number): Floor {
  const r = record(design, config, knobs);
  let seconds = Number.POSITIVE_INFINITY;
  for (let k = 0; k < repeats; k++) seconds = Math.min(seconds, replay(r));
  const dir = mkdtempSync(join(tmpdir(), 'p2p-floor-'));
  try {
    const cSeconds = replayInC(r, repeats, dir);
    const successors = r.counts.reduce((a, b) => a + b, 0);
    return { states: r.counts.length, successorsPerState: successors / r.counts.length, seconds, cSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
