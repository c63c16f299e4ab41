// A trace: the product's currency (DESIGN.md §5). Everything needed to
// replay a run and judge it again, and nothing that depends on the
// generator that found it.
import type { DesignId, Knobs } from '../model/design.js';
import type { Config, TraceStep } from '../model/vocabulary.js';
import { findProperty, type PropertyId } from '../properties/catalogue.js';
import type { ExploreResult, PropertyResult, Verdict } from '../properties/explore.js';

export interface Trace {
  readonly design: DesignId;
  readonly preset: string;
  /** Knob overrides on top of the preset (not the whole knob set). */
  readonly overrides: Knobs;
  readonly config: Config;
  readonly property: PropertyId;
  readonly verdict: Verdict;
  /** One line: what the property check saw. */
  readonly detail: string;
  readonly steps: readonly TraceStep[];
  readonly links: readonly string[];
  /** The command that reproduces it. */
  readonly command: string;
}

export function traceFromResult(run: ExploreResult, result: PropertyResult): Trace | undefined {
  if (!result.finding) return undefined;
  const knobArgs = Object.entries(run.overrides).map(([k, v]) => ` --knob ${k}=${v}`).join('');
  return {
    design: run.design.id,
    preset: run.preset,
    overrides: run.overrides,
    config: run.config,
    property: result.property,
    verdict: result.verdict,
    detail: result.finding.detail,
    steps: result.finding.steps,
    links: findProperty(result.property)?.links ?? [],
    command:
      `npx p2pmodel explore --design ${run.design.id} --preset ${run.preset}${knobArgs}` +
      `${run.worldArg === undefined ? '' : ` --world ${run.worldArg}`}` +
      ` --property ${result.property} --seed ${run.seed}${result.path ? ` --path ${result.path}` : ''}`,
  };
}
