import { describe, expect, it } from 'vitest';
import { cli } from './fake-io.js';

describe('p2pmodel check', () => {
  it('mainline holds to depth 4 with herd7-style observation lines', async () => {
    const { code, out } = await cli(['check', '--design', 'struct-page', '--preset', 'mainline', '--depth', '4']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Check struct-page mainline depth 4/);
    expect(out).toMatch(/Observation dma-to-live-allocation\s+holds/);
    expect(out).toMatch(/Observation odirect-to-bar\s+sometimes shortest 3/);
  });

  it('reports shortest counterexamples in the trace format, with counts in JSON', async () => {
    const { code, out } = await cli(['check', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--depth', '4', '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ design: 'struct-page', preset: 'lsfmm-2020', depth: 4, complete: true, symmetry: true });
    expect(json.states).toBeGreaterThan(0);
    expect(json.transitions).toBeGreaterThan(json.states);
    const cpu = json.results.find((r: { property: string }) => r.property === 'no-kernel-cpu-access');
    expect(cpu).toMatchObject({ verdict: 'violated', length: 2 });
    expect(cpu.trace).toContain('process_vm_readv(vma0, 0)');
  });

  it('exits 1 when the depth is too small to meet the table', async () => {
    const { code, out } = await cli(['check', '--design', 'vma-p2p', '--preset', 'legacy-importer', '--depth', '3']);
    expect(code).toBe(1);
    expect(out).toContain('UNEXPECTED (expected violated)');
  });

  it('exits 1 with INCOMPLETE when the memory bound is hit', async () => {
    const { code, out } = await cli(['check', '--design', 'struct-page', '--depth', '9', '--max-states', '100']);
    expect(code).toBe(1);
    expect(out).toContain('INCOMPLETE: memory bound hit');
  });

  it.each([
    [['check', '--design', 'struct-page'], /--depth is required/],
    [['check', '--design', 'struct-page', '--depth', 'x'], /--depth: expected a whole number/],
    [['check', '--design', 'nope', '--depth', '2'], /unknown design 'nope'/],
  ])('bad input %j exits 2 with one line', async (argv, message) => {
    const { code, err } = await cli(argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });
});
