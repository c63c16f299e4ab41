// The parts of a complete search, timed one on top of another over the
// states a finished search stored, as the search runs them: the census
// of enabled actions; then every step, each writing into a copy of its
// state; then the hash and table probe of each written successor; then,
// for those not found as written, the canonical form, its hash and
// probe. What the search, timed in turn with them, takes past the last
// is the rest: storing new states, judging, flags, edges and liveness.
// So a search could not beat its time less its steps even if every step
// were free.
import type { Design, Knobs } from '../model/design.js';
import { Out } from '../model/state.js';
import type { Config } from '../model/vocabulary.js';
import { Arena } from '../properties/arena.js';
import { checkExhaustive } from '../properties/exhaustive.js';

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
  const actions = m.actions.length;
  const enabled = new Int32Array(actions);
  const form = new Uint8Array(m.width);
  const formWords = new Int32Array(form.buffer);
  const pendingBytes = new Uint8Array(actions * m.width);
  const pendingWords = new Int32Array(pendingBytes.buffer);
  const pendingHash = new Uint32Array(actions);
  const out = new Out(m.wrap(pendingBytes, 0));
  const successor = m.wrap(pendingBytes, 0);
  const arena = new Arena(m.width);
  const src = m.wrap(form, 0);

  /** State `i` up to part `upTo`; with `store`, every successor's canonical form is interned (building the arena). */
  const expand = (i: number, upTo: number, store: boolean) => {
    src.b = arena.chunk(i);
    src.o = arena.offset(i);
    const srcWords = arena.chunkOfWords(i);
    const srcAt = src.o >> 2;
    const n = m.enabledInto(src, enabled);
    if (upTo === ENABLED) return;
    // as in the search: the copy is made again only after a step wrote over it
    let copied = false;
    let pending = 0;
    out.d.o = 0;
    for (let k = 0; k < n; k++) {
      const ai = enabled[k]!;
      if (m.inertAt[ai] === 1) continue;
      const at = pending * words;
      if (!copied) {
        for (let w = 0; w < words; w++) pendingWords[at + w] = srcWords[srcAt + w]!;
        out.holds(src);
      }
      out.reset();
      m.applyAt(src, ai, out);
      copied = !out.written;
      if (!out.written) continue;
      if (upTo >= LOOKUPS) pendingHash[pending] = arena.hashAt(pendingWords, at);
      pending++;
      out.d.o = pending * m.width;
    }
    if (upTo === STEPS) return;
    arena.touch(pendingHash, pending);
    for (let q = 0; q < pending; q++) {
      if (!store && arena.find(pendingWords, q * words, pendingHash[q]!) >= 0) continue;
      if (upTo === LOOKUPS) continue;
      successor.o = q * m.width;
      m.canonical(successor, form, 0);
      if (store) arena.intern(formWords, i, 0);
      else arena.find(formWords, 0, arena.hashAt(formWords, 0));
    }
  };

  m.canonical(m.init(), form, 0);
  arena.intern(formWords, -1, -1);
  for (let i = 0; i < arena.count; i++) expand(i, FORMS, true);
  const upTo = (part: number) => {
    const t0 = performance.now();
    for (let i = 0; i < arena.count; i++) expand(i, part, false);
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
