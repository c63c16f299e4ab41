// trace/diff.ts: the structural diff replay --verbose prints, TLC's
// -difftrace: only the paths that changed, each on a line that fits.
import { describe, expect, it } from 'vitest';
import { diff, showChange } from '../../trace/diff.js';

describe('diff', () => {
  it('names only the paths that changed', () => {
    const before = { a: 1, b: [1, 2], c: { d: null, e: 'x' }, f: [{ g: 1 }] };
    const after = { a: 1, b: [1, 3, 4], c: { d: 0, e: 'x' }, f: [] };
    expect(diff(before, after).map((c) => showChange(c))).toEqual(['b[1]: 2 -> 3', 'b[2]: + 4', 'c.d: null -> 0', 'f[0]: - {"g":1}']);
    expect(diff(before, structuredClone(before))).toEqual([]);
  });

  it('cuts long values with ... so that the line fits its width, the path whole', () => {
    const long = { a: 'x'.repeat(200) };
    const [added] = diff({}, { long }).map((c) => showChange(c, 40));
    expect(added).toMatch(/^long: \+ \{"a":"x+\.\.\.$/);
    expect(added!.length).toBe(40);
    const [changed] = diff({ v: 'y'.repeat(100) }, { v: 'z'.repeat(100) }).map((c) => showChange(c, 50));
    expect(changed).toMatch(/^v: "y+\.\.\. -> "z+\.\.\.$/);
    expect(changed!.length).toBeLessThanOrEqual(50);
  });
});
