// properties/exhaustive.ts: which state a block names for a property
// first shown by a step. Blocks step their tries grouped by action kind,
// so a later state's O_DIRECT can be judged before an earlier state's MR
// DMA; the search must still name the earlier state, as a state-by-state
// search does. No catalogue property is shown by two kinds in one block
// in that order in any shipped world, so this file swaps in a witness
// that is: an O_DIRECT DMA to BAR page 1, or an MR DMA to page 0.
import { describe, expect, it, vi } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { findDesign } from '../../model/designs.js';
import { checkExhaustive } from '../../properties/exhaustive.js';
import { loadWorld } from '../../worlds/load.js';

vi.mock('../../properties/catalogue.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../properties/catalogue.js')>();
  const witnessed = (step: { events: readonly import('../../model/vocabulary.js').Event[] }) =>
    step.events.some((e) => e.kind === 'dma' && e.target.mem === 'bar' && e.target.page === (e.path === 'odirect' ? 1 : 0));
  return { ...real, catalogue: real.catalogue.map((p) => (p.id === 'p2p-dma' ? { ...p, witnessed } : p)) };
});

describe('checkExhaustive: the first state to show a property by a step', () => {
  it('is the least state of its block, whichever action kind is stepped first (struct-page mainline, minimal world)', () => {
    const design = findDesign('struct-page')!;
    const knobs = resolveKnobs(design, design.presets.find((p) => p.name === 'mainline')!);
    const { config } = loadWorld('minimal');
    const run = (block: number) => checkExhaustive(design, config, knobs, { symmetry: true, depth: 8, properties: ['p2p-dma'], block });
    const [blocks, one] = [run(64), run(1)];
    expect(one.results[0]!.verdict).toBe('sometimes');
    expect(blocks.results).toEqual(one.results);
  });
});
