// properties/defaults.ts: the random search's default seed is fixed
// unless P2P_RANDOM_SEED=1 asks for a fresh one in [0, 2^31 - 1).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultRuns, defaultSeed, fixedSeed, maxRuns } from '../../properties/defaults.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.doUnmock('node:crypto');
  vi.resetModules();
});

describe('defaultSeed', () => {
  it('is 42; a random search runs 10,000 sequences unless told, 10,000,000 at most', () => {
    expect([fixedSeed, defaultRuns, maxRuns]).toEqual([42, 10_000, 10_000_000]);
  });

  it('is the fixed seed when P2P_RANDOM_SEED is unset', () => {
    vi.stubEnv('P2P_RANDOM_SEED', undefined);
    expect(defaultSeed()).toBe(fixedSeed);
  });

  it.each(['', '0', 'true', 'yes', ' 1', '1 ', '01', '2'])('is the fixed seed when P2P_RANDOM_SEED=%j', (value) => {
    vi.stubEnv('P2P_RANDOM_SEED', value);
    expect(defaultSeed()).toBe(fixedSeed);
  });

  it('with P2P_RANDOM_SEED=1 is a fresh integer in [0, 2^31 - 1) on every call', () => {
    vi.stubEnv('P2P_RANDOM_SEED', '1');
    const seeds = Array.from({ length: 20 }, () => defaultSeed());
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 31 - 1)).toBe(true);
    expect(new Set(seeds).size).toBeGreaterThan(15);
    expect(seeds.some((s) => s > 2 ** 24)).toBe(true);
  });

  it('with P2P_RANDOM_SEED=1 draws from crypto.randomInt below exactly 2^31 - 1', async () => {
    const randomInt = vi.fn((max: number) => max - 1);
    vi.doMock('node:crypto', () => ({ randomInt }));
    vi.resetModules();
    const fresh = await import('../../properties/defaults.js');
    vi.stubEnv('P2P_RANDOM_SEED', '1');
    expect(fresh.defaultSeed()).toBe(2 ** 31 - 2);
    expect(randomInt).toHaveBeenCalledWith(2 ** 31 - 1);
    vi.stubEnv('P2P_RANDOM_SEED', '0');
    expect(fresh.defaultSeed()).toBe(42);
    expect(randomInt).toHaveBeenCalledTimes(1);
  });
});
