// A copy-on-write working copy of VpState for one step: arrays are copied
// once, elements are replaced, never mutated, so the input stays intact.
import type { Event, Ret, Step } from '../vocabulary.js';
import type { VpExporter, VpMr, VpObject, VpP2pMap, VpState, VpVma } from './state.js';

export class VpDraft {
  readonly exporters: VpExporter[];
  readonly procs: { alive: boolean; born: boolean }[];
  readonly vmas: VpVma[];
  readonly objects: VpObject[];
  readonly mrs: VpMr[];
  readonly p2pMaps: VpP2pMap[];
  injectInsertFail: number | null;
  readonly events: Event[] = [];

  constructor(readonly base: VpState) {
    this.exporters = [...base.exporters];
    this.procs = [...base.procs];
    this.vmas = [...base.vmas];
    this.objects = [...base.objects];
    this.mrs = [...base.mrs];
    this.p2pMaps = [...base.p2pMaps];
    this.injectInsertFail = base.injectInsertFail;
  }

  get knobs() {
    return this.base.knobs;
  }

  get config() {
    return this.base.config;
  }

  setExporter(e: number, patch: Partial<VpExporter>): void {
    this.exporters[e] = { ...this.exporters[e]!, ...patch };
  }

  setObject(id: number, patch: Partial<VpObject>): void {
    this.objects[id] = { ...this.objects[id]!, ...patch };
  }

  setVma(id: number, patch: Partial<VpVma>): void {
    this.vmas[id] = { ...this.vmas[id]!, ...patch };
  }

  setMr(id: number, patch: Partial<VpMr>): void {
    this.mrs[id] = { ...this.mrs[id]!, ...patch };
  }

  /** The driver's BAR allocator takes pages for an object. */
  claimPages(e: number, pages: readonly number[], owner: number): void {
    const next = [...this.exporters[e]!.pages];
    for (const p of pages) next[p] = { ...next[p]!, owner };
    this.setExporter(e, { pages: next });
  }

  /** The driver's BAR allocator gets pages back: free for the next object. */
  freePages(e: number, pages: readonly number[]): void {
    const next = [...this.exporters[e]!.pages];
    for (const p of pages) {
      next[p] = { owner: null, gen: next[p]!.gen + 1 };
      this.events.push({ kind: 'page_free', exporter: e, page: p });
    }
    this.setExporter(e, { pages: next });
  }

  done(ret: Ret): Step<VpState> {
    // a literal, not a spread of base: this is the hottest allocation of a search
    const state: VpState = {
      config: this.base.config,
      knobs: this.base.knobs,
      exporters: this.exporters,
      procs: this.procs,
      vmas: this.vmas,
      objects: this.objects,
      mrs: this.mrs,
      p2pMaps: this.p2pMaps,
      injectInsertFail: this.injectInsertFail,
    };
    return { state, ret, events: this.events };
  }
}
