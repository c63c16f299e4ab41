// A design made runnable in one world with one knob set: its layout,
// its step (one handler per action kind, written once per design), the
// census behind enabled() that every design shares, and the canonical
// form the exhaustive search stores. makeDesign() turns a design's spec
// into the Design contract.
import type { Design, DesignId, KnobSpec, Knobs, PresetSpec } from './design.js';
import { NONE } from './packed.js';
import { inRange, procMmapLink, procMmapStart } from './skeleton.js';
import { DRIVER_BOUND, DRIVER_UNBINDING, Layout, Out, type SlotClasses, type State } from './state.js';
import { type Canonicalizer, canonicalizer, type SymmetryRefs } from './symmetry.js';
import type { Action, ActionKind, Config, GhostView, Ret, Step } from './vocabulary.js';
import { type World, worldOf } from './world.js';

type Of<K extends ActionKind> = Extract<Action, { kind: K }>;

/** One handler per action kind: the mapped type makes a forgotten kind a compile error. */
export type Handlers<S extends State> = { readonly [K in ActionKind]: (s: S, a: Of<K>, out: Out<S>) => Ret };

/** What a design writes: every kind but the halves of a split mmap, which Machine builds from its mmap. */
export type DesignHandlers<S extends State> = Omit<Handlers<S>, 'proc_mmap_start' | 'proc_mmap_link'>;

/** What a design supplies; makeDesign() builds the rest. */
export interface DesignSpec<S extends State, K> {
  readonly id: DesignId;
  readonly title: string;
  readonly presets: readonly PresetSpec[];
  readonly knobs: readonly KnobSpec[];
  readonly classes: SlotClasses;
  decodeKnobs(knobs: Knobs): K;
  wrap(m: Machine<S>, b: Uint8Array, o: number): S;
  /** Fill a zeroed state with the design's initial values (p0 alive is done already). */
  init(s: S): void;
  readonly handlers: DesignHandlers<S>;
  /**
   * Actions that in this design never change the state nor emit an event
   * a property reads, whatever the state (a refusal it always gives). The
   * complete search skips them; a test holds the design to it.
   */
  inert(a: Action, knobs: K, config: Config): boolean;
  /**
   * Whether mmap_start is worth trying: only where ->mmap itself inserts
   * PTEs does the window before vma_link_file() show (an rmap walk can
   * miss them); a mapping filled by faults has none to miss.
   */
  readonly splitsMmap: boolean;
  /** Is evict (or, once evicting, evict_finish) of allocation slot `a` worth trying? */
  offerEvict(s: S, a: number): boolean;
  /** Is restore of allocation slot `a` worth trying (a design that moves objects back)? */
  offerRestore(s: S, a: number): boolean;
  /** Which of memory_off (1), memory_on (2) and reset (4) of exporter `e` are worth trying (a design with dma-buf files). */
  offerMemory(s: S, e: number): number;
  view(s: S): GhostView;
  audit(s: S): string[];
  held(s: S): string[];
  /** held(s) is empty, computed without building its text. */
  clean(s: S): boolean;
  decode(s: S): Record<string, unknown>;
  readonly symmetry: SymmetryRefs;
}

export class Machine<S extends State> {
  readonly world: World;
  readonly layout: Layout;
  readonly width: number;
  readonly actions: readonly Action[];
  /** The design's decoded knobs. */
  readonly k: unknown;
  private readonly canon: Canonicalizer;
  /** The design's handlers with the split mmap's. */
  private readonly handlers: Handlers<S>;
  /** The handler of each action of the table, looked up once. */
  private readonly handlerAt: readonly ((s: S, a: Action, out: Out<S>) => Ret)[];
  /** 1 for each action of the table that is inert in this design. */
  readonly inertAt: Uint8Array;
  /** enabledInto()'s count of live MRs per process. */
  private readonly mrsOf: Int32Array;
  /** enabledInto()'s VMA slot each process is mapping, or NONE. */
  private readonly linkingOf: Int32Array;
  /** Where out() carves states: V8 makes a typed array over 64 bytes outside its heap, at several times the cost. */
  private slab = new Uint8Array(0);
  private slabAt = 0;

  constructor(
    readonly spec: DesignSpec<S, unknown>,
    config: Config,
    readonly knobs: Knobs,
  ) {
    this.world = worldOf(config);
    this.layout = new Layout(this.world, spec.classes);
    this.width = this.layout.width;
    this.actions = this.world.actions;
    this.k = spec.decodeKnobs(knobs);
    this.canon = canonicalizer(this.layout, spec.symmetry);
    this.handlers = { ...spec.handlers, proc_mmap_start: procMmapStart(spec.handlers.proc_mmap), proc_mmap_link: procMmapLink };
    // the search never offers the calls of a task inside mmap() (enabledInto), so its table skips apply()'s wait
    this.handlerAt = this.actions.map((a) => this.handlers[a.kind] as (s: S, a: Action, out: Out<S>) => Ret);
    this.inertAt = Uint8Array.from(this.actions, (a) => (spec.inert(a, this.k, config) ? 1 : 0));
    this.mrsOf = new Int32Array(this.world.procs);
    this.linkingOf = new Int32Array(this.world.procs);
  }

  wrap(b: Uint8Array, o: number): S {
    return this.spec.wrap(this, b, o);
  }

  init(): S {
    const s = this.wrap(new Uint8Array(this.width), 0);
    s.proc(0).alive = true;
    this.spec.init(s);
    return s;
  }

  /** A fresh Out, its state carved from the current slab. */
  out(): Out<S> {
    if (this.slabAt + this.width > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabAt = 0;
    }
    const d = this.wrap(this.slab, this.slabAt);
    this.slabAt += this.width;
    return new Out(d);
  }

  /** Step `s` by `a` into `out`: the search's step, with no allocation of its own. */
  apply(s: S, a: Action, out: Out<S>): Ret {
    // a task inside mmap() (mmap_start, not yet linked) makes no other call until it returns
    if ('proc' in a && a.kind !== 'proc_mmap_link' && inRange(a.proc, this.world.procs) && s.linking(a.proc) !== NONE) return '-EBUSY';
    return (this.handlers[a.kind] as (s: S, a: Action, out: Out<S>) => Ret)(s, a, out);
  }

  /** apply() of action `i` of the table, less its wait: the search never offers a call of a task inside mmap(). */
  applyAt(s: S, i: number, out: Out<S>): Ret {
    return this.handlerAt[i]!(s, this.actions[i]!, out);
  }

  step(s: S, a: Action): Step<S> {
    const out = this.out();
    const ret = this.apply(s, a, out);
    return { state: out.written ? out.d : s, ret, events: out.events };
  }

  /** Write the indices (into `actions`) of the actions worth trying from `s`; returns how many. */
  enabledInto(s: S, into: Int32Array): number {
    const w = this.world;
    // an action a full slot table refuses changes nothing and shows nothing: not offered
    const fds = this.layout.fds;
    let n = 0;
    let freeProc = false;
    for (let p = 0; p < w.procs; p++) if (!s.proc(p).alive) freeProc = true;
    let freeBio = false;
    for (let i = 0; i < this.layout.bios; i++) if (!s.bio(i).inflight) freeBio = true;
    let freeAlloc = false;
    for (let a = 0; a < w.allocs; a++) if (!s.alloc(a).used) freeAlloc = true;
    const { mrsOf, linkingOf } = this;
    mrsOf.fill(0);
    for (let p = 0; p < w.procs; p++) linkingOf[p] = s.linking(p);
    for (let m = 0; m < w.mrs; m++) if (s.mr(m).live) mrsOf[s.mr(m).proc]!++;
    for (let p = 0; p < w.procs; p++) {
      if (!s.proc(p).alive) continue;
      // a task inside mmap() makes no other call until it links
      if (linkingOf[p] !== NONE) {
        into[n++] = w.mmapLinks[p]![linkingOf[p]!]!;
        continue;
      }
      let freeVma = false;
      for (let v = 0; v < w.vmas; v++) if (!s.vma(p, v).used) freeVma = true;
      let freeFd = false;
      for (let f = 0; f < fds; f++) if (!s.fd(p, f).used) freeFd = true;
      // the world has limits.mrs MR slots per process: one below its limit finds a free slot
      const regs = mrsOf[p]! < w.config.limits.mrs;
      if (freeVma) n = pushAll(into, n, w.mmaps[p]!);
      if (freeVma && this.spec.splitsMmap) n = pushAll(into, n, w.mmapStarts[p]!);
      if (freeFd && freeAlloc) n = pushAll(into, n, w.vfioExports[p]!);
      if (freeProc) into[n++] = w.forks[p]!;
      into[n++] = w.exits[p]!;
      for (let v = 0; v < w.vmas; v++) {
        if (!s.vma(p, v).used) continue;
        n = pushAll(into, n, w.onVma[p]![v]!);
        if (freeBio) n = pushAll(into, n, w.ioOnVma[p]![v]!);
        if (regs) n = pushAll(into, n, w.regsOnVma[p]![v]!);
      }
      for (let f = 0; f < fds; f++) {
        if (!s.fd(p, f).used) continue;
        into[n++] = w.closes[p]![f]!;
        if (regs) n = pushAll(into, n, w.regsOnFd[p]![f]!);
      }
    }
    for (let m = 0; m < w.mrs; m++) {
      const mr = s.mr(m);
      if (!mr.live) continue;
      if (linkingOf[mr.proc] === NONE) into[n++] = w.deregs[m]![mr.proc]!;
      n = pushAll(into, n, w.mrDmas[m]![mr.importer]!, mr.npages);
      if (mr.pending) into[n++] = w.acks[m]![mr.importer]!;
    }
    for (let i = 0; i < this.layout.bios; i++) {
      const bio = s.bio(i);
      if (bio.inflight) n = pushAll(into, n, w.onBio[i]![bio.importer]!);
    }
    for (let a = 0; a < w.allocs; a++) {
      const alloc = s.alloc(a);
      if (!alloc.used) continue;
      if (this.spec.offerEvict(s, a)) into[n++] = (alloc.evicting ? w.evictFinishes : w.evicts)[a]![alloc.exporter]!;
      if (this.spec.offerRestore(s, a)) into[n++] = w.restores[a]![alloc.exporter]!;
    }
    for (let e = 0; e < w.config.exporters.length; e++) {
      const driver = s.exporter(e).driver;
      if (driver === DRIVER_BOUND) into[n++] = w.unbinds[e]!;
      else if (driver === DRIVER_UNBINDING) into[n++] = w.unbindFinishes[e]!;
      if (fds === 0) continue;
      const offer = this.spec.offerMemory(s, e);
      for (let k = 0; k < 3; k++) if (offer & (1 << k)) into[n++] = w.memoryOps[e]![k]!;
    }
    const header = s.header;
    if (header.armed === NONE && header.fired < w.config.limits.faults) n = pushAll(into, n, w.injects);
    return n;
  }

  enabled(s: S): Action[] {
    const into = new Int32Array(this.actions.length);
    const n = this.enabledInto(s, into);
    return Array.from(into.subarray(0, n), (i) => this.actions[i]!);
  }

  /** Write the canonical form of `s` (processes and slots renamed) to `dst` at `at`. */
  canonical(s: S, dst: Uint8Array, at: number): void {
    this.canon.write(s.b, s.o, dst, at);
  }

  /** Some exporter is unbinding: unbind-completes is due. */
  unbinding(s: S): boolean {
    for (let e = 0; e < this.world.config.exporters.length; e++) if (s.exporter(e).driver === DRIVER_UNBINDING) return true;
    return false;
  }

  /** Some eviction has started and not finished: evict-completes is due. */
  evicting(s: S): boolean {
    for (let a = 0; a < this.world.allocs; a++) if (s.alloc(a).evicting) return true;
    return false;
  }

  clean(s: S): boolean {
    return this.spec.clean(s);
  }
}

/** Bytes per slab of out()'s states: a state stays valid while anything holds it, so a slab lives as long as its last. */
const SLAB_BYTES = 1 << 16;

/** Append the first `count` of `group` to `into` at `n`; returns the new length. */
function pushAll(into: Int32Array, n: number, group: readonly number[], count = group.length): number {
  for (let i = 0; i < count; i++) into[n++] = group[i]!;
  return n;
}

const knobsKey = (knobs: Knobs) =>
  Object.entries(knobs)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/** The Design contract from a spec: one Machine per config object and knob set. */
export function makeDesign<S extends State, K>(spec: DesignSpec<S, K>): Design<S> {
  const machines = new WeakMap<Config, Map<string, Machine<S>>>();
  const machine = (config: Config, knobs: Knobs): Machine<S> => {
    let byKnobs = machines.get(config);
    if (!byKnobs) {
      byKnobs = new Map();
      machines.set(config, byKnobs);
    }
    const key = knobsKey(knobs);
    let m = byKnobs.get(key);
    if (!m) {
      m = new Machine(spec as DesignSpec<S, unknown>, config, knobs);
      byKnobs.set(key, m);
    }
    return m;
  };
  return {
    id: spec.id,
    title: spec.title,
    presets: spec.presets,
    knobs: spec.knobs,
    init: (config, knobs) => machine(config, knobs).init(),
    step: (s, a) => (s.m as Machine<S>).step(s, a),
    enabled: (s) => (s.m as Machine<S>).enabled(s),
    view: (s) => spec.view(s),
    audit: (s) => spec.audit(s),
    held: (s) => spec.held(s),
    decode: (s) => spec.decode(s),
    machine,
  };
}
