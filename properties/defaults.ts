// Search defaults shared by the CLI and the tests: seeds are fixed unless
// P2P_RANDOM_SEED=1 asks for a fresh one (always printed either way).
import { randomInt } from 'node:crypto';

/** The random search's sequences per design/preset unless told otherwise. */
export const defaultRuns = 10_000;

export const fixedSeed = 42;

/** The most sequences one search runs: past it a run would take hours. */
export const maxRuns = 10_000_000;

export function defaultSeed(): number {
  return process.env.P2P_RANDOM_SEED === '1' ? randomInt(2 ** 31 - 1) : fixedSeed;
}
