// A copy-on-write working copy of SpState for one step: arrays are copied
// once, elements are replaced, never mutated, so the input stays intact.
import type { Event, Ret, Step } from '../vocabulary.js';
import type { SpAlloc, SpExporter, SpIo, SpMr, SpPage, SpState, SpVma } from './state.js';

export class SpDraft {
  readonly exporters: SpExporter[];
  readonly procs: { alive: boolean; born: boolean }[];
  readonly vmas: SpVma[];
  readonly allocs: SpAlloc[];
  readonly ios: SpIo[];
  readonly mrs: SpMr[];
  injectInsertFail: number | null;
  readonly events: Event[] = [];

  constructor(readonly base: SpState) {
    this.exporters = [...base.exporters];
    this.procs = [...base.procs];
    this.vmas = [...base.vmas];
    this.allocs = [...base.allocs];
    this.ios = [...base.ios];
    this.mrs = [...base.mrs];
    this.injectInsertFail = base.injectInsertFail;
  }

  get knobs() {
    return this.base.knobs;
  }

  get config() {
    return this.base.config;
  }

  setExporter(e: number, patch: Partial<SpExporter>): void {
    this.exporters[e] = { ...this.exporters[e]!, ...patch };
  }

  setPage(e: number, p: number, patch: Partial<SpPage>): void {
    const pages = [...this.exporters[e]!.pages];
    pages[p] = { ...pages[p]!, ...patch };
    this.setExporter(e, { pages });
  }

  addPgmapRef(e: number, delta: number): void {
    this.setExporter(e, { pgmap_ref: this.exporters[e]!.pgmap_ref + delta });
  }

  /** put_page(): at zero, free_zone_device_folio() -> p2pdma_folio_free(). */
  putPage(e: number, p: number): void {
    const page = this.exporters[e]!.pages[p]!;
    const refcount = page.refcount - 1;
    if (refcount > 0 || page.owner === null) {
      this.setPage(e, p, { refcount });
      return;
    }
    // gen_pool_free_owner() then percpu_ref_put(pgmap->ref)
    this.setPage(e, p, { refcount: 0, owner: null, gen: page.gen + 1 });
    if (this.knobs.pagePgmapRef) this.addPgmapRef(e, -1);
    this.events.push({ kind: 'page_free', exporter: e, page: p });
  }

  getPage(e: number, p: number): void {
    this.setPage(e, p, { refcount: this.exporters[e]!.pages[p]!.refcount + 1 });
  }

  done(ret: Ret): Step<SpState> {
    // a literal, not a spread of base: this is the hottest allocation of a search
    const state: SpState = {
      config: this.base.config,
      knobs: this.base.knobs,
      exporters: this.exporters,
      procs: this.procs,
      vmas: this.vmas,
      allocs: this.allocs,
      ios: this.ios,
      mrs: this.mrs,
      injectInsertFail: this.injectInsertFail,
    };
    return { state, ret, events: this.events };
  }
}
