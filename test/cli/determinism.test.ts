// The same command with the same seed prints byte-identical output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './fake-io.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const tmp = mkdtempSync(join(tmpdir(), 'p2p-determinism-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** A world whose complete search of every preset takes a moment. */
const tiny = join(tmp, 'tiny.txt');
writeFileSync(
  tiny,
  '{\n  exporter e0: 1 page\n  importer nvme0: nvme p2pdma; route e0 none\n  importer nic0: rdma odp; route e0 bus-addr\n  iommu on; 1 process\n  limits: 1 vma, 1 mr, 1 bio, 1 allocation, 1 fault\n}\n',
);

describe('determinism', () => {
  it.each([
    [['explore', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--runs', '500', '--seed', '9']],
    [['explore', '--design', 'vma-p2p', '--preset', 'legacy-importer', '--runs', '500', '--json']],
    [['check', '--design', 'vma-p2p', '--preset', 'exporter-no-wait', '--depth', '4', '--json']],
    [['check', '--design', 'struct-page', '--preset', 'bug-insert-leak', '--depth', '3']],
    [['check', '--design', 'vma-p2p', '--preset', 'exporter-no-wait']],
    [['check', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--world', tiny, '--json']],
    [['matrix', '--world', tiny]],
    [['matrix', '--world', tiny, '--json']],
    [['matrix', '--random', '--runs', '30', '--seed', '3']],
    [['matrix', '--random', '--runs', '30', '--seed', '3', '--markdown']],
    [['matrix', '--random', '--runs', '30', '--json']],
    [['list']],
    [['list', '--json']],
  ])('%j twice gives the same bytes', async (argv) => {
    const first = await cli(argv);
    const second = await cli(argv);
    // a run, not a usage error twice
    expect(first.code).toBeLessThan(2);
    expect(first.out.length).toBeGreaterThan(100);
    expect(second.out).toBe(first.out);
    expect(second.code).toBe(first.code);
  });

  it('replay, cite and compare of the same traces twice give the same bytes', async () => {
    const { out } = await cli(['explore', '--design', 'struct-page', '--preset', 'bug-insert-leak', '--runs', '300']);
    for (const argv of [
      ['replay', '--verbose', '-'],
      ['replay', '--json', '-'],
      ['replay', '--fill', '--design', 'dma-buf', '-'],
      ['cite', '-'],
      ['cite', '--columns', '-'],
      ['compare', '-'],
      ['compare', '--json', '--design', 'vma-p2p', '-'],
    ]) {
      const first = await cli(argv, out);
      const second = await cli(argv, out);
      expect(first.code, argv.join(' ')).toBeLessThan(2);
      expect(first.out.length, argv.join(' ')).toBeGreaterThan(100);
      expect(second.out, argv.join(' ')).toBe(first.out);
    }
  });

  it('without P2P_RANDOM_SEED, explore uses seed 42 every time', async () => {
    vi.stubEnv('P2P_RANDOM_SEED', undefined);
    const argv = ['explore', '--design', 'vma-p2p', '--preset', 'exporter-no-wait', '--runs', '300', '--json'];
    const first = await cli(argv);
    const second = await cli(argv);
    expect(JSON.parse(first.out).seed).toBe(42);
    expect(second.out).toBe(first.out);
    expect(second.out).toBe((await cli([...argv, '--seed', '42'])).out);
  });

  it('with P2P_RANDOM_SEED=1 the seed is fresh, printed, and --seed reruns it byte for byte', async () => {
    vi.stubEnv('P2P_RANDOM_SEED', '1');
    const argv = ['explore', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--runs', '300', '--json'];
    const runs = await Promise.all([cli(argv), cli(argv), cli(argv)]);
    const seeds = runs.map((r) => JSON.parse(r.out).seed as number);
    expect(new Set(seeds).size).toBeGreaterThan(1);
    const again = await cli([...argv, '--seed', String(seeds[0])]);
    expect(again.out).toBe(runs[0]!.out);
  });
});
