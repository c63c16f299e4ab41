// model/shared.ts: the route table both designs read, and the ghost view
// built from the slots they share (page owners, drivers, evictions, and
// the obligations still owed).
import { describe, expect, it } from 'vitest';
import { NONE } from '../../model/packed.js';
import { ghostView, routeOf } from '../../model/shared.js';
import { DRIVER_UNBINDING, DRIVER_UNBOUND } from '../../model/state.js';
import { structPage } from '../../model/struct-page/index.js';
import { type Config, defaultConfig, type Route } from '../../model/vocabulary.js';
import { knobsOf, withExporters } from './run.js';

describe('routeOf', () => {
  const config: Config = { ...defaultConfig, routes: [['bus-addr', 'none'], ['host-bridge', 'bus-addr']] };
  it.each<[number, number, Route]>([
    [0, 0, 'bus-addr'],
    [0, 1, 'none'],
    [1, 0, 'host-bridge'],
    [1, 1, 'bus-addr'],
    [1, 2, 'none'],
    [2, 0, 'none'],
    [9, 9, 'none'],
    [-1, 0, 'none'],
  ])('importer %d, exporter %d: %s', (importer, exporter, want) => expect(routeOf(config, importer, exporter)).toBe(want));
});

describe('ghostView', () => {
  /** e0 (2 pages) and e1 (1 page), three allocation slots. */
  const config: Config = { ...withExporters([2, 1]), limits: { ...defaultConfig.limits, allocations: 3 } };
  const fresh = () => structPage.init(config, knobsOf(structPage, {}));

  it('an idle world: every driver bound, every page free, nothing owed but what the design passes in', () => {
    expect(ghostView(fresh(), 0)).toEqual({
      exporters: [
        { driver: 'bound', pages: [{ owner: null }, { owner: null }], evicting: [] },
        { driver: 'bound', pages: [{ owner: null }], evicting: [] },
      ],
      obligations: 0,
    });
    expect(ghostView(fresh(), 3).obligations).toBe(3);
  });

  it('owners by allocation slot, evictions under their exporter, each unbinding exporter and eviction owed', () => {
    const s = fresh();
    s.page(0, 1).owner = 2;
    s.page(1, 0).owner = 0;
    for (const [a, e] of [
      [0, 1],
      [2, 0],
      [1, 1],
    ] as const) {
      s.alloc(a).used = true;
      s.alloc(a).exporter = e;
      s.alloc(a).evicting = a !== 2;
    }
    s.exporter(0).driver = DRIVER_UNBINDING;
    s.exporter(1).driver = DRIVER_UNBOUND;
    expect(ghostView(s, 1)).toEqual({
      exporters: [
        { driver: 'unbinding', pages: [{ owner: null }, { owner: 2 }], evicting: [] },
        { driver: 'unbound', pages: [{ owner: 0 }], evicting: [0, 1] },
      ],
      obligations: 1 + 1 + 2,
    });
    s.page(0, 1).owner = NONE;
    expect(ghostView(s, 0).exporters[0]!.pages).toEqual([{ owner: null }, { owner: null }]);
  });
});
