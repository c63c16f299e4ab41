// npm run bench: how fast each part is. Prints a table and writes
// bench/results.json. Measured here, never asserted in a test.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resourceUsage } from 'node:process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type Design, resolveKnobs } from '../model/design.js';
import { designs } from '../model/designs.js';
import type { Action, Config } from '../model/vocabulary.js';
import { fromPicks, picksArb } from '../properties/arbitrary.js';
import { catalogue } from '../properties/catalogue.js';
import { evaluate } from '../properties/evaluate.js';
import { type CheckResult, checkExhaustive } from '../properties/exhaustive.js';
import { expected } from '../properties/expected.js';
import { defaultMaxLength, explore } from '../properties/explore.js';
import { loadWorld } from '../worlds/load.js';
import { storeFloor } from './floor.js';
import { searchParts } from './parts.js';

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bin = fileURLToPath(new URL('../bin/p2pmodel.js', import.meta.url));

interface SearchBench {
  world: string;
  design: string;
  preset: string;
  states: number;
  transitions: number;
  diameter: number;
  seconds: number;
  statesPerSecond: number;
  bytesPerState: number;
  /** `p2pmodel check` as a user runs it: process start, bundling, search, output. */
  commandSeconds: number;
}

/** Runs per timing: this VM's speed varies by up to a third from run to run, so each figure is the best of these. */
const REPEATS = 3;

/** The complete search of every preset of every world, in process and as the command. */
function completeSearches(worlds: readonly string[]): SearchBench[] {
  const cells = worlds.flatMap((world) => {
    const { config } = loadWorld(world);
    return designs.flatMap((design) => design.presets.map((preset) => ({ world, config, design, preset })));
  });
  const searchSeconds = cells.map(() => Number.POSITIVE_INFINITY);
  const commandSeconds = cells.map(() => Number.POSITIVE_INFINITY);
  const results: CheckResult[] = [];
  // each round times every cell once, so a slow spell of this VM costs one round of a cell, not all of them
  for (let round = 0; round < REPEATS; round++)
    cells.forEach(({ world, config, design, preset }, i) => {
      const r = checkExhaustive(design, config, resolveKnobs(design, preset), { symmetry: true });
      results[i] = r;
      searchSeconds[i] = Math.min(searchSeconds[i]!, r.seconds);
      const t0 = performance.now();
      // exit 1 is a verdict away from the default world's table, as other worlds give
      const { status } = spawnSync(process.execPath, [bin, 'check', '--design', design.id, '--preset', preset.name, '--world', world], { stdio: 'ignore' });
      if (status !== 0 && status !== 1) throw new Error(`p2pmodel check ${design.id} ${preset.name} --world ${world}: exit ${status}`);
      commandSeconds[i] = Math.min(commandSeconds[i]!, seconds(t0));
    });
  return cells.map(({ world, design, preset }, i) => {
    const r = results[i]!;
    return {
      world,
      design: design.id,
      preset: preset.name,
      states: r.states,
      transitions: r.transitions,
      diameter: r.diameter,
      seconds: searchSeconds[i]!,
      statesPerSecond: r.states / searchSeconds[i]!,
      bytesPerState: r.bytesPerState,
      commandSeconds: commandSeconds[i]!,
    };
  });
}

interface PartsBench {
  design: string;
  preset: string;
  states: number;
  /** Microseconds per state of the search and each part (bench/parts.ts), best of REPEATS; `rest` is the search's time past them. */
  enabled: number;
  steps: number;
  lookups: number;
  forms: number;
  rest: number;
  search: number;
  /** States/s the search would reach were every step free. */
  withoutStepsStatesPerSecond: number;
}

/** The minimal world's searches, part by part. */
function parts(searches: SearchBench[]): PartsBench[] {
  const { config } = loadWorld('minimal');
  return designs.flatMap((design) =>
    design.presets.map((preset) => {
      const p = searchParts(design, config, resolveKnobs(design, preset), REPEATS);
      const search = searches.find((x) => x.world === 'minimal' && x.design === design.id && x.preset === preset.name)!;
      if (p.states !== search.states) throw new Error(`${design.id} ${preset.name}: the parts stored ${p.states} states, the search ${search.states}`);
      const us = (s: number) => (1e6 * s) / p.states;
      const timed = p.enabled + p.steps + p.lookups + p.forms;
      return {
        design: design.id,
        preset: preset.name,
        states: p.states,
        enabled: us(p.enabled),
        steps: us(p.steps),
        lookups: us(p.lookups),
        forms: us(p.forms),
        rest: us(Math.max(0, p.search - timed)),
        search: us(p.search),
        withoutStepsStatesPerSecond: p.states / (p.search - p.steps),
      };
    }),
  );
}

interface FloorBench {
  design: string;
  preset: string;
  states: number;
  successorsPerState: number;
  /** Microseconds per state of the store alone (bench/floor.ts), here and in C (null: no C compiler). */
  store: number;
  storeInC: number | null;
  /** The complete search's own rate, from the table above, beside the most its store allows. */
  searchStatesPerSecond: number;
}

/** The minimal world's stores alone, in this engine and in C. */
function floors(searches: SearchBench[]): FloorBench[] {
  const { config } = loadWorld('minimal');
  return designs.flatMap((design) =>
    design.presets.map((preset) => {
      const f = storeFloor(design, config, resolveKnobs(design, preset), REPEATS);
      const search = searches.find((x) => x.world === 'minimal' && x.design === design.id && x.preset === preset.name)!;
      if (f.states !== search.states) throw new Error(`${design.id} ${preset.name}: the floor stored ${f.states} states, the search ${search.states}`);
      const us = (s: number) => (1e6 * s) / f.states;
      return {
        design: design.id,
        preset: preset.name,
        states: f.states,
        successorsPerState: f.successorsPerState,
        store: us(f.seconds),
        storeInC: f.cSeconds === null ? null : us(f.cSeconds),
        searchStatesPerSecond: search.statesPerSecond,
      };
    }),
  );
}

/** A long random walk over enabled(), restarting every 64 steps; then time step() alone over it. */
function stepsPerSecond(design: Design, config: Config): number {
  const knobs = resolveKnobs(design, design.presets[0]!);
  const segments: Action[][] = [];
  for (const choices of fc.sample(fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), { seed: 1, numRuns: 3000 })) {
    let state = design.init(config, knobs);
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
      let state = design.init(config, knobs);
      for (const a of actions) state = design.step(state, a).state;
      steps += actions.length;
    }
  return steps / seconds(t0);
}

interface CellBench {
  design: string;
  preset: string;
  property: string;
  firstMsMedian: number;
  shrunk: number;
  shortest: number | null;
}

/** The random search: time to first hit a violated/sometimes cell (median of 10 seeds), shrunk vs shortest length. */
function randomCells(config: Config): CellBench[] {
  const out: CellBench[] = [];
  for (const design of designs)
    for (const preset of design.presets) {
      const knobs = resolveKnobs(design, preset);
      const complete = checkExhaustive(design, config, knobs, { symmetry: true });
      for (const p of catalogue) {
        const want = expected[design.id][preset.name]![p.id]!.verdict;
        if (want !== 'violated' && want !== 'sometimes') continue;
        const times = Array.from({ length: 10 }, (_, i) => {
          const t0 = performance.now();
          fc.check(
            fc.property(picksArb(defaultMaxLength), (picks) => !evaluate(design, config, knobs, fromPicks(design, picks), [p]).findings.has(p.id)),
            { seed: i + 1, numRuns: 200_000, endOnFailure: true },
          );
          return performance.now() - t0;
        });
        const shrunk = explore({ design, preset: preset.name, runs: 10_000, seed: 42, properties: [p.id] }).results[0]!.finding?.steps.length ?? -1;
        const shortest = complete.results.find((r) => r.property === p.id)!.finding?.steps.length ?? null;
        out.push({ design: design.id, preset: preset.name, property: p.id, firstMsMedian: median(times), shrunk, shortest });
      }
    }
  return out;
}

const t0 = performance.now();
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
const searches = completeSearches(['minimal', 'default', 'routes']);
const partsOfMinimal = parts(searches);
const floorsOfMinimal = floors(searches);
const defaultWorld = loadWorld('default').config;
const steps = designs.map((d) => ({ design: d.id, stepsPerSecond: Math.round(stepsPerSecond(d, defaultWorld)) }));
const cells = randomCells(defaultWorld);
const results = {
  date: new Date().toISOString(),
  machine,
  searches,
  parts: partsOfMinimal,
  floors: floorsOfMinimal,
  steps,
  cells,
  peakRssMiB: Math.round(resourceUsage().maxRSS / 1024),
  seconds: Math.round(seconds(t0)),
};
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');

const pad = (v: string | number, n: number) => String(v).padStart(n);
const cellName = (c: CellBench) => `${c.design}/${c.preset} ${c.property}`;
const cellWidth = Math.max(...cells.map((c) => cellName(c).length)) + 1;
const lines = [
  `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`,
  '',
  `complete search (symmetry on), one core, best of ${REPEATS}`,
  'world    design       preset                    states  transitions diam    s  states/s  B/state  command s',
  ...searches.map(
    (x) =>
      `${x.world.padEnd(8)} ${x.design.padEnd(12)} ${x.preset.padEnd(24)} ${pad(x.states, 8)} ${pad(x.transitions, 12)} ${pad(x.diameter, 4)} ${pad(x.seconds.toFixed(2), 5)} ${pad(Math.round(x.statesPerSecond), 9)} ${pad(Math.round(x.bytesPerState), 8)} ${pad(x.commandSeconds.toFixed(2), 10)}`,
  ),
  '',
  `minimal world: microseconds per state by part of the search, best of ${REPEATS} (300k states/s is 3.33)`,
  'design       preset                    states  enabled  steps  lookups  forms  rest  search  states/s steps free',
  ...partsOfMinimal.map((p) => {
    const us = (v: number, n: number) => pad(v.toFixed(2), n);
    return `${p.design.padEnd(12)} ${p.preset.padEnd(24)} ${pad(p.states, 8)} ${us(p.enabled, 8)} ${us(p.steps, 6)} ${us(p.lookups, 8)} ${us(p.forms, 6)} ${us(p.rest, 5)} ${us(p.search, 7)} ${pad(Math.round(p.withoutStepsStatesPerSecond), 18)}`;
  }),
  '',
  `minimal world: the store alone (bench/floor.ts: steps, census, forms free), microseconds per state, best of ${REPEATS}`,
  'design       preset                    states  succ/state   store  states/s   in C  states/s  search states/s',
  ...floorsOfMinimal.map((f) => {
    const c = f.storeInC === null ? `${pad('-', 6)} ${pad('no cc', 9)}` : `${pad(f.storeInC.toFixed(2), 6)} ${pad(Math.round(1e6 / f.storeInC), 9)}`;
    return `${f.design.padEnd(12)} ${f.preset.padEnd(24)} ${pad(f.states, 8)} ${pad(f.successorsPerState.toFixed(1), 10)} ${pad(f.store.toFixed(2), 7)} ${pad(Math.round(1e6 / f.store), 9)} ${c} ${pad(Math.round(f.searchStatesPerSecond), 17)}`;
  }),
  '',
  'design        step()/s (default world)',
  ...steps.map((s) => `${s.design.padEnd(13)} ${pad(s.stepsPerSecond, 9)}`),
  '',
  `${'random search: violated/sometimes cell'.padEnd(cellWidth)} first ms  shrunk  shortest`,
  ...cells.map((c) => `${cellName(c).padEnd(cellWidth)} ${pad(c.firstMsMedian.toFixed(1), 8)}  ${pad(c.shrunk, 6)}  ${pad(c.shortest ?? '-', 8)}`),
  '',
  `peak RSS ${results.peakRssMiB} MiB; bench took ${results.seconds} s`,
];
process.stdout.write(lines.join('\n') + '\n');
