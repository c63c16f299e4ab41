// Each property's check on hand-made steps: which events and ghost views
// it calls a violation or a witness, and the exact detail it gives.
import { describe, expect, it } from 'vitest';
import { type DriverState, defaultConfig, type Event, type GhostView, type Route } from '../../model/vocabulary.js';
import type { DesignId } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { allLinks, catalogue, findProperty, isJudged, linksFor, type Property, type PropertyId, propertyIds, type StepView } from '../../properties/catalogue.js';
import { judgedStep } from '../../properties/evaluate.js';

type Safety = Extract<Property, { kind: 'safety' }>;
type Capability = Extract<Property, { kind: 'capability' }>;
const safety = (id: PropertyId) => findProperty(id) as Safety;
const capability = (id: PropertyId) => findProperty(id) as Capability;

/** One exporter whose pages have these owners (null: free). */
const view = (owners: (number | null)[], driver: DriverState = 'bound'): GhostView => ({
  exporters: [{ driver, pages: owners.map((owner) => ({ owner })), evicting: [] }],
  obligations: 0,
});

// importer 2 is defaultConfig's nic0, 3 its nic1
const dma = (o: { page?: number; stale?: boolean; route?: Route; path?: 'odirect' | 'mr'; exporter?: number; importer?: number }): Event => ({
  kind: 'dma',
  importer: o.importer ?? 2,
  path: o.path ?? 'mr',
  target: { mem: 'bar', exporter: o.exporter ?? 0, page: o.page ?? 0, stale: o.stale ?? false },
  route: o.route ?? 'host-bridge',
});
const ramDma: Event = { kind: 'dma', importer: 2, path: 'mr', target: { mem: 'ram' }, route: 'none' };

const step = (events: Event[], v: GhostView = view([0]), audit: string[] = []): StepView => judgedStep(defaultConfig, events, v, audit);

describe('the catalogue', () => {
  it('lists the property ids in their documented order, each found by id', () => {
    expect(catalogue.map((p) => p.id)).toEqual([...propertyIds]);
    for (const id of propertyIds) expect(findProperty(id)?.id).toBe(id);
    expect(findProperty('no-such-property')).toBeUndefined();
    expect(catalogue.map((p) => p.kind)).toEqual([
      'safety', 'safety', 'safety', 'safety', 'safety', 'liveness', 'liveness', 'liveness', 'capability', 'capability', 'capability',
    ]);
    expect(catalogue.flatMap((p) => (p.kind === 'liveness' ? [p.goal] : []))).toEqual(['unbind', 'evict', 'clean']);
  });

  it('a safety property reads the events of a step, except the audit, which reads the state it leaves', () => {
    expect(catalogue.flatMap((p) => (p.kind === 'safety' ? [[p.id, p.reads]] : []))).toEqual([
      ['dma-to-live-allocation', 'events'],
      ['dma-to-bound-exporter', 'events'],
      ['no-kernel-cpu-access', 'events'],
      ['route-supported', 'events'],
      ['accounting-consistent', 'state'],
    ]);
  });

  it('every property states itself and cites its sources', () => {
    for (const p of catalogue) {
      expect(p.statement.length, p.id).toBeGreaterThan(20);
      expect(p.links.length, p.id).toBeGreaterThan(0);
      for (const link of allLinks(p)) expect(link, p.id).toMatch(/^(https:\/\/lore\.kernel\.org\/r\/\S+|commit [0-9a-f]{12} \(".+"\)|\S+\.(rst|c)( .+)?)$/);
    }
  });

  it("a trace cites its property's links and its own design's, not another design's", () => {
    // the fixes each design's own trace cites, beyond the property's links
    const cited: Partial<Record<PropertyId, Partial<Record<DesignId, string[]>>>> = {
      'dma-to-live-allocation': { 'struct-page': ['0dc45ca1ce18'], 'dma-buf': ['61ceaf236115', 'd97708701434'] },
      'accounting-consistent': { 'dma-buf': ['c64a647c84f3'] },
      'unbind-completes': { 'struct-page': ['4003f107fa2e'], 'dma-buf': ['1a8a5227f229', 'c64a647c84f3'] },
    };
    const hash = (link: string) => /^commit ([0-9a-f]{12}) /.exec(link)?.[1] ?? link;
    for (const p of catalogue)
      for (const { id: design } of designs) {
        const links = linksFor(p.id, design);
        expect(links.slice(0, p.links.length), `${p.id} ${design}`).toEqual(p.links);
        expect(links.slice(p.links.length).map(hash), `${p.id} ${design}`).toEqual(cited[p.id]?.[design] ?? []);
      }
    expect(allLinks(findProperty('unbind-completes')!).map(hash)).toEqual([
      ...findProperty('unbind-completes')!.links,
      '4003f107fa2e',
      '1a8a5227f229',
      'c64a647c84f3',
    ]);
    expect(linksFor('no-such-property', 'dma-buf')).toEqual([]);
  });

  it('isJudged: a device DMA and a kernel CPU access are what an events check reads', () => {
    const judged: Event[] = [dma({}), ramDma, { kind: 'cpu_access', by: 'kernel', exporter: 0, page: 0 }];
    const not: Event[] = [
      { kind: 'cpu_access', by: 'user', exporter: 0, page: 0 },
      { kind: 'pin', exporter: 0, page: 0 },
      { kind: 'unpin', exporter: 0, page: 0 },
      { kind: 'sigbus', proc: 0 },
      { kind: 'p2p_map', importer: 2, alloc: 0 },
      { kind: 'p2p_unmap', importer: 2, alloc: 0 },
      { kind: 'invalidate', importer: 2, mr: 0 },
      { kind: 'page_free', exporter: 0, page: 0 },
      { kind: 'wait', exporter: 0, on: 'pgmap_ref' },
    ];
    expect(judged.map(isJudged)).toEqual([true, true, true]);
    expect(not.map(isJudged)).toEqual(not.map(() => false));
    // so no events check finds anything in a step of unjudged events alone
    const quiet = step(not, view([null], 'unbound'));
    for (const p of catalogue)
      if (p.kind === 'safety' && p.reads === 'events') expect(p.violation(quiet), p.id).toBeNull();
      else if (p.kind === 'capability') expect(p.witnessed(quiet), p.id).toBe(false);
  });
});

describe('judgedStep', () => {
  it('reads a driver from the view, and an exporter the view lacks as unbound', () => {
    const s = step([], view([0], 'unbinding'));
    expect([s.driver(0), s.driver(1)]).toEqual(['unbinding', 'unbound']);
    expect([s.config, s.events, s.audit]).toEqual([defaultConfig, [], []]);
  });
});

describe('dma-to-live-allocation', () => {
  const check = (s: StepView) => safety('dma-to-live-allocation').violation(s);

  it('holds for a DMA to a page not freed or revoked since it was mapped, and for RAM and other events', () => {
    expect(check(step([dma({})]))).toBeNull();
    // the owner the view shows is not what the check reads: stale is
    expect(check(step([dma({})], view([1])))).toBeNull();
    expect(check(step([dma({})], view([null])))).toBeNull();
    expect(check(step([ramDma, { kind: 'cpu_access', by: 'kernel', exporter: 0, page: 0 }], view([null])))).toBeNull();
    expect(check(step([]))).toBeNull();
  });

  it.each<[string, GhostView, Event, string]>([
    ['page reused by another allocation', view([1]), dma({ stale: true }), 'DMA by nic0 to e0 page 0, freed or revoked since it was mapped (now a1)'],
    ['page freed', view([null]), dma({ stale: true }), 'DMA by nic0 to e0 page 0, freed or revoked since it was mapped (now free)'],
    ['page given back to the same slot', view([0, 0]), dma({ page: 1, stale: true }), 'DMA by nic0 to e0 page 1, freed or revoked since it was mapped (now a0)'],
    ['unbind started, not finished', view([null], 'unbinding'), dma({ stale: true }), 'DMA by nic0 to e0 page 0, freed or revoked since it was mapped (now free)'],
    ['by an O_DIRECT request', view([null]), dma({ stale: true, path: 'odirect', importer: 0, route: 'bus-addr' }), 'DMA by nvme0 to e0 page 0, freed or revoked since it was mapped (now free)'],
  ])('violated: %s', (_name, v, event, detail) => {
    expect(check(step([event], v))).toBe(detail);
  });

  it('names the first bad DMA of the step, and a device or page the config lacks by its index', () => {
    expect(check(step([dma({}), dma({ page: 1, stale: true, importer: 3 }), dma({ stale: true })], view([0, 1])))).toBe(
      'DMA by nic1 to e0 page 1, freed or revoked since it was mapped (now a1)',
    );
    const unknown = judgedStep(defaultConfig, [dma({ exporter: 1, importer: 7, stale: true })], { ...view([0]), exporters: [view([0]).exporters[0]!, view([null]).exporters[0]!] }, []);
    expect(check(unknown)).toBe('DMA by importer7 to exporter1 page 0, freed or revoked since it was mapped (now free)');
  });

  it('leaves a torn-down exporter to dma-to-bound-exporter', () => {
    expect(check(step([dma({ stale: true })], view([null], 'unbound')))).toBeNull();
  });
});

describe('dma-to-bound-exporter', () => {
  const check = (s: StepView) => safety('dma-to-bound-exporter').violation(s);

  it('is violated only by a BAR DMA once unbind has finished, stale or not', () => {
    expect(check(step([dma({ page: 1 })], view([0, 0], 'unbound')))).toBe('DMA by nic0 to e0 page 1 after unbind finished');
    expect(check(step([ramDma, dma({ stale: true, importer: 0 })], view([null], 'unbound')))).toBe('DMA by nvme0 to e0 page 0 after unbind finished');
    expect(check(step([dma({})], view([0], 'unbinding')))).toBeNull();
    expect(check(step([dma({})], view([0], 'bound')))).toBeNull();
    expect(check(step([ramDma], view([0], 'unbound')))).toBeNull();
    expect(check(step([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }], view([0], 'unbound')))).toBeNull();
  });

  it('reads the driver through driver(), as a search hands it over', () => {
    const s: StepView = { ...step([dma({})], view([0], 'bound')), driver: () => 'unbound' };
    expect(check(s)).toBe('DMA by nic0 to e0 page 0 after unbind finished');
  });
});

describe('no-kernel-cpu-access', () => {
  const check = (s: StepView) => safety('no-kernel-cpu-access').violation(s);

  it('is violated by a kernel CPU access, not a user one', () => {
    expect(check(step([{ kind: 'pin', exporter: 0, page: 1 }, { kind: 'cpu_access', by: 'kernel', exporter: 0, page: 1 }]))).toBe(
      'kernel kmap+memcpy of e0 page 1',
    );
    expect(check(step([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 1 }]))).toBeNull();
    expect(check(step([dma({})]))).toBeNull();
  });
});

describe('route-supported', () => {
  const check = (s: StepView) => safety('route-supported').violation(s);

  it('is violated by a BAR DMA over no route, whatever the page', () => {
    expect(check(step([dma({ route: 'bus-addr' }), dma({ route: 'none', importer: 3, stale: true })]))).toBe(
      'P2P DMA by nic1 over PCI_P2PDMA_MAP_NOT_SUPPORTED',
    );
    expect(check(step([dma({ route: 'host-bridge' }), dma({ route: 'bus-addr' })]))).toBeNull();
    expect(check(step([ramDma]))).toBeNull();
  });
});

describe('accounting-consistent', () => {
  it('reports the first line of the audit', () => {
    const check = (s: StepView) => safety('accounting-consistent').violation(s);
    expect(check(step([], view([0]), ['first', 'second']))).toBe('first');
    expect(check(step([], view([0]), []))).toBeNull();
  });
});

describe('capabilities: witnessed by a well-formed BAR DMA', () => {
  const witnessed = (id: PropertyId, s: StepView) => capability(id).witnessed(s);

  it('odirect-to-bar: an O_DIRECT DMA; rdma-mr-on-bar: an MR DMA; p2p-dma: either', () => {
    const od = step([dma({ path: 'odirect' })]);
    const mr = step([dma({ path: 'mr' })]);
    expect([witnessed('odirect-to-bar', od), witnessed('rdma-mr-on-bar', od), witnessed('p2p-dma', od)]).toEqual([true, false, true]);
    expect([witnessed('odirect-to-bar', mr), witnessed('rdma-mr-on-bar', mr), witnessed('p2p-dma', mr)]).toEqual([false, true, true]);
  });

  it.each<[string, StepView]>([
    ['to RAM', step([ramDma])],
    ['over no route', step([dma({ route: 'none' })])],
    ['to a torn-down exporter', step([dma({})], view([0], 'unbound'))],
    ['to a page freed or revoked since it was mapped', step([dma({ stale: true })])],
    ['to an exporter the view does not have', step([dma({ exporter: 4 })])],
    ['with no DMA at all', step([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }])],
  ])('none is witnessed by a DMA %s', (_name, s) => {
    for (const id of ['odirect-to-bar', 'rdma-mr-on-bar', 'p2p-dma'] as const) {
      const path = id === 'odirect-to-bar' ? 'odirect' : 'mr';
      const events = s.events.map((e): Event => (e.kind === 'dma' ? { ...e, path } : e));
      expect(witnessed(id, { ...s, events }), id).toBe(false);
    }
  });

  it('a DMA during unbind, before it finishes, still counts; one good DMA among bad ones is enough', () => {
    expect(witnessed('p2p-dma', step([dma({})], view([0], 'unbinding')))).toBe(true);
    expect(witnessed('p2p-dma', step([dma({ route: 'none' }), dma({ stale: true }), dma({ page: 1 })], view([0, 0])))).toBe(true);
  });

  it('the owner a page has now does not matter, and the ghost view is never read', () => {
    const blind: StepView = {
      ...step([dma({ path: 'odirect' }), dma({ path: 'mr' })]),
      get view(): GhostView {
        throw new Error('a capability read the view');
      },
    };
    expect(['odirect-to-bar', 'rdma-mr-on-bar', 'p2p-dma'].map((id) => witnessed(id as PropertyId, blind))).toEqual([true, true, true]);
  });
});
