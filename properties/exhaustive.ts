// The complete search, as Spin and TLC run one: breadth-first over every
// enabled action from the initial state until no new state appears,
// each state stored once in canonical form (model/symmetry.ts) in an
// arena. Safety and capabilities are judged on every transition (a
// step's events) and every new state (its audit); liveness, once the
// graph is whole, by backward reachability over kernel and device steps
// (backward.ts). A search stopped by a depth or state bound still closes
// the graph under kernel, device and exit steps, so its liveness answers
// are exact for the states it reached; it never claims `holds`.
// Counterexamples are shortest: parents are kept, and the path is walked
// again from the real initial state to give each step its real names.
import type { Design, Knobs } from '../model/design.js';
import type { Machine } from '../model/machine.js';
import { driverStates, type State } from '../model/state.js';
import type { ActionKind, Config, DriverState, GhostView, Ret, TraceStep } from '../model/vocabulary.js';
import { actionKinds } from '../model/vocabulary.js';
import { Arena } from './arena.js';
import { canReach, EXIT, Edges, PROGRESS } from './backward.js';
import {
  type CapabilityProperty,
  catalogue,
  type LivenessGoal,
  type Property,
  type PropertyId,
  type PropertyKind,
  type SafetyProperty,
  type StepView,
  isJudged,
} from './catalogue.js';
import { type Finding, judgedStep } from './evaluate.js';
import { type Verdict, verdictOf } from './explore.js';
import { goalStuck, progressKinds } from './liveness.js';
import { BLOCK, Tries } from './tries.js';

export interface CheckOptions {
  /** Levels to search; without it, to the end. */
  readonly depth?: number;
  readonly symmetry: boolean;
  /** Stop past this many distinct states (the memory bound). */
  readonly maxStates?: number;
  readonly properties?: readonly PropertyId[];
  /** Called as each level starts and after each block of states it expands that holds a 4,096th state. */
  readonly onProgress?: (p: CheckProgress) => void;
  /** Collect what each action kind returned (for the call reference). */
  readonly returns?: boolean;
  /** States expanded together (tries.ts), 64 unless given; 1 is the state-by-state search the blocks must equal. */
  readonly block?: number;
}

export interface CheckProgress {
  /** The level being explored, 1-based. */
  readonly depth: number;
  readonly states: number;
  readonly transitions: number;
}

export interface CheckResult {
  readonly results: readonly { readonly property: PropertyId; readonly kind: PropertyKind; readonly verdict: Verdict; readonly finding?: Finding }[];
  /** Distinct states reached within the bound. */
  readonly states: number;
  readonly transitions: number;
  /** The longest shortest path from the initial state to a state (levels - 1). */
  readonly diameter: number;
  /** Ran until no new state appeared: every verdict holds for the whole world. */
  readonly complete: boolean;
  /** The bound that stopped an incomplete search. */
  readonly stoppedBy: 'depth' | 'states' | null;
  readonly seconds: number;
  /** The store's bytes per state, its hash table included. */
  readonly bytesPerState: number;
  /** Per action kind: transitions tried, and how many of them succeeded. */
  readonly coverage: ReadonlyMap<ActionKind, { readonly tried: number; readonly taken: number }>;
  /** With `returns`: per action kind, the returns it gave (in no order), ids as `vmaN`, `mrN`... */
  readonly returns?: ReadonlyMap<ActionKind, ReadonlySet<string>>;
}

/** A return as the call reference lists it: a created id by its kind (`vma3` -> `vmaN`). */
const returnWord = (ret: Ret) => ret.replace(/^(vma|io|mr|fd|p)\d+$/, '$1N');

const UNBINDING = 1;
const EVICTING = 2;
const CLEAN = 4;

/** Where a property's first finding is; made into a trace once the search is over. */
type Hit =
  | { readonly at: 'transition'; readonly from: number }
  | { readonly at: 'state'; readonly state: number; readonly detail: string };

/** A StepView reading the packed state; the ghost view is built only if a check reads it. */
class LazyView<S extends State> implements StepView {
  private built: GhostView | undefined;
  readonly audit: readonly string[] = [];

  constructor(
    readonly config: Config,
    readonly events: StepView['events'],
    private readonly design: Design<S>,
    private readonly state: S,
  ) {}

  driver(e: number): DriverState {
    return driverStates[this.state.exporter(e).driver]!;
  }

  get view(): GhostView {
    this.built ??= this.design.view(this.state);
    return this.built;
  }
}

/** A failure return: an errno, a signal or BOUND. */
const failed = (ret: Ret) => {
  const c = ret.charCodeAt(0);
  return c === 45 || c === 83 || c === 66; // '-', 'S', 'B'
};

const checkHit = (p: SafetyProperty | CapabilityProperty, view: StepView): string | null =>
  p.kind === 'safety' ? p.violation(view) : p.witnessed(view) ? 'witnessed' : null;

export function checkExhaustive<S extends State>(design: Design<S>, config: Config, knobs: Knobs, opts: CheckOptions): CheckResult {
  const started = performance.now();
  const m = design.machine(config, knobs);
  const { actions, world } = m;
  const depthBound = opts.depth ?? Number.POSITIVE_INFINITY;
  const maxStates = opts.maxStates ?? Number.POSITIVE_INFINITY;
  const wanted = catalogue.filter((p) => !opts.properties || opts.properties.includes(p.id));
  const hits = new Map<PropertyId, Hit>();
  let onEvents = wanted.filter((p): p is SafetyProperty | CapabilityProperty => p.kind !== 'liveness' && (p.kind === 'capability' || p.reads === 'events'));
  let onState = wanted.filter((p): p is SafetyProperty => p.kind === 'safety' && p.reads === 'state');

  const edgeKind = Uint8Array.from(actions, (a) => (progressKinds.has(a.kind) ? PROGRESS : a.kind === 'proc_exit' ? EXIT : 0));
  const tried = new Float64Array(actionKinds.length);
  const taken = new Float64Array(actionKinds.length);
  const returns = opts.returns ? actionKinds.map(() => new Set<string>()) : null;

  const arena = new Arena(m.width);
  const edges = new Edges();
  const canonBytes = new Uint8Array(m.width);
  const canonWords = new Int32Array(canonBytes.buffer);
  // the canonical forms of a state's successors not stored as written, looked up together too
  const formBytes = new Uint8Array(actions.length * m.width);
  const formWords = new Int32Array(formBytes.buffer);
  const formHash = new Uint32Array(actions.length);

  /** The form `s` is stored in, written to `dst` at `at`: canonical, or as it is without symmetry. */
  const canonicalize = (s: S, dst: Uint8Array, at: number) => {
    if (opts.symmetry) m.canonical(s, dst, at);
    else dst.set(s.b.subarray(s.o, s.o + m.width), at);
  };

  /** A state seen for the first time: its flags, and (within the bound) the checks on states. */
  const added = (j: number, s: S, judged: boolean) => {
    arena.flags[j] = (m.unbinding(s) ? UNBINDING : 0) | (m.evicting(s) ? EVICTING : 0) | (m.clean(s) ? CLEAN : 0);
    if (!judged || onState.length === 0) return;
    const audit = design.audit(s);
    if (audit.length === 0) return;
    for (const p of onState) {
      const detail = p.violation(judgedStep(config, [], design.view(s), audit));
      if (detail) hits.set(p.id, { at: 'state', state: j, detail });
    }
    onState = onState.filter((p) => !hits.has(p.id));
  };

  // A block of states is expanded in three passes (tries.ts): the census
  // of each state, every step grouped by action kind, then each state's
  // successors looked up and stored in census order, so that every state
  // gets the index a state-by-state search gives it.
  const words = m.width >> 2;
  const block = opts.block ?? BLOCK;
  const tries = new Tries(m, arena, block);
  const maxTries = block * actions.length;
  const tryHash = new Uint32Array(maxTries);
  /** Per try: 0 nothing written, else 1 + its edge kind (0 for a failed step). */
  const tryEdge = new Uint8Array(maxTries);
  const formOf = new Int32Array(maxTries);
  const successor = m.wrap(tries.bytes, 0);
  /** The first state of the block whose step shows each property, found by the step pass. */
  const blockHits = new Map<PropertyId, number>();

  let transitions = 0;
  /** Whether the block being expanded is the closure's: only kernel, device and exit steps, nothing judged. */
  let closure = false;
  // inert actions are skipped: by their design's word they change nothing and show nothing; tried only for what they return
  const skipped = returns ? new Uint8Array(actions.length) : m.inertAt;
  const closureSkipped = Uint8Array.from(actions, (_, ai) => (m.inertAt[ai] === 1 || edgeKind[ai] === 0 ? 1 : 0));
  const after = (t: number, ret: Ret) => {
    const { out } = tries;
    const ai = tries.action[t]!;
    // an inert action is tried only when returns are asked for, and only for what it returns
    if (returns !== null && m.inertAt[ai] === 1) {
      returns[world.kindOf[ai]!]!.add(returnWord(ret));
      tryEdge[t] = 0;
      return;
    }
    const ok = !failed(ret);
    if (!closure) {
      transitions++;
      const kind = world.kindOf[ai]!;
      tried[kind]!++;
      if (ok) taken[kind]!++;
      if (returns) returns[kind]!.add(returnWord(ret));
      if (out.events.length > 0 && onEvents.length > 0 && out.events.some(isJudged)) {
        const i = tries.state[t]!;
        const view = new LazyView(config, out.events, design, out.written ? out.d : tries.src);
        // the detail is found again when the trace is made (findingOf)
        for (const p of onEvents) {
          if (checkHit(p, view) === null) continue;
          const first = blockHits.get(p.id);
          if (first === undefined || i < first) blockHits.set(p.id, i);
        }
      }
    }
    if (!out.written) {
      tryEdge[t] = 0;
      tryHash[t] = 0;
      return;
    }
    tryEdge[t] = 1 + (ok ? edgeKind[ai]! : 0);
    tryHash[t] = arena.hashAt(tries.words, t * words);
  };

  /**
   * Expand states `from` to `to` (all of one level): every enabled
   * action, or in the closure only the kernel, device and exit steps.
   */
  const expandBlock = (from: number, to: number) => {
    tries.census(from, to, closure ? closureSkipped : skipped);
    tries.step(after);
    if (blockHits.size > 0) {
      for (const [id, i] of blockHits) hits.set(id, { at: 'transition', from: i });
      onEvents = onEvents.filter((p) => !hits.has(p.id));
      blockHits.clear();
    }
    const tryWords = tries.words;
    successor.b = tries.bytes;
    arena.touch(tryHash, 0, tries.n);
    for (let i = from; i < to; i++) {
      const t0 = tries.first[i - from]!;
      const t1 = tries.first[i - from + 1]!;
      let forms = 0;
      for (let t = t0; t < t1; t++) {
        if (tryEdge[t] === 0) continue;
        // a successor already stored as it is needs no canonical form: it is one
        formOf[t] = arena.find(tryWords, t * words, tryHash[t]!);
        if (formOf[t]! >= 0) continue;
        successor.o = t * m.width;
        canonicalize(successor, formBytes, forms * m.width);
        formHash[forms] = arena.hashAt(formWords, forms * words);
        formOf[t] = -1 - forms++;
      }
      arena.touch(formHash, 0, forms);
      for (let t = t0; t < t1; t++) {
        if (tryEdge[t] === 0) continue;
        let j = formOf[t]!;
        if (j < 0) {
          const f = -1 - j;
          j = arena.internAt(formWords, f * words, formHash[f]!, i);
          successor.o = t * m.width;
          if (arena.added) added(j, successor, !closure);
        }
        if (tryEdge[t]! > 1) edges.add(i, j, tryEdge[t]! - 1);
      }
    }
    if (!closure && opts.onProgress && (to - 1) >> 12 !== (from - 1) >> 12) opts.onProgress({ depth: level + 1, states: arena.count, transitions });
  };
  /** How many states the next block takes: fewer near the state bound, so that no block can pass it. */
  const blockSize = (left: number) => Math.max(1, Math.min(block, left, Math.floor((maxStates - arena.count) / actions.length)));

  const root = m.init();
  canonicalize(root, canonBytes, 0);
  arena.intern(canonWords, -1);
  added(0, root, true);

  let level = 0;
  let next = 0;
  /** Where the level being expanded ends: states past it are one level deeper. */
  let end = arena.count;
  let stoppedBy: CheckResult['stoppedBy'] = null;
  search: for (;;) {
    end = arena.count;
    if (next === end) break;
    if (level >= depthBound) {
      stoppedBy = 'depth';
      break;
    }
    opts.onProgress?.({ depth: level + 1, states: arena.count, transitions });
    while (next < end) {
      const to = next + blockSize(end - next);
      expandBlock(next, to);
      next = to;
      if (arena.count >= maxStates) {
        stoppedBy = 'states';
        break search;
      }
    }
    level++;
  }
  const reached = arena.count;
  // stopped by the state bound within a level, it has reached states of the next
  const diameter = stoppedBy === null ? level - 1 : stoppedBy === 'states' && reached > end ? level + 1 : level;
  // close the graph under kernel, device and exit steps: liveness needs where they lead
  closure = true;
  for (let i = next; i < arena.count; ) {
    const to = Math.min(i + block, arena.count);
    expandBlock(i, to);
    i = to;
  }

  for (const p of wanted) {
    if (p.kind !== 'liveness') continue;
    const first = firstStuck(arena, edges, reached, p.goal);
    if (first >= 0) hits.set(p.id, { at: 'state', state: first, detail: '' });
  }

  const walk = walker(m, arena, opts.symmetry);
  const findingOf = (p: Property, hit: Hit): Finding => {
    if (hit.at === 'state') {
      if (p.kind !== 'liveness') return { property: p.id, detail: hit.detail, steps: walk(hit.state).steps };
      const { steps, state } = walk(hit.state);
      const stuck = goalStuck(design, state, p.goal);
      // the drain cannot reach what no path reaches; a null here would be a search bug
      if (!stuck) throw new Error(`${p.id}: state ${hit.state} is stuck in the graph but drains`);
      return { property: p.id, detail: stuck.detail, steps: [...steps, ...stuck.tail] };
    }
    // a transition: the first enabled action of the real state that shows it
    const { steps, state } = walk(hit.from);
    const check = p as SafetyProperty | CapabilityProperty;
    for (const action of design.enabled(state)) {
      const r = design.step(state, action);
      const detail = checkHit(check, judgedStep(config, r.events, design.view(r.state), []));
      if (detail !== null) return { property: p.id, detail, steps: [...steps, { action, ret: r.ret }] };
    }
    throw new Error(`${p.id}: no action of state ${hit.from} shows it again`);
  };

  const results = wanted.map((p) => {
    const hit = hits.get(p.id);
    const finding = hit ? findingOf(p, hit) : undefined;
    return { property: p.id, kind: p.kind, verdict: verdictOf(p.kind, finding !== undefined), ...(finding ? { finding } : {}) };
  });
  const coverage = new Map(actionKinds.map((k, i) => [k, { tried: tried[i]!, taken: taken[i]! }]));
  return {
    results,
    states: reached,
    transitions,
    diameter,
    complete: stoppedBy === null,
    stoppedBy,
    seconds: (performance.now() - started) / 1000,
    bytesPerState: arena.bytesPerState() + (edges.count * 9) / Math.max(1, arena.count),
    coverage,
    ...(returns ? { returns: new Map(actionKinds.map((k, i) => [k, returns[i]!])) } : {}),
  };
}

/** The first state (in breadth-first order, so at the least depth) where `goal` is due and no allowed path reaches it. */
function firstStuck(arena: Arena, edges: Edges, within: number, goal: LivenessGoal): number {
  const { flags } = arena;
  const n = arena.count;
  const due = goal === 'unbind' ? UNBINDING : goal === 'evict' ? EVICTING : 0;
  const ok =
    goal === 'clean'
      ? canReach(n, (i) => (flags[i]! & CLEAN) !== 0, edges, PROGRESS | EXIT)
      : canReach(n, (i) => (flags[i]! & due) === 0, edges, PROGRESS);
  for (let i = 0; i < within; i++) if (ok[i] === 0 && (goal === 'clean' || (flags[i]! & due) !== 0)) return i;
  return -1;
}

/**
 * Walk the stored path to a state again from the real initial state: at
 * each step, the first enabled action whose successor has the stored
 * canonical form. The steps come out with the real state's own names.
 */
export function walker<S extends State>(m: Machine<S>, arena: Arena, symmetry: boolean) {
  const bytes = new Uint8Array(m.width);
  const enabled = new Int32Array(m.actions.length);
  const matches = (s: S, j: number) => {
    if (symmetry) m.canonical(s, bytes, 0);
    else for (let k = 0; k < m.width; k++) bytes[k] = s.b[s.o + k]!;
    const chunk = arena.chunk(j);
    const at = arena.offset(j);
    for (let k = 0; k < m.width; k++) if (chunk[at + k] !== bytes[k]) return false;
    return true;
  };
  return (target: number): { steps: TraceStep[]; state: S } => {
    const path = arena.pathTo(target);
    let s = m.init();
    const steps: TraceStep[] = [];
    for (const j of path.slice(1)) {
      const n = m.enabledInto(s, enabled);
      let moved = false;
      for (let k = 0; k < n && !moved; k++) {
        const action = m.actions[enabled[k]!]!;
        const out = m.out();
        const ret = m.apply(s, action, out);
        if (!out.written || !matches(out.d, j)) continue;
        steps.push({ action, ret });
        s = out.d;
        moved = true;
      }
      if (!moved) throw new Error(`no step from the walked state reaches stored state ${j}`);
    }
    return { steps, state: s };
  };
}
