// Bounded exhaustive checking, as TLC or Spin would: breadth-first over
// enabled() from the initial state, states deduplicated by the design's
// canonical key, parent links kept so every counterexample is a shortest
// one. Safety and capabilities are judged on every transition, liveness
// on every new state (the same drain as the random search).
import type { Design, Knobs } from '../model/design.js';
import type { Config, GhostView } from '../model/vocabulary.js';
import { catalogue, type Property, type PropertyId } from './catalogue.js';
import type { Finding, TraceStep } from './evaluate.js';
import type { PropertyResult } from './explore.js';
import { verdictOf } from './explore.js';
import { drainOnce, goalStuck } from './liveness.js';

export interface CheckOptions {
  readonly depth: number;
  readonly symmetry: boolean;
  /** Stop cleanly past this many distinct states (the memory bound). */
  readonly maxStates: number;
  readonly properties?: readonly PropertyId[];
  /** Called as each level starts and every 1,024 new states. */
  readonly onProgress?: (p: CheckProgress) => void;
}

export interface CheckProgress {
  /** The level being explored, 1-based. */
  readonly depth: number;
  readonly states: number;
  readonly transitions: number;
}

export interface CheckResult {
  readonly results: readonly Omit<PropertyResult, 'runs' | 'path'>[];
  readonly states: number;
  readonly transitions: number;
  /** Deepest level fully explored. */
  readonly depth: number;
  /** False when the memory bound stopped the search early. */
  readonly complete: boolean;
  readonly seconds: number;
}

interface Node<S> {
  readonly state: S;
  readonly parent: Node<S> | null;
  readonly step: TraceStep | null;
}

function pathTo<S>(node: Node<S>): TraceStep[] {
  const steps: TraceStep[] = [];
  for (let n: Node<S> | null = node; n?.step; n = n.parent) steps.push(n.step);
  return steps.reverse();
}

type Judged = { readonly view: GhostView; readonly audit: string[] };

/** What safety and capability checks read of a state, besides a step's events. */
function judgedState<S>(design: Design<S>, state: S): Judged {
  return { view: design.view(state), audit: design.audit(state) };
}

export function checkExhaustive<S>(design: Design<S>, config: Config, knobs: Knobs, opts: CheckOptions): CheckResult {
  const started = performance.now();
  const key = (s: S) => design.key(s, opts.symmetry);
  const wanted = catalogue.filter((p) => !opts.properties || opts.properties.includes(p.id));
  const found = new Map<PropertyId, Finding>();
  const open = (kind: Property['kind']) => wanted.filter((p) => p.kind === kind && !found.has(p.id));

  const judgeState = (node: Node<S>) => {
    const drained = drainOnce(design, node.state);
    for (const p of open('liveness')) {
      if (p.kind !== 'liveness') continue;
      const stuck = goalStuck(design, node.state, p.goal, drained);
      if (stuck) found.set(p.id, { property: p.id, detail: stuck.detail, steps: [...pathTo(node), ...stuck.tail] });
    }
  };

  const root: Node<S> = { state: design.init(config, knobs), parent: null, step: null };
  const seen = new Set<string>([key(root.state)]);
  judgeState(root);
  let frontier = [root];
  let transitions = 0;
  let depth = 0;
  let complete = true;
  search: for (; depth < opts.depth && frontier.length > 0; depth++) {
    const next: Node<S>[] = [];
    opts.onProgress?.({ depth: depth + 1, states: seen.size, transitions });
    for (const node of frontier) {
      const checks = [...open('safety'), ...open('capability')];
      // a refused step leaves the node's state: its view is built once
      let nodeView: Judged | undefined;
      for (const action of design.enabled(node.state)) {
        const r = design.step(node.state, action);
        transitions++;
        const k = r.state === node.state ? null : key(r.state);
        const fresh = k !== null && !seen.has(k);
        // a state reached before was judged then: only a step's events are new
        if (!fresh && r.events.length === 0) continue;
        const child: Node<S> = { state: r.state, parent: node, step: { action, ret: r.ret } };
        if (checks.length > 0) {
          if (r.state === node.state) nodeView ??= judgedState(design, node.state);
          const viewed = r.state === node.state ? nodeView! : judgedState(design, r.state);
          const judged = { events: r.events, ...viewed };
          for (const p of checks) {
            if (found.has(p.id)) continue;
            const detail = p.kind === 'safety' ? p.violation(judged) : p.kind === 'capability' && p.witnessed(judged) ? 'witnessed' : null;
            if (detail) found.set(p.id, { property: p.id, detail, steps: pathTo(child) });
          }
        }
        if (k === null || !fresh) continue;
        seen.add(k);
        if (opts.onProgress && (seen.size & 1023) === 0) opts.onProgress({ depth: depth + 1, states: seen.size, transitions });
        next.push(child);
        judgeState(child);
        if (seen.size >= opts.maxStates) {
          complete = false;
          break search;
        }
      }
    }
    frontier = next;
  }
  const results = wanted.map((p) => {
    const finding = found.get(p.id);
    return { property: p.id, kind: p.kind, verdict: verdictOf(p.kind, finding !== undefined), ...(finding ? { finding } : {}) };
  });
  return { results, states: seen.size, transitions, depth, complete, seconds: (performance.now() - started) / 1000 };
}
