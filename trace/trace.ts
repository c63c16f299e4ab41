// A trace: the product's currency. Everything needed to
// replay a run and judge it again, and nothing that depends on the
// generator that found it. A hand-written trace may leave returns and
// the verdict unknown (`?`) and judge no property in particular.
import type { DesignId, Knobs } from '../model/design.js';
import type { Action, Config, Ret } from '../model/vocabulary.js';
import { linksFor, type PropertyId } from '../properties/catalogue.js';
import type { ExploreResult, PropertyResult, Verdict } from '../properties/explore.js';

/** A return or verdict the writer does not know yet: `replay --fill` fills it in. */
export const UNKNOWN = '?';
export type StatedRet = Ret | typeof UNKNOWN;
export type StatedVerdict = Verdict | typeof UNKNOWN;

/** One step as a trace states it. */
export interface StatedStep {
  readonly action: Action;
  readonly ret: StatedRet;
}

export interface Trace {
  readonly design: DesignId;
  readonly preset: string;
  /** Knob overrides on top of the preset (not the whole knob set). */
  readonly overrides: Knobs;
  readonly config: Config;
  /** The property its `Result:` line judges; absent, replay judges every property. */
  readonly property?: PropertyId;
  /** The stated verdict of `property`, present with it. */
  readonly verdict?: StatedVerdict;
  /** One line: what the property check saw; '' for none (no `Detail:` line). */
  readonly detail: string;
  readonly steps: readonly StatedStep[];
  readonly links: readonly string[];
  /** The command that reproduces it; '' for none (no `Reproduce:` line). */
  readonly command: string;
}

/** ` --knob name=value` per override, for a Reproduce: command. */
export const knobFlags = (overrides: Readonly<Record<string, string>>) =>
  Object.entries(overrides)
    .map(([k, v]) => ` --knob ${k}=${v}`)
    .join('');

export function traceFromResult(run: ExploreResult, result: PropertyResult): Trace | undefined {
  if (!result.finding) return undefined;
  return {
    design: run.design.id,
    preset: run.preset,
    overrides: run.overrides,
    config: run.config,
    property: result.property,
    verdict: result.verdict,
    detail: result.finding.detail,
    steps: result.finding.steps,
    links: linksFor(result.property, run.design.id),
    command:
      `npx p2pmodel explore --design ${run.design.id} --preset ${run.preset}${knobFlags(run.overrides)}` +
      `${run.worldArg === undefined ? '' : ` --world ${run.worldArg}`}` +
      ` --property ${result.property} --seed ${run.seed}${result.path ? ` --path ${result.path}` : ''}`,
  };
}
