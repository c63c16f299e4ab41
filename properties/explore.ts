// Random exploration with fast-check. One search pass runs `runs`
// sequences and judges every wanted property on each; for each property
// it hit, fast-check replays that run (seed + path) against the property
// alone and shrinks it. A "holds"/"never" verdict is backed by the runs
// made; a "violated"/"sometimes" verdict by the shrunk trace.
import fc from 'fast-check';
import { type Design, type Knobs, resolveKnobs } from '../model/design.js';
import { type Config, defaultConfig } from '../model/vocabulary.js';
import { fromPicks, type Pick, picksArb } from './arbitrary.js';
import { catalogue, type Property, type PropertyId, type PropertyKind } from './catalogue.js';
import { evaluate, type Finding } from './evaluate.js';

export type Verdict = 'holds' | 'violated' | 'sometimes' | 'never';

export interface ExploreOptions {
  readonly design: Design;
  readonly preset: string;
  readonly overrides?: Knobs;
  readonly config?: Config;
  /** The --world a trace's Reproduce: line names (a shipped world's name or a file); none for the default. */
  readonly worldArg?: string | undefined;
  readonly properties?: readonly PropertyId[];
  readonly runs: number;
  readonly seed: number;
  /** fast-check counterexample path; needs exactly one property. */
  readonly path?: string;
  readonly maxLength?: number;
  /** Called after each run of the search pass and before each shrink. */
  readonly onProgress?: (p: ExploreProgress) => void;
}

export interface ExploreProgress {
  /** Runs of the search pass done, of `of`. */
  readonly runs: number;
  readonly of: number;
  /** The property being shrunk, once the search pass is over. */
  readonly shrinking: PropertyId | null;
}

export interface PropertyResult {
  readonly property: PropertyId;
  readonly kind: PropertyKind;
  readonly verdict: Verdict;
  /** Sequences run by the search pass. */
  readonly runs: number;
  readonly finding?: Finding;
  /** fast-check path of the shrunk counterexample or witness: `--seed S --path P` reruns it. */
  readonly path?: string;
}

export interface ExploreResult {
  readonly design: Design;
  readonly preset: string;
  readonly knobs: Knobs;
  readonly overrides: Knobs;
  readonly config: Config;
  readonly worldArg: string | undefined;
  readonly seed: number;
  readonly results: readonly PropertyResult[];
  /** How often each action kind was taken (returned anything) in the search pass. */
  readonly coverage: ReadonlyMap<string, number>;
}

/** Long runs find deep violations far more often than short ones (measured). */
export const defaultMaxLength = 64;

/** `path` names no run of this seed that shows the property: fast-check cannot replay it. */
export class PathError extends Error {
  constructor(readonly path: string) {
    super(`the path ${path} names no run of the search that shows the property`);
  }
}

export function verdictOf(kind: PropertyKind, found: boolean): Verdict {
  if (kind === 'capability') return found ? 'sometimes' : 'never';
  return found ? 'violated' : 'holds';
}

export function explore(opts: ExploreOptions): ExploreResult {
  const { design, runs, seed } = opts;
  const config = opts.config ?? defaultConfig;
  const overrides = opts.overrides ?? {};
  const preset = design.presets.find((p) => p.name === opts.preset);
  if (!preset) throw new Error(`unknown preset ${opts.preset}`);
  const knobs = resolveKnobs(design, preset, overrides);
  const wanted = catalogue.filter((p) => !opts.properties || opts.properties.includes(p.id));
  const arb = picksArb(opts.maxLength ?? defaultMaxLength);
  const judge = (picks: readonly Pick[], props: readonly Property[]) =>
    evaluate(design, config, knobs, fromPicks(design, picks), props);

  // Search pass: which run first hits each property.
  const firstHit = new Map<PropertyId, number>();
  const coverage = new Map<string, number>();
  let run = 0;
  if (opts.path === undefined) {
    fc.check(
      fc.property(arb, (picks) => {
        const open = wanted.filter((p) => !firstHit.has(p.id));
        const { steps, findings } = judge(picks, open);
        for (const s of steps) coverage.set(s.action.kind, (coverage.get(s.action.kind) ?? 0) + 1);
        for (const id of findings.keys()) firstHit.set(id, run);
        run++;
        opts.onProgress?.({ runs: run, of: runs, shrinking: null });
        return true;
      }),
      { seed, numRuns: runs },
    );
  } else {
    for (const p of wanted) firstHit.set(p.id, -1);
  }

  const results = wanted.map((p): PropertyResult => {
    const hit = firstHit.get(p.id);
    if (hit === undefined) return { property: p.id, kind: p.kind, verdict: verdictOf(p.kind, false), runs };
    opts.onProgress?.({ runs: run, of: runs, shrinking: p.id });
    const rerun = () =>
      fc.check(
        fc.property(arb, (picks) => !judge(picks, [p]).findings.has(p.id)),
        { seed, numRuns: runs, path: opts.path ?? String(hit) },
      );
    let shrunk: ReturnType<typeof rerun>;
    try {
      shrunk = rerun();
    } catch (err) {
      // judge() never throws: only a path given by the caller can be wrong
      if (opts.path === undefined) throw err;
      throw new PathError(opts.path);
    }
    // a given path that replays no counterexample names no run that shows the property
    if (opts.path !== undefined && !shrunk.failed) throw new PathError(opts.path);
    const picks = shrunk.counterexample?.[0];
    const finding = picks ? judge(picks, [p]).findings.get(p.id) : undefined;
    return {
      property: p.id,
      kind: p.kind,
      verdict: verdictOf(p.kind, finding !== undefined),
      runs,
      ...(finding ? { finding, path: shrunk.counterexamplePath ?? undefined } : {}),
    };
  });
  return { design, preset: preset.name, knobs, overrides, config, worldArg: opts.worldArg, seed, results, coverage };
}
