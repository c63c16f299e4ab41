// properties/backward.ts: which states reach a goal along edges of the
// allowed kinds, on small hand-built graphs, and against a plain fixpoint
// on random ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canReach, EXIT, Edges, PROGRESS } from '../../properties/backward.js';

/** Edges from [from, to, kind] triples. */
function graph(triples: readonly (readonly [number, number, number])[]): Edges {
  const edges = new Edges();
  for (const [from, to, kind] of triples) edges.add(from, to, kind);
  return edges;
}

const goalIn = (states: readonly number[]) => (i: number) => states.includes(i);
const reach = (n: number, goal: readonly number[], triples: readonly (readonly [number, number, number])[], mask = PROGRESS | EXIT) =>
  [...canReach(n, goalIn(goal), graph(triples), mask)];

describe('Edges', () => {
  it('keeps every edge in order as it grows past its first arrays', () => {
    const edges = new Edges();
    const n = 10_000;
    for (let e = 0; e < n; e++) edges.add(e, e + 1, e % 2 === 0 ? PROGRESS : EXIT);
    expect(edges.count).toBe(n);
    expect([edges.from[0], edges.to[0], edges.kind[0]]).toEqual([0, 1, PROGRESS]);
    expect([edges.from[4096], edges.to[4096], edges.kind[4096]]).toEqual([4096, 4097, PROGRESS]);
    expect([edges.from[n - 1], edges.to[n - 1], edges.kind[n - 1]]).toEqual([n - 1, n, EXIT]);
    const kinds = edges.kind.subarray(0, n);
    expect(kinds.every((k, e) => k === (e % 2 === 0 ? PROGRESS : EXIT))).toBe(true);
  });

  it('the two kinds are distinct bits', () => {
    expect([PROGRESS, EXIT, PROGRESS & EXIT]).toEqual([1, 2, 0]);
  });
});

describe('canReach', () => {
  it('a goal state reaches itself, with no edges at all', () => {
    expect(reach(3, [1], [])).toEqual([0, 1, 0]);
    expect(reach(3, [], [])).toEqual([0, 0, 0]);
  });

  it('along a chain, every state before the goal; none after it', () => {
    const chain = [
      [0, 1, PROGRESS],
      [1, 2, PROGRESS],
      [2, 3, PROGRESS],
    ] as const;
    expect(reach(4, [2], chain)).toEqual([1, 1, 1, 0]);
    expect(reach(4, [0], chain)).toEqual([1, 0, 0, 0]);
  });

  it('follows only the edge kinds in the mask', () => {
    const mixed = [
      [0, 1, PROGRESS],
      [1, 2, EXIT],
      [3, 2, PROGRESS],
    ] as const;
    expect(reach(4, [2], mixed, PROGRESS)).toEqual([0, 0, 1, 1]);
    expect(reach(4, [2], mixed, EXIT)).toEqual([0, 1, 1, 0]);
    expect(reach(4, [2], mixed, PROGRESS | EXIT)).toEqual([1, 1, 1, 1]);
    expect(reach(4, [2], mixed, 0)).toEqual([0, 0, 1, 0]);
  });

  it('an edge of no kind is never followed', () => {
    expect(reach(2, [1], [[0, 1, 0]])).toEqual([0, 1]);
  });

  it('a cycle that never meets the goal reaches nothing; one that does, all of it', () => {
    const cycle = [
      [0, 1, PROGRESS],
      [1, 2, PROGRESS],
      [2, 0, PROGRESS],
      [3, 3, PROGRESS],
    ] as const;
    expect(reach(5, [4], cycle)).toEqual([0, 0, 0, 0, 1]);
    expect(reach(5, [1], cycle)).toEqual([1, 1, 1, 0, 0]);
  });

  it('some path is enough: a state with a dead end and a way out reaches', () => {
    const branch = [
      [0, 1, PROGRESS],
      [0, 2, PROGRESS],
      [0, 2, PROGRESS],
      [2, 3, PROGRESS],
    ] as const;
    expect(reach(4, [3], branch)).toEqual([1, 0, 1, 1]);
  });

  it('agrees with a plain fixpoint on random graphs and masks', () => {
    const arb = fc
      .integer({ min: 1, max: 12 })
      .chain((n) =>
        fc.record({
          n: fc.constant(n),
          edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.integer({ min: 0, max: 3 })), { maxLength: 30 }),
          goal: fc.uniqueArray(fc.nat(n - 1), { maxLength: n }),
          mask: fc.integer({ min: 0, max: 3 }),
        }),
      );
    fc.assert(
      fc.property(arb, ({ n, edges, goal, mask }) => {
        const want = Array.from({ length: n }, (_, i) => (goal.includes(i) ? 1 : 0));
        for (let changed = true; changed; ) {
          changed = false;
          for (const [from, to, kind] of edges)
            if (kind & mask && want[to] === 1 && want[from] === 0) {
              want[from] = 1;
              changed = true;
            }
        }
        expect(reach(n, goal, edges, mask)).toEqual(want);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
