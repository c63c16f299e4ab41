// The tries of a block of stored states, stepped as a model checker's
// inner loop wants them: first the census of every state of the block,
// then every step grouped by action kind, since one handler run over
// many states in a row is faster than a mix of handlers (its code and
// branches stay hot). Each try has a slot of its own for its successor,
// copied from its state by draft() only if the step writes.
import type { Machine } from '../model/machine.js';
import { Out, type State } from '../model/state.js';
import { actionKinds, type Ret } from '../model/vocabulary.js';
import type { Arena } from './arena.js';

/** States expanded together: their tries, a thousand or two, stay in the cache between the passes. */
export const BLOCK = 64;

/** Slots made at first per state of a block: a default-world state has 20 to 40 enabled actions. */
export const SLOTS_PER_STATE = 32;

export class Tries<S extends State> {
  /** Tries of the block; try `t`'s successor is `bytes` from `t * width`. */
  n = 0;
  /** The stored state and the world action of each try. */
  readonly state: Int32Array;
  readonly action: Int32Array;
  /** Where the tries of the block's `b`th state start; `first[states]` is `n`. */
  readonly first: Int32Array;
  bytes: Uint8Array;
  words: Int32Array;
  /** The state a step reads, moved from one stored state to another. */
  readonly src: S;
  /** Where a step writes: its `d` moved to the try's slot. */
  readonly out: Out<S>;
  /** Try indices in kind order, and where each kind's run ends. */
  private readonly byKind: Int32Array;
  private readonly kindEnd: Int32Array;
  private readonly enabled: Int32Array;

  constructor(
    private readonly m: Machine<S>,
    private readonly arena: Arena,
    block: number,
  ) {
    const most = block * m.actions.length;
    this.state = new Int32Array(most);
    this.action = new Int32Array(most);
    this.first = new Int32Array(block + 1);
    this.byKind = new Int32Array(most);
    this.kindEnd = new Int32Array(actionKinds.length + 1);
    this.enabled = new Int32Array(m.actions.length);
    this.bytes = new Uint8Array(block * SLOTS_PER_STATE * m.width);
    this.words = new Int32Array(this.bytes.buffer);
    this.src = m.wrap(new Uint8Array(m.width), 0);
    this.out = new Out(m.wrap(this.bytes, 0));
  }

  /** Point `src` at stored state `i`. */
  read(i: number): S {
    this.src.b = this.arena.chunk(i);
    this.src.o = this.arena.offset(i);
    return this.src;
  }

  /** The census of stored states `from` to `to`: each enabled action `ai` with `skip[ai] === 0` becomes a try. */
  census(from: number, to: number, skip: Uint8Array): void {
    const { m, enabled, kindEnd } = this;
    const kindOf = m.world.kindOf;
    let n = 0;
    kindEnd.fill(0);
    for (let i = from; i < to; i++) {
      this.first[i - from] = n;
      const count = m.enabledInto(this.read(i), enabled);
      for (let k = 0; k < count; k++) {
        const ai = enabled[k]!;
        if (skip[ai] === 1) continue;
        this.state[n] = i;
        this.action[n] = ai;
        kindEnd[kindOf[ai]! + 1]!++;
        n++;
      }
    }
    this.first[to - from] = n;
    this.n = n;
    if (n * m.width > this.bytes.length) {
      this.bytes = new Uint8Array(Math.max(n, (2 * this.bytes.length) / m.width) * m.width);
      this.words = new Int32Array(this.bytes.buffer);
      this.out.d.b = this.bytes;
    }
    for (let k = 0; k < actionKinds.length; k++) kindEnd[k + 1]! += kindEnd[k]!;
    for (let t = 0; t < n; t++) this.byKind[kindEnd[kindOf[this.action[t]!]!]!++] = t;
  }

  /** Step every try, kind by kind; after(t, ret) sees `out` as try `t`'s step left it. */
  step(after: (t: number, ret: Ret) => void): void {
    const { m, arena, out } = this;
    for (let q = 0; q < this.n; q++) {
      const t = this.byKind[q]!;
      const i = this.state[t]!;
      const src = this.read(i);
      out.d.o = t * m.width;
      out.copyWords(src, arena.chunkOfWords(i), this.words);
      out.reset();
      after(t, m.applyAt(src, this.action[t]!, out));
    }
  }
}
