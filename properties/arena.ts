// The store of a complete search, as Spin and TLC keep theirs: every
// distinct state once, `width` bytes each, in chunks of one ArrayBuffer
// (a state is its index), found again through an open-addressing table of
// indices keyed by a hash of its words, each slot one word (the index and
// a tag of the hash). Per state it also keeps the hash, the parent (for
// shortest traces: the walk finds each step again) and a byte of flags.
// A search hands it a block of successors together (touch) so that their
// cache misses overlap.

const CHUNK_BITS = 15;
const CHUNK = 1 << CHUNK_BITS;

/** Grow a typed array to at least `n` elements, doubling. */
function grown<T extends Int32Array | Uint32Array | Uint8Array>(a: T, n: number): T {
  if (n <= a.length) return a;
  let size = a.length;
  while (size < n) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export class Arena {
  /** States stored so far; index `count` is the next. */
  count = 0;
  private readonly words: number;
  private readonly chunks: Uint8Array[] = [];
  private readonly chunkWords: Int32Array[] = [];
  /**
   * One word per slot, 2^bits slots: index + 1 in the low `bits` bits
   * (0 is an empty slot), the hash's bits above them as a tag. The slot
   * is the hash's low bits, so a tag and its slot keep the whole hash.
   */
  private table = new Uint32Array(1 << 10);
  private bits = 10;
  private mask = (1 << 10) - 1;
  private hashes = new Uint32Array(1 << 12);
  parent = new Int32Array(1 << 12);
  flags = new Uint8Array(1 << 12);

  constructor(readonly width: number) {
    this.words = width >> 2;
  }

  /** The chunk holding state `i`; its bytes start at offset(i). */
  chunk(i: number): Uint8Array {
    return this.chunks[i >>> CHUNK_BITS]!;
  }

  offset(i: number): number {
    return (i & (CHUNK - 1)) * this.width;
  }

  /** The chunk holding state `i` as words; its words start at offset(i) / 4. */
  chunkOfWords(i: number): Int32Array {
    return this.chunkWords[i >>> CHUNK_BITS]!;
  }

  /** Bytes the store holds per state, its table included. */
  bytesPerState(): number {
    if (this.count === 0) return 0;
    const perState = this.width + 4 + 4 + 1;
    const table = (this.table.length * 4) / this.count;
    return perState + table;
  }

  /** The hash of the state whose words start at `words[at]`: two lanes, even and odd words, so their multiplies overlap. */
  hashAt(words: Int32Array, at: number): number {
    let h = 0x9747b28c;
    let g = 0x2f693a1d;
    const end = at + this.words;
    let i = at;
    for (; i + 1 < end; i += 2) {
      h = Math.imul(h ^ words[i]!, 0x5bd1e995);
      g = Math.imul(g ^ words[i + 1]!, 0x5bd1e995);
      h ^= h >>> 15;
      g ^= g >>> 15;
    }
    if (i < end) {
      h = Math.imul(h ^ words[i]!, 0x5bd1e995);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ Math.imul(g ^ (g >>> 16), 0x85ebca6b), 0x5bd1e995);
    return (Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ (h >>> 16)) >>> 0;
  }

  /**
   * Read the table slot of each of `hashes[from..to)`, so that the
   * look-ups that follow find them in the cache: these loads do not
   * depend on one another, so the CPU overlaps their misses, where one
   * look-up after another waits for each in turn.
   */
  touch(hashes: Uint32Array, from: number, to: number): void {
    const { table, mask } = this;
    let sum = 0;
    for (let k = from; k < to; k++) sum += table[hashes[k]! & mask]!;
    this.touched = sum;
  }

  /** What touch() read, kept so that its loads are not optimised away. */
  touched = 0;

  /** The index of the stored state whose words are those at `words[at]` (hash `h`), or -1. */
  find(words: Int32Array, at: number, h: number): number {
    const { table, bits, mask } = this;
    const tag = h >>> bits;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return -1;
      if (entry >>> bits === tag && this.same((entry & mask) - 1, words, at)) return (entry & mask) - 1;
    }
  }

  /** The index of the state whose words are `words`, adding it if new; `added` says which. */
  intern(words: Int32Array, parent: number): number {
    return this.internAt(words, 0, this.hashAt(words, 0), parent);
  }

  /** intern() of the state whose words start at `words[at]`, its hash `h` known. */
  internAt(words: Int32Array, at: number, h: number, parent: number): number {
    const { table, bits, mask } = this;
    const tag = h >>> bits;
    let slot = h & mask;
    for (;;) {
      const entry = table[slot]!;
      if (entry === 0) break;
      if (entry >>> bits === tag && this.same((entry & mask) - 1, words, at)) {
        this.added = false;
        return (entry & mask) - 1;
      }
      slot = (slot + 1) & mask;
    }
    const j = this.count++;
    this.store(j, words, at, h, parent);
    table[slot] = ((tag << bits) | (j + 1)) >>> 0;
    if (this.count * 2 > mask) this.rehash();
    this.added = true;
    return j;
  }

  /** Whether the last intern() added its state. */
  added = false;

  private same(j: number, words: Int32Array, from: number): boolean {
    const chunk = this.chunkWords[j >>> CHUNK_BITS]!;
    const at = (j & (CHUNK - 1)) * this.words;
    for (let i = 0; i < this.words; i++) if (chunk[at + i] !== words[from + i]) return false;
    return true;
  }

  private store(j: number, words: Int32Array, from: number, h: number, parent: number): void {
    const c = j >>> CHUNK_BITS;
    if (c === this.chunks.length) {
      const buffer = new ArrayBuffer(CHUNK * this.width);
      this.chunks.push(new Uint8Array(buffer));
      this.chunkWords.push(new Int32Array(buffer));
    }
    const chunk = this.chunkWords[c]!;
    const at = (j & (CHUNK - 1)) * this.words;
    for (let i = 0; i < this.words; i++) chunk[at + i] = words[from + i]!;
    this.hashes = grown(this.hashes, j + 1);
    this.parent = grown(this.parent, j + 1);
    this.flags = grown(this.flags, j + 1);
    this.hashes[j] = h;
    this.parent[j] = parent;
  }

  private rehash(): void {
    const bits = this.bits + 1;
    const mask = 2 ** bits - 1;
    const table = new Uint32Array(mask + 1);
    for (let j = 0; j < this.count; j++) {
      const h = this.hashes[j]!;
      let slot = h & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = (((h >>> bits) << bits) | (j + 1)) >>> 0;
    }
    this.table = table;
    this.bits = bits;
    this.mask = mask;
  }

  /** The indices from the root to `j`, root first. */
  pathTo(j: number): number[] {
    const path: number[] = [];
    for (let i = j; i >= 0; i = this.parent[i]!) path.push(i);
    return path.reverse();
  }
}
