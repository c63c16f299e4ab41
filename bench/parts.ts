// The parts of a complete search, timed one on top of another over the
// states a finished search stored, as the search runs them (in blocks,
// properties/tries.ts): the census of enabled actions; then every step,
// grouped by action kind, each writing into a copy of its state; then
// the hash and table probe of each written successor; then, for those
// not found as written, the canonical form, its hash and probe. What
// the search, timed in turn with them, takes past the last is the rest:
// storing new states, judging, flags, edges and liveness. So a search
// could not beat its time less its steps even if every step were free.
import type { Design, Knobs } from '../model/design.js';
import type { Config } from '../model/vocabulary.js';
import { Arena } from '../properties/arena.js';
import { checkExhaustive } from '../properties/exhaustive.js';
import { BLOCK, Tries } from '../properties/tries.js';

/** Seconds the search and each of its parts take over every stored state, the best of the repeats. */
export interface Parts {
  readonly states: number;
  readonly search: number;
  readonly enabled: number;
  readonly steps: number;
  /** Hash and probe of each written successor. */
  readonly lookups: number;
  /** Canonical form, hash and probe of each successor not stored as written. */
  readonly forms: number;
}

/** How far expand() goes: each level adds one part to the one before. */
const ENABLED = 0;
const STEPS = 1;
const LOOKUPS = 2;
const FORMS = 3;

export function searchParts(design: Design, config: Config, knobs: Knobs, repeats: number): Parts {
  const m = design.machine(config, knobs);
  const words = m.width >> 2;
  const form = new Uint8Array(m.width);
  const formWords = new Int32Array(form.buffer);
  const arena = new Arena(m.width);
  const tries = new Tries(m, arena, BLOCK);
  const tryHash = new Uint32Array(BLOCK * m.actions.length);
  const tryWritten = new Uint8Array(BLOCK * m.actions.length);
  const successor = m.wrap(tries.bytes, 0);
  let hashing = false;
  const after = (t: number) => {
    tryWritten[t] = tries.out.written ? 1 : 0;
    tryHash[t] = tries.out.written && hashing ? arena.hashAt(tries.words, t * words) : 0;
  };

  /** States `from` to `to` up to part `upTo`, in blocks as the search takes them; with `store`, every successor's canonical form is interned (building the arena). */
  const expand = (from: number, to: number, upTo: number, store: boolean) => {
    tries.census(from, to, m.inertAt);
    if (upTo === ENABLED) return;
    hashing = upTo >= LOOKUPS;
    tries.step(after);
    if (upTo === STEPS) return;
    successor.b = tries.bytes;
    arena.touch(tryHash, 0, tries.n);
    for (let t = 0; t < tries.n; t++) {
      if (tryWritten[t] === 0) continue;
      if (!store && arena.find(tries.words, t * words, tryHash[t]!) >= 0) continue;
      if (upTo === LOOKUPS) continue;
      successor.o = t * m.width;
      m.canonical(successor, form, 0);
      if (store) arena.intern(formWords, tries.state[t]!);
      else arena.find(formWords, 0, arena.hashAt(formWords, 0));
    }
  };
  const all = (upTo: number, store: boolean) => {
    // a block ends where the states stored so far do: those it adds come in the next
    // (the search also ends one at each level's end: a block or so more per level there)
    for (let from = 0, to = 0; from < arena.count; from = to) {
      to = Math.min(from + BLOCK, arena.count);
      expand(from, to, upTo, store);
    }
  };

  m.canonical(m.init(), form, 0);
  arena.intern(formWords, -1);
  all(FORMS, true);
  const upTo = (part: number) => {
    const t0 = performance.now();
    all(part, false);
    return (performance.now() - t0) / 1000;
  };
  // the search and its parts in turn, so that a drift of this VM's speed moves them alike
  const levels = [ENABLED, STEPS, LOOKUPS, FORMS];
  const bestUpTo = levels.map(() => Number.POSITIVE_INFINITY);
  let search = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    search = Math.min(search, checkExhaustive(design, config, knobs, { symmetry: true }).seconds);
    levels.forEach((level, k) => {
      bestUpTo[k] = Math.min(bestUpTo[k]!, upTo(level));
    });
  }
  const [enabledS, stepsS, lookupsS, formsS] = bestUpTo as [number, number, number, number];
  return {
    states: arena.count,
    search,
    enabled: enabledS,
    steps: Math.max(0, stepsS - enabledS),
    lookups: Math.max(0, lookupsS - stepsS),
    forms: Math.max(0, formsS - lookupsS),
  };
}
