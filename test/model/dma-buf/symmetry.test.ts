// dma-buf canonical forms (model/symmetry.ts), through behaviour only,
// as struct-page's and vma-p2p's tables: two action sequences from init,
// then how the states compare (same, iso or differ: test/model/canonical.ts).
// No dma-buf step reads an MR's VMA slot, so VMA slots are renamed and
// the MR's VMA is left out of the form.
import { describe, expect, it } from 'vitest';
import { dmaBuf } from '../../../model/dma-buf/index.js';
import { defaultConfig } from '../../../model/vocabulary.js';
import { close, fork, mmap, mrDma, munmap, regMr, touch, vfioDmaBuf } from '../../actions.js';
import { canonicalRelation, type Row } from '../canonical.js';
import { type Setup, run } from '../run.js';

const relation = canonicalRelation(dmaBuf);
/** Two VMA slots and two MRs in one process; a two-page region (e0). */
const big: Setup = { config: { ...defaultConfig, limits: { ...defaultConfig.limits, vmas: 2, mrs: 2 } } };

describe('dma-buf canonical forms: VMA slots', () => {
  it.each<Row>([
    ['VMA slots renamed: pages 0 and 1 of the region mapped in either order', [mmap(1), mmap(1, { offset: 1 })], [mmap(1, { offset: 1 }), mmap(1)], 'iso', big],
    ['VMA slots renamed: the one left in slot 0 or 1', [mmap(1), mmap(1, { offset: 1 }), munmap(0)], [mmap(1, { offset: 1 })], 'iso', big],
    ['page 0 mapped vs page 1', [mmap(1)], [mmap(1, { offset: 1 })], 'differ', big],
    ['an ODP MR on either of two mappings of one page: its VMA is left out', [mmap(1), mmap(1), regMr(0)], [mmap(1), mmap(1), regMr(1)], 'iso', big],
    ['an ODP MR on page 0 vs page 1: still left out, its faults fail either way', [mmap(1), mmap(1, { offset: 1 }), regMr(0)], [mmap(1), mmap(1, { offset: 1 }), regMr(1)], 'iso', big],
    ['an ODP MR vs none', [mmap(1), regMr(0)], [mmap(1)], 'differ', big],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));

  it('an ODP MR on a region mapping faults nothing in, whichever VMA it was registered on', () => {
    const faults = (vma: number) => run(dmaBuf, [mmap(1), mmap(1, { offset: 1 }), regMr(vma), touch(0), touch(1), mrDma(0, 0)], big).ret;
    expect([faults(0), faults(1)]).toEqual(['-EFAULT', '-EFAULT']);
  });
});

/** Two dma-buf file slots per process, two process slots. */
const files: Setup = { config: { ...defaultConfig, limits: { ...defaultConfig.limits, fds: 2 } } };

describe('dma-buf canonical forms: file slots', () => {
  it.each<Row>([
    ['file slots renamed: pages 0 and 1 exported in either order', [vfioDmaBuf(0), vfioDmaBuf(1)], [vfioDmaBuf(1), vfioDmaBuf(0)], 'iso', files],
    ['file slots renamed: the one left in slot 0 or 1', [vfioDmaBuf(0), vfioDmaBuf(1), close(0)], [vfioDmaBuf(1)], 'iso', files],
    ['page 0 exported vs page 1', [vfioDmaBuf(0)], [vfioDmaBuf(1)], 'differ', files],
    ['a second file of the same page vs one', [vfioDmaBuf(0), vfioDmaBuf(0)], [vfioDmaBuf(0)], 'differ', files],
    ['the child keeps its files in the slots fork gave them: parent or child closes one', [vfioDmaBuf(0), vfioDmaBuf(1), fork(), close(0)], [vfioDmaBuf(0), vfioDmaBuf(1), fork(), close(0, 1)], 'iso', files],
    ['which of its files a process closed after fork', [vfioDmaBuf(0), vfioDmaBuf(1), fork(), close(0)], [vfioDmaBuf(0), vfioDmaBuf(1), fork(), close(1)], 'differ', files],
  ])('%s', (_name, a, b, want, setup) => expect(relation(a, b, setup)).toBe(want));
});
