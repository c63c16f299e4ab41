import { describe, expect, it } from 'vitest';
import { actionKinds } from '../../model/vocabulary.js';
import { cli } from './fake-io.js';

describe('p2pmodel explore', () => {
  it('reports lsfmm-2020 as expected, with a counterexample per violation, exit 0', async () => {
    const { code, out } = await cli(['explore', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ design: 'struct-page', preset: 'lsfmm-2020', seed: 42 });
    const verdicts = Object.fromEntries(json.results.map((r: { property: string; verdict: string }) => [r.property, r.verdict]));
    expect(verdicts).toMatchObject({
      'no-kernel-cpu-access': 'violated',
      'unbind-completes': 'violated',
      'rdma-mr-on-bar': 'sometimes',
    });
    for (const r of json.results)
      if (r.verdict === 'violated' || r.verdict === 'sometimes') expect(r.trace).toMatch(/-> /);
      else expect(r.trace).toBeUndefined();
  });

  it('says how often the search took each action, and which were never enabled', async () => {
    const text = (await cli(['explore', '--design', 'vma-p2p', '--runs', '300'])).out;
    const block = text.slice(text.indexOf('  steps taken, per action:'), text.indexOf('\n\nP2P '));
    for (const line of block.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    // vma-p2p refuses O_DIRECT to the BAR, so no I/O is ever in flight
    expect(block).toMatch(/\n {2}never enabled: dev_io_dma dev_io_complete$/);
    const taken = [...block.matchAll(/([a-z_]+)=(\d+)/g)].map((m) => m[1]);
    expect(taken).toEqual(actionKinds.filter((k) => k !== 'dev_io_dma' && k !== 'dev_io_complete'));
    const json = JSON.parse((await cli(['explore', '--design', 'vma-p2p', '--runs', '300', '--json'])).out);
    expect(Object.keys(json.coverage)).toEqual([...actionKinds]);
    expect([json.coverage.dev_io_dma, json.coverage.proc_mmap > 0]).toEqual([0, true]);
    for (const [kind, n] of [...block.matchAll(/([a-z_]+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])] as const)) expect(json.coverage[kind]).toBe(n);
  });

  it('a rerun from --path has no search pass, so no coverage', async () => {
    const argv = ['explore', '--design', 'struct-page', '--preset', 'bug-insert-leak', '--property', 'no-leak', '--seed', '7'];
    const { path } = JSON.parse((await cli([...argv, '--json'])).out).results[0];
    expect((await cli([...argv, '--path', path])).out).not.toContain('steps taken');
    expect(JSON.parse((await cli([...argv, '--path', path, '--json'])).out).coverage).toBeUndefined();
  });

  it('exits 1 when a --knob override moves a verdict away from the table', async () => {
    const { code, out } = await cli([
      'explore', '--design', 'struct-page', '--preset', 'mainline', '--knob', 'gup_p2pdma_gate=off',
      '--property', 'no-kernel-cpu-access', '--runs', '500',
    ]);
    expect(code).toBe(1);
    expect(out).toContain('UNEXPECTED (expected holds)');
  });

  it('prints the seed and reruns a counterexample from --seed and --path', async () => {
    const first = JSON.parse(
      (await cli(['explore', '--design', 'struct-page', '--preset', 'bug-insert-leak', '--property', 'no-leak', '--json', '--seed', '7'])).out,
    );
    const { path, trace } = first.results[0];
    const again = JSON.parse(
      (await cli(['explore', '--design', 'struct-page', '--preset', 'bug-insert-leak', '--property', 'no-leak', '--json', '--seed', '7', '--path', path])).out,
    );
    expect(again.results[0].trace).toBe(trace);
  });

  it.each([
    [['explore'], /--design is required/],
    [['explore', '--design', 'nope'], /--design: unknown design 'nope'/],
    [['explore', '--design', 'struct-page', '--preset', 'nope'], /--preset: unknown preset 'nope'/],
    [['explore', '--design', 'struct-page', '--knob', 'nope=1'], /--knob: unknown knob 'nope'/],
    [['explore', '--design', 'struct-page', '--knob', 'gup_p2pdma_gate=maybe'], /takes on\|off/],
    [['explore', '--design', 'struct-page', '--knob', 'garbage'], /expected name=value/],
    [['explore', '--design', 'struct-page', '--property', 'nope'], /unknown property 'nope'/],
    [['explore', '--design', 'struct-page', '--runs', 'many'], /--runs: expected a whole number/],
    [['explore', '--design', 'struct-page', '--path', '1:2'], /--path: needs exactly one --property/],
    [['explore', '--design', 'struct-page', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('bad input %j exits 2 with one line', async (argv, message) => {
    const { code, err, out } = await cli(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });
});
