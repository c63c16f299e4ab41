// The expected-verdict table (properties/expected.ts), judged by the
// complete search of the default world: one search per design and preset,
// shared by its property cases. A holds/never cell is then proven for
// that world; a violated/sometimes cell is backed by the search's
// shortest trace, which replays step for step through evaluate() and has
// no shorter counterpart. The same searches are held against the search
// without symmetry (the same verdicts and lengths; to the end under
// P2P_DEEP=1) and against searches bounded by depth (exactly the findings
// that fit). The random search runs too, as a cross-check only: at the
// fixed seed it finds every violated/sometimes cell and nothing else, and
// its shrunk traces replay.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Design, type Knobs, resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { type ActionKind, actionKinds, defaultConfig } from '../../model/vocabulary.js';
import { catalogue, type Property } from '../../properties/catalogue.js';
import { defaultRuns, defaultSeed } from '../../properties/defaults.js';
import { evaluate, type Finding, fromList } from '../../properties/evaluate.js';
import { type CheckResult, checkExhaustive } from '../../properties/exhaustive.js';
import { expected } from '../../properties/expected.js';
import { explore } from '../../properties/explore.js';
import { unionOfReturns } from '../../properties/returns.js';
import { worldSizes } from './world-sizes.js';

/** The deepest state a finding of the default world shows its property in (vma-p2p exporter-no-wait). */
const deepest = 6;

/**
 * Without symmetry the search runs to the end only under P2P_DEEP=1: over
 * every preset that costs about 40 s (struct-page lsfmm-2020 alone has
 * 1.4M states), too much for npm test's budget, which stops it, and the
 * search with symmetry it is held against, one level past the deepest
 * finding.
 */
const asymmetricDepth = process.env.P2P_DEEP === '1' ? undefined : deepest + 1;

/**
 * Runs of the random cross-check: at seed 42 the last violated/sometimes
 * cell to be hit (dma-buf dynamic-move-notify, dma-to-bound-exporter) is
 * hit by run 2,506 (measured). The runs are the same every time, so the
 * margin is for changes to the model: one that moves a hit past it fails
 * the cell's test, which names it.
 */
const crossCheckRuns = process.env.P2P_DEEP === '1' ? defaultRuns : 3000;
const seed = defaultSeed();

interface Column {
  readonly name: string;
  readonly design: Design;
  readonly preset: string;
  readonly knobs: Knobs;
}

const columns: readonly Column[] = designs.flatMap((design) =>
  design.presets.map((p) => ({ name: `${design.id}/${p.name}`, design, preset: p.name, knobs: resolveKnobs(design, p) })),
);

/** Each column's complete search, made once however many tests read it. */
const searched = new Map<string, CheckResult>();
function completeOf(c: Column): CheckResult {
  let r = searched.get(c.name);
  if (!r) {
    r = checkExhaustive(c.design, defaultConfig, c.knobs, { symmetry: true, returns: true });
    searched.set(c.name, r);
  }
  return r;
}

/**
 * How many steps of a finding lead to the state that shows it: the
 * fewest of its actions after which evaluate() finds the property. For a
 * step's finding that is all of them; a liveness finding goes on with
 * the drain (and exits) that show the state stuck.
 */
function depthOf(c: Column, property: Property, finding: Finding): number {
  const actions = finding.steps.map((s) => s.action);
  for (let k = 0; k <= actions.length; k++)
    if (evaluate(c.design, defaultConfig, c.knobs, fromList(actions.slice(0, k)), [property]).findings.has(property.id)) return k;
  throw new Error(`${property.id}: no prefix of the finding shows it`);
}

/** The finding, replayed through evaluate() from its actions alone. */
function replayed(c: Column, property: Property, finding: Finding) {
  return evaluate(c.design, defaultConfig, c.knobs, fromList(finding.steps.map((s) => s.action)), [property], { toEnd: true });
}

describe.each(designs.map((d) => [d.id, d] as const))('%s', (id, design) => {
  it('has an expectation, with a reason, for every preset and property', () => {
    expect(Object.keys(expected[id])).toEqual(design.presets.map((p) => p.name));
    for (const preset of design.presets)
      for (const p of catalogue) expect(expected[id][preset.name]?.[p.id]?.reason, `${preset.name} ${p.id}`).toBeTruthy();
  });

  describe.each(columns.filter((c) => c.design === design).map((c) => [c.preset, c] as const))('preset %s', (preset, column) => {
    const table = expected[id][preset]!;
    beforeAll(() => {
      completeOf(column);
    });

    it('the complete search of the default world runs to the end, at its pinned size', () => {
      const r = completeOf(column);
      expect([r.complete, r.stoppedBy]).toEqual([true, null]);
      expect({ states: r.states, transitions: r.transitions, diameter: r.diameter }).toEqual(worldSizes.default![column.name]);
      expect(r.results.map((x) => x.property)).toEqual(catalogue.map((p) => p.id));
    });

    it.each(catalogue.map((p) => [p.id, table[p.id]!.verdict, p] as const))('%s: %s', (_id, verdict, property) => {
      const r = completeOf(column).results.find((x) => x.property === property.id)!;
      expect(r.verdict, table[property.id]!.reason).toBe(verdict);
      if (verdict === 'holds' || verdict === 'never') {
        expect(r.finding).toBeUndefined();
        return;
      }
      const finding = r.finding!;
      expect(finding.property).toBe(property.id);
      // step for step, the same returns, the same finding shown at the same step
      const again = replayed(column, property, finding);
      expect(again.steps.map((s) => s.ret)).toEqual(finding.steps.map((s) => s.ret));
      expect(again.findings.get(property.id)).toEqual(finding);
      // a step's finding shows on its last step; a liveness finding's drain comes after its state
      const depth = depthOf(column, property, finding);
      if (property.kind !== 'liveness') expect(depth).toBe(finding.steps.length);
      // shortest: a search one level short of its state finds nothing
      const shorter = checkExhaustive(design, defaultConfig, column.knobs, { symmetry: true, depth: depth - 1, properties: [property.id] });
      expect(shorter.results[0]!.finding, `depth ${depth - 1}`).toBeUndefined();
    });

    it(`the random search (${crossCheckRuns} runs, seed ${seed}) finds what the complete search finds, no shorter`, () => {
      const complete = completeOf(column);
      const random = explore({ design, preset, runs: crossCheckRuns, seed });
      expect(random.results.map((r) => r.verdict)).toEqual(complete.results.map((r) => r.verdict));
      for (const r of random.results) {
        if (!r.finding) continue;
        const property = catalogue.find((p) => p.id === r.property)!;
        const again = replayed(column, property, r.finding);
        expect(again.findings.get(r.property), r.property).toEqual(r.finding);
        const shortest = complete.results.find((x) => x.property === r.property)!.finding!;
        expect(depthOf(column, property, r.finding), r.property).toBeGreaterThanOrEqual(depthOf(column, property, shortest));
      }
    });

    it(`without symmetry${asymmetricDepth === undefined ? '' : ` (both to depth ${asymmetricDepth})`}: the same verdicts and shortest lengths, more states; its findings replay too`, () => {
      const on = asymmetricDepth === undefined ? completeOf(column) : checkExhaustive(design, defaultConfig, column.knobs, { symmetry: true, depth: asymmetricDepth });
      const off = checkExhaustive(design, defaultConfig, column.knobs, { symmetry: false, ...(asymmetricDepth === undefined ? {} : { depth: asymmetricDepth }) });
      expect([off.complete, off.stoppedBy, off.diameter >= on.diameter]).toEqual([on.complete, on.stoppedBy, true]);
      expect(off.results.map((r) => [r.property, r.verdict, r.finding?.steps.length])).toEqual(
        on.results.map((r) => [r.property, r.verdict, r.finding?.steps.length]),
      );
      expect(off.states).toBeGreaterThan(on.states);
      expect(off.transitions).toBeGreaterThan(on.transitions);
      for (const r of off.results) {
        if (!r.finding) continue;
        const property = catalogue.find((p) => p.id === r.property)!;
        expect(replayed(column, property, r.finding).findings.get(r.property), r.property).toEqual(r.finding);
      }
    });

    it(`bounded by depth 0..${deepest}: incomplete, with exactly the complete search's findings that fit`, () => {
      const complete = completeOf(column);
      const depths = new Map(
        complete.results.flatMap((r) => (r.finding ? [[r.property, depthOf(column, catalogue.find((p) => p.id === r.property)!, r.finding)] as const] : [])),
      );
      expect(Math.max(0, ...depths.values())).toBeLessThanOrEqual(deepest);
      for (let depth = 0; depth <= deepest; depth++) {
        const bounded = checkExhaustive(design, defaultConfig, column.knobs, { symmetry: true, depth });
        expect([bounded.complete, bounded.stoppedBy, bounded.diameter], `depth ${depth}`).toEqual([false, 'depth', depth]);
        expect(bounded.states).toBeLessThan(complete.states);
        // the liveness ones too: the bounded graph is closed under the steps a goal may wait for
        complete.results.forEach((r, i) => {
          const fits = r.finding !== undefined && depths.get(r.property)! <= depth;
          expect(bounded.results[i]!.finding, `${r.property} at depth ${depth}`).toEqual(fits ? r.finding : undefined);
        });
      }
    });
  });
});

describe('the table as a whole', () => {
  it('docs/calls.json lists what each call returned in these searches (npm run calls writes it)', () => {
    const seen = (design: Design) => unionOfReturns(columns.filter((c) => c.design === design).map(completeOf));
    const reference = JSON.parse(readFileSync(new URL('../../docs/calls.json', import.meta.url), 'utf8'));
    expect(reference).toEqual(Object.fromEntries(designs.map((d) => [d.id, seen(d)])));
  });

  /** The kinds whose every action a design declares inert, in every preset: its complete search never tries them. */
  const inertKinds = (design: Design): ActionKind[] =>
    actionKinds.filter((kind) =>
      design.presets.every((p) => {
        const m = design.machine(defaultConfig, resolveKnobs(design, p));
        return m.actions.every((a, i) => a.kind !== kind || m.inertAt[i] === 1);
      }),
    );

  it('every action kind is tried, and taken, by the complete search of some design', () => {
    const tried = new Set<ActionKind>();
    const taken = new Set<ActionKind>();
    for (const c of columns)
      for (const [kind, n] of completeOf(c).coverage) {
        if (n.tried > 0) tried.add(kind);
        if (n.taken > 0) taken.add(kind);
      }
    expect(actionKinds.filter((k) => !tried.has(k))).toEqual([]);
    expect(actionKinds.filter((k) => !taken.has(k))).toEqual([]);
  });

  /** Kinds the design declares inert, or never worth offering (an mmap split where ->mmap inserts nothing). */
  const untriedKinds = (design: Design): ActionKind[] => {
    const split = design.machine(defaultConfig, resolveKnobs(design, design.presets[0]!)).spec.splitsMmap;
    const unoffered: ActionKind[] = split ? [] : ['proc_mmap_start', 'proc_mmap_link'];
    return actionKinds.filter((k) => inertKinds(design).includes(k) || unoffered.includes(k));
  };

  it.each(designs.map((d) => [d.id, untriedKinds(d).join(', '), d] as const))(
    '%s tries every kind but the ones it declares inert or not worth offering: %s',
    (_id, _inert, design) => {
      const inert = untriedKinds(design);
      const tried = new Set<ActionKind>();
      for (const c of columns.filter((x) => x.design === design))
        for (const [kind, n] of completeOf(c).coverage) if (n.tried > 0) tried.add(kind);
      expect(actionKinds.filter((k) => !tried.has(k))).toEqual(inert);
    },
  );

  it('every safety and liveness property is violated by some preset (it can fail) and holds in another', () => {
    for (const p of catalogue.filter((x) => x.kind !== 'capability')) {
      const verdicts = Object.values(expected).flatMap((t) => Object.values(t).map((row) => row[p.id]!.verdict));
      expect(new Set(verdicts), p.id).toEqual(new Set(['holds', 'violated']));
    }
  });

  it('every capability is witnessed by some preset, and missing in another', () => {
    for (const p of catalogue.filter((x) => x.kind === 'capability')) {
      const verdicts = Object.values(expected).flatMap((t) => Object.values(t).map((row) => row[p.id]!.verdict));
      expect(new Set(verdicts), p.id).toEqual(new Set(['sometimes', 'never']));
    }
  });
});
