// bench/floor.ts: the graph it records replays to the search's own
// states, in this engine's store and (where `cc` is) in C. Only that the
// measurement measures the search: its speed is the bench's to print.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { storeFloor } from '../../bench/floor.js';
import { resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { loadWorld } from '../../worlds/load.js';
import { smallest, spacesOf } from '../properties/world-sizes.js';

const hasCc = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;

/** Each design's smallest pinned space. */
const smallestSpaces = designs.map((design) => {
  const { world, preset, states } = smallest(spacesOf(design));
  return { name: `${design.id}/${preset.name} in ${world}`, design, world, preset, states };
});

describe.each(smallestSpaces)('the store alone, $name', ({ design, world, preset, states }) => {
  it('replays the search to its pinned states, here and in C', () => {
    const floor = storeFloor(design, loadWorld(world).config, resolveKnobs(design, preset), 1);
    expect(floor.states).toBe(states);
    expect(floor.successorsPerState).toBeGreaterThan(1);
    expect(floor.seconds).toBeGreaterThan(0);
    if (hasCc) expect(floor.cSeconds).toBeGreaterThan(0);
    else expect(floor.cSeconds).toBeNull();
  });
});
