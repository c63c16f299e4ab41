// properties/explore.ts: the random search: its properties, overrides,
// paths, run length, progress and coverage, on searches small enough to
// run per test.
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { findDesign } from '../../model/designs.js';
import { formatAction } from '../../model/format.js';
import { actionKinds, type Config, defaultConfig, type TraceStep } from '../../model/vocabulary.js';
import { type ExploreProgress, explore, PathError, verdictOf } from '../../properties/explore.js';

const structPage = findDesign('struct-page')!;
const vmaP2p = findDesign('vma-p2p')!;
const shown = (steps: readonly TraceStep[], config: Config = defaultConfig) => steps.map((s) => `${formatAction(s.action, config)} -> ${s.ret}`);

describe('explore', () => {
  it('verdict words', () => {
    expect([verdictOf('safety', true), verdictOf('safety', false), verdictOf('liveness', true), verdictOf('liveness', false)]).toEqual([
      'violated',
      'holds',
      'violated',
      'holds',
    ]);
    expect([verdictOf('capability', true), verdictOf('capability', false)]).toEqual(['sometimes', 'never']);
  });

  it('judges the properties asked for, shrinks each finding to the shortest, and echoes its inputs', () => {
    const run = explore({ design: structPage, preset: 'lsfmm-2020', properties: ['unbind-completes', 'no-kernel-cpu-access'], runs: 500, seed: 7 });
    expect(run.results.map((r) => [r.property, r.kind, r.verdict, r.runs])).toEqual([
      ['no-kernel-cpu-access', 'safety', 'violated', 500],
      ['unbind-completes', 'liveness', 'violated', 500],
    ]);
    expect(shown(run.results[0]!.finding!.steps)).toEqual(['p0: mmap(e0, 1, MAP_SHARED, 0) -> vma0', 'p0: process_vm_readv(vma0, 0) -> 0']);
    expect(run.results[1]!.finding!.steps).toHaveLength(4);
    expect(run.results.every((r) => /^\d+(:\d+)*$/.test(r.path!))).toBe(true);
    expect([run.design, run.preset, run.seed, run.config, run.overrides, run.worldArg]).toEqual([structPage, 'lsfmm-2020', 7, defaultConfig, {}, undefined]);
    expect(run.knobs).toEqual(resolveKnobs(structPage, structPage.presets[1]!));
  });

  it('a holds or never verdict carries no finding and no path', () => {
    const run = explore({ design: structPage, preset: 'mainline', properties: ['no-kernel-cpu-access'], runs: 300, seed: 1 });
    expect(run.results).toEqual([{ property: 'no-kernel-cpu-access', kind: 'safety', verdict: 'holds', runs: 300 }]);
    const never = explore({ design: vmaP2p, preset: 'rfc-2019', properties: ['odirect-to-bar'], runs: 300, seed: 1 });
    expect(never.results).toEqual([{ property: 'odirect-to-bar', kind: 'capability', verdict: 'never', runs: 300 }]);
  });

  it('knob overrides and a config of its own', () => {
    const run = explore({ design: structPage, preset: 'mainline', overrides: { gup_p2pdma_gate: 'off' }, properties: ['no-kernel-cpu-access'], runs: 500, seed: 3 });
    expect(run.knobs.gup_p2pdma_gate).toBe('off');
    expect(run.overrides).toEqual({ gup_p2pdma_gate: 'off' });
    expect(run.results[0]!.verdict).toBe('violated');
    const config: Config = { ...defaultConfig, importers: [defaultConfig.importers[0]!], routes: [['bus-addr']] };
    const own = explore({ design: structPage, preset: 'mainline', config, worldArg: 'one-nvme.txt', properties: ['p2p-dma', 'rdma-mr-on-bar'], runs: 300, seed: 3 });
    expect(own.config).toBe(config);
    expect(own.worldArg).toBe('one-nvme.txt');
    expect(own.results.map((r) => r.verdict)).toEqual(['never', 'sometimes']);
  });

  it('runs no longer than maxLength: too short for an unbind to be seen stuck', () => {
    const short = explore({ design: structPage, preset: 'lsfmm-2020', properties: ['unbind-completes'], runs: 300, seed: 5, maxLength: 2 });
    expect(short.results[0]!.verdict).toBe('holds');
    for (const [kind, n] of short.coverage) {
      expect(actionKinds).toContain(kind);
      expect(n).toBeGreaterThan(0);
    }
    expect([...short.coverage.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(600);
  });

  it('counts the steps of every kind the search pass took', () => {
    const run = explore({ design: vmaP2p, preset: 'rfc-2019', runs: 200, seed: 11 });
    expect(run.coverage.get('proc_mmap')).toBeGreaterThan(100);
    // a kind with nothing enabled is skipped, not counted: vma-p2p never has an I/O in flight
    expect(run.coverage.has('dev_io_dma')).toBe(false);
  });

  it('reruns a finding from its seed and path, and names a path that is no run', () => {
    const first = explore({ design: structPage, preset: 'bug-insert-leak', properties: ['no-leak'], runs: 1000, seed: 9 });
    const again = explore({ design: structPage, preset: 'bug-insert-leak', properties: ['no-leak'], runs: 1000, seed: 9, path: first.results[0]!.path! });
    expect(again.results[0]!.finding).toEqual(first.results[0]!.finding);
    expect(again.coverage.size).toBe(0);
    const bad = () => explore({ design: structPage, preset: 'bug-insert-leak', properties: ['no-leak'], runs: 1000, seed: 9, path: '999999:77:1' });
    expect(bad).toThrow(PathError);
    expect(bad).toThrow('the path 999999:77:1 names no run of the search that shows the property');
  });

  it('reports each run of the search pass, then each property it shrinks', () => {
    const seen: ExploreProgress[] = [];
    const run = explore({ design: structPage, preset: 'lsfmm-2020', properties: ['p2p-dma', 'no-leak', 'odirect-to-bar'], runs: 100, seed: 3, onProgress: (p) => seen.push(p) });
    expect(seen.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => ({ runs: i + 1, of: 100, shrinking: null })));
    const found = run.results.filter((r) => r.finding).map((r) => r.property);
    expect(found).toEqual(['odirect-to-bar', 'p2p-dma']);
    expect(seen.slice(100)).toEqual(found.map((shrinking) => ({ runs: 100, of: 100, shrinking })));
  });

  it('an unknown preset is an error', () => {
    expect(() => explore({ design: structPage, preset: 'rfc-2019', runs: 1, seed: 1 })).toThrow('unknown preset rfc-2019');
  });

  it('a path whose run does not show the property names no counterexample: PathError, not a verdict from one run', () => {
    const replay = () => explore({ design: structPage, preset: 'mainline', properties: ['dma-to-live-allocation'], runs: 1000, seed: 9, path: '0' });
    expect(replay).toThrow(PathError);
  });
});
