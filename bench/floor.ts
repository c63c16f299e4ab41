// The floor under a complete search: how long its steps alone take.
// Every state the search stores is expanded again by every enabled
// action, each step writing into a copy of the state as in the search,
// with nothing hashed, canonicalised, stored or judged. No store or
// canonical form can make the search faster than this, so states over
// these seconds bound the states/s of the semantics as written.
import type { Design, Knobs } from '../model/design.js';
import { Out } from '../model/state.js';
import type { Config } from '../model/vocabulary.js';
import { Arena } from '../properties/arena.js';

export interface Floor {
  readonly states: number;
  /** Seconds the steps of every stored state take, the best of `repeats`. */
  readonly seconds: number;
}

export function stepsFloor(design: Design, config: Config, knobs: Knobs, repeats: number): Floor {
  const m = design.machine(config, knobs);
  const words = m.width >> 2;
  const enabled = new Int32Array(m.actions.length);
  const form = new Uint8Array(m.width);
  const formWords = new Int32Array(form.buffer);
  const copy = new Uint8Array(m.width);
  const copyWords = new Int32Array(copy.buffer);
  const out = new Out(m.wrap(copy, 0));
  const arena = new Arena(m.width);
  const src = m.wrap(form, 0);

  /** Every enabled action of state `i`; `store` interns the canonical form of each successor. */
  const expand = (i: number, store: boolean) => {
    src.b = arena.chunk(i);
    src.o = arena.offset(i);
    const words32 = arena.chunkOfWords(i);
    const at = src.o >> 2;
    const n = m.enabledInto(src, enabled);
    // as in the search: the copy is made again only after a step wrote over it
    let copied = false;
    for (let k = 0; k < n; k++) {
      const ai = enabled[k]!;
      if (m.inertAt[ai] === 1) continue;
      if (!copied) {
        for (let w = 0; w < words; w++) copyWords[w] = words32[at + w]!;
        out.holds(src);
      }
      out.reset();
      m.applyAt(src, ai, out);
      copied = !out.written;
      if (!store || !out.written) continue;
      m.canonical(out.d, form, 0);
      arena.intern(formWords, i, ai);
    }
  };

  m.canonical(m.init(), form, 0);
  arena.intern(formWords, -1, -1);
  for (let i = 0; i < arena.count; i++) expand(i, true);
  const times = Array.from({ length: repeats }, () => {
    const t0 = performance.now();
    for (let i = 0; i < arena.count; i++) expand(i, false);
    return (performance.now() - t0) / 1000;
  });
  return { states: arena.count, seconds: Math.min(...times) };
}
