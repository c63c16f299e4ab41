// The same command with the same seed prints byte-identical output.
import { describe, expect, it } from 'vitest';
import { cli } from './fake-io.js';

describe('determinism', () => {
  it.each([
    [['explore', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--runs', '2000', '--seed', '9']],
    [['explore', '--design', 'vma-p2p', '--preset', 'legacy-importer', '--runs', '2000', '--json']],
    [['check', '--design', 'vma-p2p', '--preset', 'exporter-no-wait', '--depth', '4', '--json']],
    [['matrix', '--runs', '300', '--seed', '3']],
  ])('%j twice gives the same bytes', async (argv) => {
    const first = await cli(argv);
    const second = await cli(argv);
    expect(second.out).toBe(first.out);
    expect(second.code).toBe(first.code);
  });

  it('replay of the same trace twice gives the same bytes', async () => {
    const { out } = await cli(['explore', '--design', 'struct-page', '--preset', 'bug-insert-leak', '--property', 'no-leak', '--json']);
    const trace = JSON.parse(out).results[0].trace as string;
    const first = await cli(['replay', '--verbose', '-'], trace);
    const second = await cli(['replay', '--verbose', '-'], trace);
    expect(first.code).toBe(0);
    expect(second.out).toBe(first.out);
  });
});
