// The same command with the same seed prints byte-identical output.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './fake-io.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('determinism', () => {
  it.each([
    [['explore', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--runs', '2000', '--seed', '9']],
    [['explore', '--design', 'vma-p2p', '--preset', 'legacy-importer', '--runs', '2000', '--json']],
    [['check', '--design', 'vma-p2p', '--preset', 'exporter-no-wait', '--depth', '4', '--json']],
    [['check', '--design', 'struct-page', '--preset', 'bug-insert-leak', '--depth', '3']],
    [['matrix', '--runs', '300', '--seed', '3']],
    [['matrix', '--runs', '100', '--seed', '3', '--markdown']],
    [['matrix', '--runs', '100', '--json']],
    [['list']],
    [['list', '--json']],
  ])('%j twice gives the same bytes', async (argv) => {
    const first = await cli(argv);
    const second = await cli(argv);
    expect(second.out).toBe(first.out);
    expect(second.code).toBe(first.code);
  });

  it('replay and cite of the same trace twice give the same bytes', async () => {
    const { out } = await cli(['explore', '--design', 'struct-page', '--preset', 'bug-insert-leak', '--property', 'no-leak', '--json']);
    const trace = JSON.parse(out).results[0].trace as string;
    for (const argv of [['replay', '--verbose', '-'], ['replay', '--json', '-'], ['cite', '-'], ['cite', '--columns', '-']]) {
      const first = await cli(argv, trace);
      const second = await cli(argv, trace);
      expect(first.code, argv.join(' ')).toBe(0);
      expect(second.out, argv.join(' ')).toBe(first.out);
    }
  });

  it('without P2P_RANDOM_SEED, explore uses seed 42 every time', async () => {
    vi.stubEnv('P2P_RANDOM_SEED', undefined);
    const argv = ['explore', '--design', 'vma-p2p', '--preset', 'exporter-no-wait', '--runs', '1000', '--json'];
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
