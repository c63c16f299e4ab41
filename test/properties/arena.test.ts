// properties/arena.ts: the store of a complete search. A state is found
// again by its bytes, whatever else was stored since; its chunk and
// offset give its bytes back; parents give the path from the root.
import { describe, expect, it } from 'vitest';
import { Arena } from '../../properties/arena.js';

/** The bytes state `i` has in the arena. */
const bytesOf = (arena: Arena, i: number) => Array.from(arena.chunk(i).subarray(arena.offset(i), arena.offset(i) + arena.width));

/** A state of `width` bytes whose words are `i` and a word derived from it: distinct for distinct i. */
const stateOf = (i: number, words = 2) => Int32Array.from({ length: words }, (_, k) => (k === 0 ? i : Math.imul(i, 0x9e3779b1) ^ k));

describe('Arena', () => {
  it('interns equal bytes to one index, new bytes to the next, and says which', () => {
    const arena = new Arena(8);
    expect([arena.intern(Int32Array.of(1, 2), -1), arena.added]).toEqual([0, true]);
    expect([arena.intern(Int32Array.of(2, 1), 0), arena.added]).toEqual([1, true]);
    expect([arena.intern(Int32Array.of(1, 2), 1), arena.added]).toEqual([0, false]);
    expect([arena.intern(Int32Array.of(0, 0), 0), arena.added]).toEqual([2, true]);
    expect([arena.intern(Int32Array.of(2, 1), 2), arena.added]).toEqual([1, false]);
    expect(arena.count).toBe(3);
    // the first parent that reached a state stays its own
    expect([...arena.parent.subarray(0, 3)]).toEqual([-1, 0, 0]);
  });

  it('gives each state its bytes back, little-endian words', () => {
    const arena = new Arena(8);
    arena.intern(Int32Array.of(0x04030201, -1), -1);
    arena.intern(Int32Array.of(0, 0x7f), 0);
    expect(bytesOf(arena, 0)).toEqual([1, 2, 3, 4, 255, 255, 255, 255]);
    expect(bytesOf(arena, 1)).toEqual([0, 0, 0, 0, 0x7f, 0, 0, 0]);
  });

  it('interns a state from the middle of a batch, by the hash it is handed, as intern() does from the start', () => {
    const arena = new Arena(8);
    const batch = Int32Array.of(7, 7, 1, 2, 3, 4);
    const a = arena.internAt(batch, 2, arena.hashAt(batch, 2), -1);
    expect([a, arena.added, bytesOf(arena, a)]).toEqual([0, true, [1, 0, 0, 0, 2, 0, 0, 0]]);
    expect([arena.intern(Int32Array.of(1, 2), 0), arena.added]).toEqual([a, false]);
    expect([arena.internAt(batch, 4, arena.hashAt(batch, 4), a), arena.added, bytesOf(arena, 1)]).toEqual([1, true, [3, 0, 0, 0, 4, 0, 0, 0]]);
    expect([arena.internAt(batch, 2, arena.hashAt(batch, 2), 1), arena.added]).toEqual([a, false]);
  });

  it('reads only the first width / 4 words of what it is handed', () => {
    const arena = new Arena(4);
    const a = arena.intern(Int32Array.of(9, 1), -1);
    expect([arena.intern(Int32Array.of(9, 2), 0), arena.added]).toEqual([a, false]);
  });

  it('past 2^15 states: grows its table and chunks, and finds every state again', () => {
    const n = (1 << 15) * 2 + 1234;
    const arena = new Arena(12);
    // plain checks in the loops: an expect() per state would be most of the test's time
    for (let i = 0; i < n; i++) {
      if (arena.intern(stateOf(i, 3), i - 1) !== i || !arena.added) throw new Error(`state ${i} taken for an earlier one`);
    }
    expect(arena.count).toBe(n);
    for (let i = 0; i < n; i++) {
      if (arena.intern(stateOf(i, 3), 0) !== i || arena.added) throw new Error(`state ${i} not found again`);
    }
    expect(arena.count).toBe(n);
    // the states of a chunk boundary: the last of chunk 0, the first of 1 and 2
    for (const i of [(1 << 15) - 1, 1 << 15, (1 << 15) * 2, n - 1]) {
      expect(bytesOf(arena, i), `state ${i}`).toEqual(Array.from(new Uint8Array(stateOf(i, 3).buffer)));
      expect(arena.parent[i], `state ${i}`).toBe(i - 1);
    }
    expect(arena.offset(1 << 15)).toBe(0);
    expect(arena.chunk(1 << 15)).not.toBe(arena.chunk((1 << 15) - 1));
    expect(arena.chunk((1 << 15) * 2 - 1)).toBe(arena.chunk(1 << 15));
  });

  it('pathTo: the indices from the root to a state, root first', () => {
    const arena = new Arena(4);
    const root = arena.intern(Int32Array.of(0), -1);
    const a = arena.intern(Int32Array.of(1), root);
    const b = arena.intern(Int32Array.of(2), root);
    const c = arena.intern(Int32Array.of(3), b);
    const d = arena.intern(Int32Array.of(4), c);
    expect(arena.pathTo(root)).toEqual([root]);
    expect(arena.pathTo(a)).toEqual([root, a]);
    expect(arena.pathTo(d)).toEqual([root, b, c, d]);
  });

  it('pathTo a state deep past the first chunk', () => {
    const arena = new Arena(4);
    const n = (1 << 15) + 10;
    for (let i = 0; i < n; i++) arena.intern(Int32Array.of(i), i - 1);
    const path = arena.pathTo(n - 1);
    expect(path).toHaveLength(n);
    expect(path.every((j, i) => j === i)).toBe(true);
  });

  it('bytesPerState: none while empty; then the width, 9 bytes of bookkeeping and its share of the table', () => {
    const arena = new Arena(8);
    expect(arena.bytesPerState()).toBe(0);
    for (let i = 0; i < 1000; i++) arena.intern(stateOf(i), -1);
    // a table of 4-byte slots, doubled from 2^10 whenever half of it is used
    expect(arena.bytesPerState()).toBe(8 + 9 + (2 ** 11 * 4) / 1000);
    for (let i = 1000; i < 40_000; i++) arena.intern(stateOf(i), -1);
    expect(arena.bytesPerState()).toBe(8 + 9 + (2 ** 17 * 4) / 40_000);
  });

  it('find: a stored state by its words anywhere in an array, with its hash; -1 for any other', () => {
    const arena = new Arena(12);
    for (let i = 0; i < 40_000; i++) arena.intern(stateOf(i, 3), -1);
    const words = new Int32Array(9);
    for (const i of [0, 1, 39_999]) {
      words.set(stateOf(i, 3), 6);
      expect(arena.find(words, 6, arena.hashAt(words, 6))).toBe(i);
    }
    words.set(stateOf(40_000, 3), 6);
    expect(arena.find(words, 6, arena.hashAt(words, 6))).toBe(-1);
    // a hash naming the slot and tag of a stored state, with other words
    words.set(stateOf(7, 3), 0);
    words.set(stateOf(8, 3), 3);
    expect(arena.find(words, 3, arena.hashAt(words, 0))).toBe(-1);
  });

  it('touch changes no answer', () => {
    const arena = new Arena(8);
    for (let i = 0; i < 1000; i++) arena.intern(stateOf(i), -1);
    const hashes = Uint32Array.from({ length: 1000 }, (_, i) => arena.hashAt(stateOf(i), 0));
    arena.touch(hashes, 0, hashes.length);
    for (let i = 0; i < 1000; i++) expect(arena.find(stateOf(i), 0, hashes[i]!)).toBe(i);
  });

  it('flags: a byte per state, zero when stored, kept as the arrays grow', () => {
    const arena = new Arena(4);
    arena.intern(Int32Array.of(0), -1);
    arena.flags[0] = 5;
    for (let i = 1; i < 5000; i++) arena.intern(Int32Array.of(i), 0);
    expect(arena.flags[0]).toBe(5);
    expect(arena.flags.subarray(1, 5000).every((f) => f === 0)).toBe(true);
    // as the search sets them: each state's flags right after it is stored, past every growth
    for (let i = 5000; i < 20_000; i++) {
      const j = arena.intern(Int32Array.of(i), 0);
      arena.flags[j] = (i % 7) + 1;
    }
    expect(Array.from({ length: 15_000 }, (_, k) => arena.flags[5000 + k]).every((f, k) => f === ((5000 + k) % 7) + 1)).toBe(true);
  });
});
