// npm run bench: how fast each part is (issue 6). Prints a table and
// writes bench/results.json. Measured here, never asserted in a test.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resourceUsage } from 'node:process';
import fc from 'fast-check';
import { type Design, resolveKnobs } from '../model/design.js';
import { designs } from '../model/designs.js';
import { type Action, defaultConfig } from '../model/vocabulary.js';
import { fromPicks, picksArb } from '../properties/arbitrary.js';
import { catalogue } from '../properties/catalogue.js';
import { evaluate } from '../properties/evaluate.js';
import { checkExhaustive } from '../properties/exhaustive.js';
import { expected } from '../properties/expected.js';
import { defaultMaxLength, explore } from '../properties/explore.js';

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A long random walk over enabled(), restarting every 64 steps; then time step() alone over it. */
function stepsPerSecond(design: Design): number {
  const knobs = resolveKnobs(design, design.presets[0]!);
  const segments: Action[][] = [];
  for (const choices of fc.sample(fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), { seed: 1, numRuns: 3000 })) {
    let state = design.init(defaultConfig, knobs);
    const actions: Action[] = [];
    for (const c of choices) {
      const enabled = design.enabled(state);
      if (enabled.length === 0) break;
      const action = enabled[c % enabled.length]!;
      actions.push(action);
      state = design.step(state, action).state;
    }
    segments.push(actions);
  }
  let steps = 0;
  const t0 = performance.now();
  while (seconds(t0) < 1.5)
    for (const actions of segments) {
      let state = design.init(defaultConfig, knobs);
      for (const a of actions) state = design.step(state, a).state;
      steps += actions.length;
    }
  return steps / seconds(t0);
}

function sequencesPerSecond(design: Design): number {
  const t0 = performance.now();
  const runs = 5000;
  explore({ design, preset: design.presets[0]!.name, runs, seed: 1 });
  return runs / seconds(t0);
}

interface CellBench {
  design: string;
  preset: string;
  property: string;
  firstMsMedian: number;
  shrunk: number;
  shortest: number | null;
}

/** Time until fast-check first hits the cell (no shrinking), median of 10 seeds; shrunk vs shortest length. */
function violatedCells(): CellBench[] {
  const out: CellBench[] = [];
  for (const design of designs)
    for (const preset of design.presets) {
      const knobs = resolveKnobs(design, preset);
      const bfs = checkExhaustive(design, defaultConfig, knobs, { depth: 6, symmetry: true, maxStates: 1e6 });
      for (const p of catalogue) {
        const want = expected[design.id][preset.name]![p.id]!.verdict;
        if (want !== 'violated' && want !== 'sometimes') continue;
        const times = Array.from({ length: 10 }, (_, i) => {
          const t0 = performance.now();
          fc.check(
            fc.property(picksArb(defaultMaxLength), (picks) => !evaluate(design, defaultConfig, knobs, fromPicks(design, picks), [p]).findings.has(p.id)),
            { seed: i + 1, numRuns: 200_000, endOnFailure: true },
          );
          return performance.now() - t0;
        });
        const shrunk = explore({ design, preset: preset.name, runs: 10_000, seed: 42, properties: [p.id] }).results[0]!.finding?.steps.length ?? -1;
        const shortest = bfs.results.find((r) => r.property === p.id)!.finding?.steps.length ?? null;
        out.push({ design: design.id, preset: preset.name, property: p.id, firstMsMedian: median(times), shrunk, shortest });
      }
    }
  return out;
}

interface ExhaustiveBench {
  design: string;
  depth: number;
  symmetry: boolean;
  states: number;
  transitions: number;
  complete: boolean;
  statesPerSecond: number;
  /** The states/s if keys, judging and liveness were free: steps/s over transitions per state. */
  stepBoundStatesPerSecond: number;
}

/** States are capped so the whole bench stays within 5 minutes; a capped row says so. */
const stateCap = 200_000;

function exhaustive(stepRate: (design: string) => number): ExhaustiveBench[] {
  const out: ExhaustiveBench[] = [];
  for (const design of designs)
    for (const depth of [6, 8, 10])
      for (const symmetry of [true, false]) {
        const r = checkExhaustive(design, defaultConfig, resolveKnobs(design, design.presets[0]!), { depth, symmetry, maxStates: stateCap });
        out.push({
          design: design.id,
          depth,
          symmetry,
          states: r.states,
          transitions: r.transitions,
          complete: r.complete,
          statesPerSecond: r.states / r.seconds,
          stepBoundStatesPerSecond: stepRate(design.id) / (r.transitions / r.states),
        });
      }
  return out;
}

/** FNV-style 52-bit hash of a packed state; never 0, the empty slot. */
function packedHash(a: Int32Array): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < a.length; i++) {
    h1 = Math.imul(h1 ^ a[i]!, 0x01000193);
    h2 = Math.imul(h2 ^ a[i]!, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff) + 1;
}

/**
 * Calibration with no model (docs/explanation.md §4): breadth-first over
 * 48-integer packed states, each successor a copy with two writes, hashed
 * and probed in an open-addressing table. Copies per second bound any
 * search that copies a state per state-changing transition.
 */
function emptySearchCopiesPerSecond(): number {
  const capacity = 1 << 22;
  const table = new Float64Array(capacity);
  let frontier: Int32Array[] = [new Int32Array(48)];
  let copies = 0;
  const t0 = performance.now();
  while (copies < 400_000) {
    const next: Int32Array[] = [];
    for (const state of frontier)
      for (let a = 0; a < 4; a++) {
        const copy = state.slice();
        const at = (Math.imul(state[0]! + a, 0x9e3779b1) >>> 0) % copy.length;
        copy[at]! += 1;
        copy[0]! += a;
        copies++;
        const h = packedHash(copy);
        let slot = h % capacity;
        while (table[slot] !== 0 && table[slot] !== h) slot = (slot + 1) % capacity;
        if (table[slot] === 0) {
          table[slot] = h;
          next.push(copy);
        }
      }
    frontier = next;
  }
  return copies / seconds(t0);
}

const t0 = performance.now();
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
const steps = designs.map((d) => ({ design: d.id, stepsPerSecond: Math.round(stepsPerSecond(d)), sequencesPerSecond: Math.round(sequencesPerSecond(d)) }));
const cells = violatedCells();
const states = exhaustive((id) => steps.find((s) => s.design === id)!.stepsPerSecond);
const emptySearch = Math.round(emptySearchCopiesPerSecond());
const results = { date: new Date().toISOString(), machine, steps, cells, exhaustive: states, emptySearchCopiesPerSecond: emptySearch, peakRssMiB: Math.round(resourceUsage().maxRSS / 1024), seconds: Math.round(seconds(t0)) };
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');

const cellName = (c: CellBench) => `${c.design}/${c.preset} ${c.property}`;
const cellWidth = Math.max(...cells.map((c) => cellName(c).length)) + 1;
const lines = [
  `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`,
  '',
  'design        steps/s     sequences/s',
  ...steps.map((s) => `${s.design.padEnd(13)} ${String(s.stepsPerSecond).padStart(9)}   ${String(s.sequencesPerSecond).padStart(9)}`),
  '',
  `${'violated/sometimes cell'.padEnd(cellWidth)} first ms  shrunk  shortest`,
  ...cells.map((c) => `${cellName(c).padEnd(cellWidth)} ${c.firstMsMedian.toFixed(1).padStart(8)}  ${String(c.shrunk).padStart(6)}  ${String(c.shortest ?? '-').padStart(8)}`),
  '',
  'exhaustive   depth  symmetry    states  trans/state  states/s  step bound',
  ...states.map(
    (x) =>
      `${x.design.padEnd(12)} ${String(x.depth).padStart(5)}  ${(x.symmetry ? 'on' : 'off').padEnd(8)} ${`${x.complete ? '' : '>='}${x.states}`.padStart(9)}  ${(x.transitions / x.states).toFixed(1).padStart(11)}  ${String(Math.round(x.statesPerSecond)).padStart(8)}  ${String(Math.round(x.stepBoundStatesPerSecond)).padStart(10)}`,
  ),
  `empty search (no model): ${emptySearch} state copies/s`,
  '',
  `peak RSS ${results.peakRssMiB} MiB; bench took ${results.seconds} s`,
];
process.stdout.write(lines.join('\n') + '\n');
