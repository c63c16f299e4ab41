// properties/tries.ts: a block of stored states, its census, then its
// steps grouped by action kind. Stepped that way, every try must give
// what the step gives alone, in a slot of its own that no other try
// writes over, and the census must offer what enabledInto() offers.
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import type { Machine } from '../../model/machine.js';
import type { State } from '../../model/state.js';
import { defaultConfig } from '../../model/vocabulary.js';
import { Arena } from '../../properties/arena.js';
import { SLOTS_PER_STATE, Tries } from '../../properties/tries.js';
import { bytesOf, knobsOf, walk } from '../model/run.js';

/** An arena holding the states of one walk of a design's default preset, each once. */
function storedWalk(designIndex: number, picks: readonly number[]) {
  const design = designs[designIndex]!;
  const m = design.machine(defaultConfig, knobsOf(design, {}));
  const arena = new Arena(m.width);
  for (const s of walk(m, picks)) arena.intern(new Int32Array(bytesOf(s).buffer), -1);
  return { m, arena };
}

const picks = [0, 2, 0, 4, 0, 6, 1, 8, 2, 10, 3, 12, 5, 14];

/**
 * Census and step the stored states in blocks of `block`, checking each
 * try against its step alone; says whether the slots grew, and the most
 * tries a state had.
 */
function checkBlocks<S extends State>(m: Machine<S>, arena: Arena, block: number, skip: Uint8Array) {
  const tries = new Tries(m, arena, block);
  const slots = tries.bytes.length;
  const enabled = new Int32Array(m.actions.length);
  let most = 0;
  for (let from = 0; from < arena.count; from += block) {
    const to = Math.min(from + block, arena.count);
    tries.census(from, to, skip);
    // the census: each state's enabled actions not skipped, in order
    for (let i = from; i < to; i++) {
      const n = m.enabledInto(tries.read(i), enabled);
      const want = Array.from(enabled.subarray(0, n)).filter((ai) => skip[ai] === 0);
      const first = tries.first[i - from]!;
      const last = tries.first[i - from + 1]!;
      most = Math.max(most, last - first);
      expect(Array.from(tries.action.subarray(first, last))).toEqual(want);
      expect(Array.from(tries.state.subarray(first, last)).every((s) => s === i)).toBe(true);
    }
    const stored = Array.from({ length: to - from }, (_, k) => Array.from(bytesOf(tries.read(from + k))));
    const order: number[] = [];
    const kinds: number[] = [];
    const got: { ret: string; written: boolean; events: string }[] = [];
    tries.step((t, ret) => {
      order.push(t);
      kinds.push(m.world.kindOf[tries.action[t]!]!);
      expect(tries.out.d.o).toBe(t * m.width);
      got[t] = { ret, written: tries.out.written, events: JSON.stringify(tries.out.events) };
    });
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: tries.n }, (_, t) => t));
    // no step wrote into the state it was handed
    expect(Array.from({ length: to - from }, (_, k) => Array.from(bytesOf(tries.read(from + k))))).toEqual(stored);
    expect(kinds).toEqual([...kinds].sort((a, b) => a - b));
    // every slot read after all the steps: no later try wrote over it
    for (let t = 0; t < tries.n; t++) {
      const src = tries.read(tries.state[t]!);
      const alone = m.step(src, m.actions[tries.action[t]!]!);
      expect(got[t]).toEqual({ ret: alone.ret, written: alone.state !== src, events: JSON.stringify(alone.events) });
      if (got[t]!.written) expect(Array.from(tries.bytes.subarray(t * m.width, (t + 1) * m.width))).toEqual(Array.from(bytesOf(alone.state)));
    }
  }
  return { grew: tries.bytes.length > slots, most };
}

describe('Tries', () => {
  for (const [d, design] of designs.entries()) {
    it(`${design.id}: blocks of 3, even actions skipped: each try stepped by kind gives what its step gives alone, in a slot of its own`, () => {
      const { m, arena } = storedWalk(d, picks);
      checkBlocks(m, arena, 3, Uint8Array.from(m.actions, (_, ai) => (ai % 2 === 0 ? 1 : 0)));
    });

    it(`${design.id}: blocks of 1, none skipped: the slots grow exactly when a state has more tries than the slots made per state`, () => {
      const { m, arena } = storedWalk(d, picks);
      const { grew, most } = checkBlocks(m, arena, 1, new Uint8Array(m.actions.length));
      expect(grew).toBe(most > SLOTS_PER_STATE);
    });
  }
});
