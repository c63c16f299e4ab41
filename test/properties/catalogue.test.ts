// Each property's check on hand-made steps: which events and ghost views
// it calls a violation or a witness, and the exact detail it gives.
import { describe, expect, it } from 'vitest';
import type { DriverState, Event, GhostView, Route } from '../../model/vocabulary.js';
import { catalogue, findProperty, type Property, type PropertyId, propertyIds, type StepView } from '../../properties/catalogue.js';

type Safety = Extract<Property, { kind: 'safety' }>;
type Capability = Extract<Property, { kind: 'capability' }>;
const safety = (id: PropertyId) => findProperty(id) as Safety;
const capability = (id: PropertyId) => findProperty(id) as Capability;

/** One exporter with pages [owner, gen]. */
const view = (pages: [number | null, number][], driver: DriverState = 'bound'): GhostView => ({
  exporters: [{ driver, pages: pages.map(([owner, gen]) => ({ owner, gen })), evicting: [] }],
  obligations: 0,
});

const dma = (o: { page?: number; alloc?: number; gen?: number; route?: Route; path?: 'odirect' | 'mr'; exporter?: number; importer?: number }): Event => ({
  kind: 'dma',
  importer: o.importer ?? 2,
  path: o.path ?? 'mr',
  target: { mem: 'bar', exporter: o.exporter ?? 0, page: o.page ?? 0, alloc: o.alloc ?? 0, gen: o.gen ?? 0 },
  route: o.route ?? 'host-bridge',
});
const ramDma: Event = { kind: 'dma', importer: 2, path: 'mr', target: { mem: 'ram' }, route: 'none' };

const step = (events: Event[], v: GhostView = view([[0, 0]]), audit: string[] = []): StepView => ({ events, view: v, audit });

describe('the catalogue', () => {
  it('lists the ids of DESIGN.md §4 in order, each found by id', () => {
    expect(catalogue.map((p) => p.id)).toEqual([...propertyIds]);
    for (const id of propertyIds) expect(findProperty(id)?.id).toBe(id);
    expect(findProperty('no-such-property')).toBeUndefined();
    expect(catalogue.map((p) => p.kind)).toEqual([
      'safety', 'safety', 'safety', 'safety', 'safety', 'liveness', 'liveness', 'liveness', 'capability', 'capability', 'capability',
    ]);
    expect(catalogue.flatMap((p) => (p.kind === 'liveness' ? [p.goal] : []))).toEqual(['unbind', 'evict', 'clean']);
  });
});

describe('dma-to-live-allocation', () => {
  const check = (s: StepView) => safety('dma-to-live-allocation').violation(s);

  it('holds for a DMA to the allocation and generation it mapped, and for RAM and other events', () => {
    expect(check(step([dma({})]))).toBeNull();
    expect(check(step([ramDma, { kind: 'cpu_access', by: 'kernel', exporter: 0, page: 0 }], view([[null, 3]])))).toBeNull();
    expect(check(step([]))).toBeNull();
  });

  it.each<[string, GhostView, Event, string]>([
    ['page reused by another allocation', view([[1, 0]]), dma({}), 'DMA for a0 gen 0 hit page 0 now a1 gen 0'],
    ['page freed', view([[null, 1]]), dma({}), 'DMA for a0 gen 0 hit page 0 now free gen 1'],
    ['same owner, a later generation', view([[0, 0], [0, 2]]), dma({ page: 1, gen: 1 }), 'DMA for a0 gen 1 hit page 1 now a0 gen 2'],
    ['unbind started, not finished', view([[null, 1]], 'unbinding'), dma({}), 'DMA for a0 gen 0 hit page 0 now free gen 1'],
  ])('violated: %s', (_name, v, event, detail) => {
    expect(check(step([event], v))).toBe(detail);
  });

  it('names the first bad DMA of the step', () => {
    expect(check(step([dma({}), dma({ page: 1, alloc: 5 }), dma({ page: 0, alloc: 7 })], view([[0, 0], [1, 0]])))).toBe(
      'DMA for a5 gen 0 hit page 1 now a1 gen 0',
    );
  });

  it('leaves a torn-down exporter to dma-to-bound-exporter', () => {
    expect(check(step([dma({})], view([[null, 1]], 'unbound')))).toBeNull();
  });
});

describe('dma-to-bound-exporter', () => {
  const check = (s: StepView) => safety('dma-to-bound-exporter').violation(s);

  it('is violated only by a BAR DMA once unbind has finished', () => {
    expect(check(step([dma({ page: 1 })], view([[0, 0], [0, 0]], 'unbound')))).toBe('DMA to page 1 of exporter 0 after unbind finished');
    expect(check(step([dma({})], view([[0, 0]], 'unbinding')))).toBeNull();
    expect(check(step([dma({})], view([[0, 0]], 'bound')))).toBeNull();
    expect(check(step([ramDma], view([[0, 0]], 'unbound')))).toBeNull();
    expect(check(step([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }], view([[0, 0]], 'unbound')))).toBeNull();
  });
});

describe('no-kernel-cpu-access', () => {
  const check = (s: StepView) => safety('no-kernel-cpu-access').violation(s);

  it('is violated by a kernel CPU access, not a user one', () => {
    expect(check(step([{ kind: 'pin', exporter: 0, page: 1 }, { kind: 'cpu_access', by: 'kernel', exporter: 0, page: 1 }]))).toBe(
      'kernel kmap+memcpy of BAR page 1',
    );
    expect(check(step([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 1 }]))).toBeNull();
    expect(check(step([dma({})]))).toBeNull();
  });
});

describe('route-supported', () => {
  const check = (s: StepView) => safety('route-supported').violation(s);

  it('is violated by a BAR DMA over no route, whatever the page', () => {
    expect(check(step([dma({ route: 'bus-addr' }), dma({ route: 'none', importer: 3 })]))).toBe(
      'P2P DMA by importer 3 over PCI_P2PDMA_MAP_NOT_SUPPORTED',
    );
    expect(check(step([dma({ route: 'host-bridge' }), dma({ route: 'bus-addr' })]))).toBeNull();
    expect(check(step([ramDma]))).toBeNull();
  });
});

describe('accounting-consistent', () => {
  it('reports the first line of the audit', () => {
    const check = (s: StepView) => safety('accounting-consistent').violation(s);
    expect(check(step([], view([[0, 0]]), ['first', 'second']))).toBe('first');
    expect(check(step([], view([[0, 0]]), []))).toBeNull();
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
    ['to a torn-down exporter', step([dma({})], view([[0, 0]], 'unbound'))],
    ['to a page another allocation owns', step([dma({})], view([[1, 0]]))],
    ['to a freed page', step([dma({})], view([[null, 0]]))],
    ['to a reused page of the same allocation', step([dma({})], view([[0, 1]]))],
    ['to an exporter the view does not have', step([dma({ exporter: 4 })])],
    ['with no DMA at all', step([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }])],
  ])('none is witnessed by a DMA %s', (_name, s) => {
    for (const id of ['odirect-to-bar', 'rdma-mr-on-bar', 'p2p-dma'] as const)
      expect(witnessed(id, { ...s, events: s.events.map((e) => (e.kind === 'dma' && id === 'odirect-to-bar' ? { ...e, path: 'odirect' as const } : e)) }), id).toBe(false);
  });

  it('a DMA during unbind, before it finishes, still counts; one good DMA among bad ones is enough', () => {
    expect(witnessed('p2p-dma', step([dma({})], view([[0, 0]], 'unbinding')))).toBe(true);
    expect(witnessed('p2p-dma', step([dma({ route: 'none' }), dma({ page: 1 })], view([[0, 0], [0, 0]])))).toBe(true);
  });
});
