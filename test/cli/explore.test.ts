// p2pmodel explore: the random search of one preset, judged against the
// expected table; its traces rerun from their Reproduce: line; --world;
// the bounds of --seed and --runs; bad input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callLabel } from '../../model/calls.js';
import { actionKinds } from '../../model/vocabulary.js';
import { fixedSeed, maxRuns } from '../../properties/defaults.js';
import { worldDir } from '../../worlds/load.js';
import { cli } from './fake-io.js';

const tmp = mkdtempSync(join(tmpdir(), 'p2p-explore-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A trace's Reproduce: command as argv, unfolded, without `npx p2pmodel`. */
function reproduceArgv(trace: string): string[] {
  const command = /^Reproduce: ([\s\S]*)$/m.exec(trace)![1]!.replace(/ \\\n +/g, ' ').replace(/\\\n +/g, '').trim();
  expect(command).toMatch(/^npx p2pmodel explore /);
  return command.split(' ').slice(2);
}

/** The trace text of an explore text output (it ends the output). */
const traceIn = (out: string) => out.slice(out.indexOf('\nP2P ') + 1);

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

  it('says how often the search took each call, and which were never enabled', async () => {
    const text = (await cli(['explore', '--design', 'vma-p2p', '--runs', '300'])).out;
    const block = text.slice(text.indexOf('  steps taken, per call:'), text.indexOf('\n\nP2P '));
    for (const line of block.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    const taken = [...block.matchAll(/(\S+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])] as const);
    const never = block.slice(block.indexOf('never enabled:') + 'never enabled:'.length).trim().split(/\s+/);
    // vma-p2p refuses O_DIRECT to the BAR, so no I/O is ever in flight
    expect(never).toEqual(expect.arrayContaining(['dma(io)', 'complete']));
    expect([...taken.map(([label]) => label), ...never].sort()).toEqual(actionKinds.map(callLabel).sort());
    const json = JSON.parse((await cli(['explore', '--design', 'vma-p2p', '--runs', '300', '--json'])).out);
    expect(Object.keys(json.coverage)).toEqual(actionKinds.map(callLabel));
    expect([json.coverage['dma(io)'], json.coverage.mmap > 0]).toEqual([0, true]);
    for (const [label, n] of taken) expect(json.coverage[label]).toBe(n);
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
    expect(out.split('\n').filter((l) => l.length > 72)).toEqual([]);
  });

  it('the Reproduce: line of a trace, run as it reads, prints the same trace', async () => {
    const argv = ['explore', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--property', 'unbind-completes', '--runs', '500'];
    const { out } = await cli(argv);
    const again = await cli(reproduceArgv(traceIn(out)));
    expect(again.code).toBe(0);
    expect(traceIn(again.out)).toBe(traceIn(out));
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

  it('--world: the search runs in that world, and its traces say so and replay there', async () => {
    const argv = ['explore', '--design', 'vma-p2p', '--preset', 'legacy-importer', '--property', 'dma-to-live-allocation', '--runs', '300'];
    const { code, out } = await cli([...argv, '--world', 'routes']);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('vma-p2p preset legacy-importer, world routes: seed 42, 300 runs');
    const trace = traceIn(out);
    expect(trace).toContain('  importer nvme1: nvme p2pdma; route e0 none\n');
    expect(trace).toContain('  limits: 1 vma, 1 mr, 1 fd, 1 bio, 1 allocation, 1 fault\n');
    expect(reproduceArgv(trace).join(' ')).toContain(' --world routes ');
    expect((await cli(['replay', '-'], trace)).code).toBe(0);
    // a world file: the same search as the shipped world it copies
    const file = join(tmp, 'routes-copy.txt');
    writeFileSync(file, readFileSync(join(worldDir, 'routes.txt'), 'utf8'));
    const own = await cli([...argv, '--world', file]);
    // the same words; only the Reproduce: line may fold elsewhere
    const words = (text: string) => text.split(/\s+/).filter((w) => w !== '\\');
    expect(words(own.out.replaceAll(file, 'routes'))).toEqual(words(out));
    expect(traceIn(own.out)).not.toBe(traceIn((await cli(argv)).out));
  });

  it('--seed and --runs out of range are refused, naming the range', async () => {
    const sp = ['explore', '--design', 'struct-page'];
    const seed = await cli([...sp, '--seed', String(2 ** 32)]);
    expect([seed.code, seed.out, seed.err]).toEqual([2, '', `p2pmodel: --seed: expected a whole number from 0 to ${2 ** 32 - 1}, got '${2 ** 32}'\n`]);
    const top = await cli([...sp, '--runs', '1', '--seed', String(2 ** 32 - 1)]);
    expect([top.code < 2, top.err]).toEqual([true, '']);
    const runs = await cli([...sp, '--runs', String(maxRuns + 1)]);
    expect([runs.code, runs.out, runs.err]).toEqual([2, '', `p2pmodel: --runs: expected a whole number from 1 to ${maxRuns}, got '${maxRuns + 1}'\n`]);
  });

  it('--help gives the defaults as values', async () => {
    const { code, out } = await cli(['explore', '--help']);
    expect(code).toBe(0);
    expect(out.replace(/\s+/g, ' ')).toContain(`--seed <n> fast-check seed, 0 to 2^32-1 (default ${fixedSeed}, or random with P2P_RANDOM_SEED=1)`);
    expect(out).toMatch(/--runs <n> +sequences to run \(default 10000\)/);
    expect(out).not.toMatch(/=>|function|return /);
  });

  it.each([
    [['explore'], /--design is required/],
    [['explore', '--design', 'nope'], /--design: unknown design 'nope'/],
    [['explore', '--design', 'struct-page', '--preset', 'nope'], /--preset: unknown preset 'nope'/],
    [['explore', '--design', 'struct-page', '--knob', 'nope=1'], /--knob: expected a knob of struct-page \(one of: .*\), got 'nope'/],
    [['explore', '--design', 'struct-page', '--knob', 'gup_p2pdma_gate=maybe'], /expected gup_p2pdma_gate=on\|off, got 'gup_p2pdma_gate=maybe'/],
    [['explore', '--design', 'struct-page', '--knob', 'garbage'], /expected name=value/],
    [['explore', '--design', 'struct-page', '--property', 'nope'], /unknown property 'nope'/],
    [['explore', '--design', 'struct-page', '--runs', 'many'], /--runs: expected a whole number/],
    [['explore', '--design', 'struct-page', '--world', 'nope'], /--world: no shipped world 'nope'/],
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
