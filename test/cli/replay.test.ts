// p2pmodel replay through the CLI's run() with a fake Io: a trace, a
// file of several, a scenario file; --json, --verbose, --fill,
// --design/--preset/--knob, --world; malformed input; one spawned smoke
// test of the binary reading stdin.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { parseScenario } from '../../scenarios/format.js';
import { scenarioDir } from '../../scenarios/load.js';
import { parseTrace } from '../../trace/parse.js';
import { printTrace } from '../../trace/print.js';
import { mangle, namedMangles, tracesOf } from '../trace/support.js';
import { cli } from './fake-io.js';

/** explore's whole output for struct-page lsfmm-2020: a summary, then a trace per finding. */
const explored = (await cli(['explore', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--runs', '300'])).out;
const byProperty = (property: string) => tracesOf(explored).find((t) => t.includes(`Result: ${property} `))!;
const kcpu = byProperty('no-kernel-cpu-access');
const unbind = byProperty('unbind-completes');
const mailed = (text: string) => mangle(text, namedMangles['trailers trimmed, prose around, a signature, CRLF']!);

/** 1-based number of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string) => text.split(/\r?\n/).findIndex((l) => l.includes(needle)) + 1;

const byHand = 'P2P struct-page lsfmm-2020\n\n1 p0 mmap(e0, 1, MAP_SHARED, 0) -> ?\n2 p0 ibv_reg_mr(nic0, vma0) -> ?\n3 e0 unbind() -> 0\n4 e0 unbind_finish() -> ?\n';

describe('p2pmodel replay', () => {
  it('reproduces a trace from stdin: exit 0', async () => {
    const { code, out, err } = await cli(['replay', '-'], kcpu);
    expect([code, err]).toEqual([0, '']);
    expect(out).toContain('Returns: all 2 as stated\nResult: no-kernel-cpu-access violated (stated violated)\nReproduced.\n');
  });

  it("replays every trace of a file (explore's whole output), each reported, then how many reproduced", async () => {
    const count = tracesOf(explored).length;
    expect(count).toBeGreaterThan(3);
    const { code, out } = await cli(['replay', '-'], explored);
    expect(code).toBe(0);
    expect(out.match(/^Reproduced\.$/gm)).toHaveLength(count);
    expect(out).toContain(`\nReplayed ${count}: ${count} reproduced, 0 not\n`);
    const headerOf = (t: string) => explored.slice(0, explored.indexOf(t)).split('\n').length;
    for (const t of tracesOf(explored)) expect(out).toContain(`replay <stdin> (line ${headerOf(t)}): struct-page lsfmm-2020, `);
    // one edited: exit 1, its line named
    const edited = explored.replace(/( {2}e0 {2}unbind\(\) +)-> 0/, '$1-> -EBUSY');
    expect(edited).not.toBe(explored);
    const r = await cli(['replay', '-'], edited);
    const header = headerOf(unbind);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`\nReplayed ${count}: ${count - 1} reproduced, 1 not: line ${header}\n`);
  });

  it('--json: the file, whether all reproduced, and an entry per trace', async () => {
    const { code, out } = await cli(['replay', '-', '--json'], kcpu);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ file: '<stdin>', reproduced: true });
    expect(json.traces).toHaveLength(1);
    const t = json.traces[0];
    expect(Object.keys(t)).toEqual(['kind', 'line', 'scenario', 'design', 'preset', 'overrides', 'written', 'property', 'stated', 'now', 'reproduced', 'divergence', 'unknown', 'detail', 'outcome', 'observations', 'steps']);
    expect(t).toMatchObject({
      kind: 'trace',
      line: 1,
      scenario: null,
      design: 'struct-page',
      preset: 'lsfmm-2020',
      overrides: {},
      written: { design: 'struct-page', preset: 'lsfmm-2020', overrides: {} },
      property: 'no-kernel-cpu-access',
      stated: 'violated',
      now: 'violated',
      reproduced: true,
      divergence: null,
      unknown: 0,
      detail: { stated: 'kernel kmap+memcpy of e0 page 0', now: 'kernel kmap+memcpy of e0 page 0' },
      outcome: null,
    });
    expect(t.observations).toHaveLength(11);
    expect(t.observations.find((o: { property: string }) => o.property === 'no-kernel-cpu-access')).toEqual({
      property: 'no-kernel-cpu-access',
      kind: 'safety',
      verdict: 'violated',
      step: 2,
      detail: 'kernel kmap+memcpy of e0 page 0',
    });
    expect(t.steps).toEqual([
      { n: 1, line: lineOf(kcpu, '  1  '), call: 'p0: mmap(e0, 1, MAP_SHARED, 0)', stated: 'vma0', now: 'vma0' },
      { n: 2, line: lineOf(kcpu, '  2  '), call: 'p0: process_vm_readv(vma0, 0)', stated: '0', now: '0' },
    ]);
  });

  it('an edited return value: exit 1 naming the step and its line, counted in the input as given', async () => {
    // the shortest: mmap_start, unbind, mmap_link, unbind_finish
    const text = unbind.replace(/( {2}2 {2}e0 {2}unbind\(\) +)-> 0/, '$1-> -EBUSY');
    expect(text).not.toBe(unbind);
    const line = lineOf(text, '  2  e0');
    const { code, out } = await cli(['replay', '-'], text);
    expect(code).toBe(1);
    expect(out).toMatch(/^ {2}2 {2}e0 {2}unbind\(\) +-> 0 {2}\(stated -> -EBUSY\)$/m);
    expect(out).toContain(`Divergence: step 2 (line ${line}): stated -> -EBUSY, now -> 0`);
    expect(out).toContain('NOT reproduced.');
    const json = JSON.parse((await cli(['replay', '-', '--json'], text)).out);
    expect(json.traces[0].divergence).toEqual({ step: 2, line, stated: '-EBUSY', now: '0' });
    expect(json.reproduced).toBe(false);
    const mail = mailed(text);
    const again = await cli(['replay', '-'], mail);
    expect(again.code).toBe(1);
    expect(again.out).toContain(`Divergence: step 2 (line ${lineOf(mail, '  2  e0')}):`);
  });

  it('a verdict that does not reproduce: exit 1', async () => {
    const { code, out } = await cli(['replay', '-'], kcpu.replace('no-kernel-cpu-access violated', 'no-kernel-cpu-access holds'));
    expect(code).toBe(1);
    expect(out).toContain('Result: no-kernel-cpu-access violated (stated holds)');
  });

  it('--verbose shows what each step changed in the decoded state, in the names the trace uses', async () => {
    const { code, out } = await cli(['replay', '-', '--verbose'], kcpu);
    expect(code).toBe(0);
    expect(out).toContain(
      [
        '  1  p0  mmap(e0, 1, MAP_SHARED, 0)  -> vma0',
        '     e0.pgmap_ref: 2 -> 3',
        '     e0.page0.refcount: 0 -> 1',
        '     e0.page0.owner: null -> "a0"',
        '     p0.vma0: + {"exporter":"e0","alloc":"a0","pages":"0+1","ptes":true}',
        '     a0: + {"exporter":"e0","pages":"0+1","evicting":false}',
        '  2  p0  process_vm_readv(vma0, 0)   -> 0',
        '     (no change)',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli(['replay', '-', '--verbose', '--json'], kcpu)).out);
    expect(json.traces[0].steps.map((s: { changes: string[] }) => s.changes)).toEqual([
      ['e0.pgmap_ref: 2 -> 3', 'e0.page0.refcount: 0 -> 1', 'e0.page0.owner: null -> "a0"', expect.stringMatching(/^p0\.vma0: \+ /), expect.stringMatching(/^a0: \+ /)],
      [],
    ]);
    expect((await cli(['replay', '-'], kcpu)).out).not.toContain('e0.pgmap_ref');
  });

  it("check's output with no trace (nothing violated or witnessed): nothing to replay, cite or compare, exit 0", async () => {
    const check = await cli(['check', '--design', 'vma-p2p', '--preset', 'as-posted', '--depth', '3']);
    expect(check.out).not.toMatch(/^P2P /m);
    for (const command of ['replay', 'cite', 'compare']) {
      const r = await cli([command, '-'], check.out);
      expect([r.code, r.out.replace(/\n {2}/g, ' ')]).toEqual([0, `${command} <stdin>: no trace in it (the search found nothing violated or witnessed)\n`]);
      expect(r.out.split('\n').every((l) => l.length <= 72)).toBe(true);
    }
    // prose without a trace is still bad input
    expect((await cli(['replay', '-'], 'Check this out.\n')).code).toBe(2);
  });

  it('--verbose keeps every line within 72 columns, long values cut with ...', async () => {
    const { out } = await cli(['replay', join(scenarioDir, 'vp-b-eviction.txt'), '--verbose']);
    expect(out).toMatch(/^ {6}mr0: \+ \{"proc":"p0",.*\.\.\.$/m);
    expect(out.split('\n').filter((l) => l.length > 72)).toEqual([]);
  });
});

describe('a trace written by hand', () => {
  it('no config, no Result:, returns unknown: every property judged, the step that first shows each named', async () => {
    const { code, out, err } = await cli(['replay', '-'], byHand);
    expect([code, err]).toEqual([0, '']);
    expect(out).toContain('replay <stdin>: struct-page lsfmm-2020, every property\n');
    expect(out).toContain('  2  p0  ibv_reg_mr(nic0, vma0)      -> mr0  (was ?)\n');
    expect(out).toContain('Returns: 1 as stated, 3 unknown (?)\n');
    expect(out).toMatch(/^Observation unbind-completes {8}violated at step 3\n {2}unbind of exporter 0 waits on user space: /m);
    expect(out).toMatch(/^Observation dma-to-live-allocation {2}holds\n/m);
    expect(out).toMatch(/^Observation rdma-mr-on-bar {10}never\n/m);
    expect(out.match(/^Observation /gm)).toHaveLength(11);
    expect(out).toContain("Reproduced.\nUnknowns (?): 'p2pmodel replay --fill' prints them filled in.\n");
    expect(out.split('\n').every((l) => l.length <= 72)).toBe(true);
  });

  it('--fill prints it with every return filled in, ready to cite: it replays, and reads back as printed', async () => {
    const { code, out } = await cli(['replay', '--fill', '-'], byHand);
    expect(code).toBe(0);
    const t = parseTrace(out);
    expect(printTrace(t)).toBe(out);
    expect(t.steps.map((s) => s.ret)).toEqual(['vma0', 'mr0', '0', '-EBUSY']);
    expect(out.split('\n').every((l) => l.length <= 72)).toBe(true);
    expect((await cli(['replay', '-'], out)).out).toContain('Returns: all 4 as stated\n');
    // with a Result: line its verdict, detail and links are filled in too
    const judged = await cli(['replay', '--fill', '-'], byHand.replace('\n\n', '\nResult: unbind-completes ?\n\n'));
    expect(judged.out).toContain('Result: unbind-completes violated (liveness)\nDetail: unbind of exporter 0 waits on user space:');
    expect(judged.out).toMatch(/^Link: /m);
    expect((await cli(['replay', '-'], judged.out)).code).toBe(0);
  });

  it('--fill says when a stated return was not what the model gives: exit 1, the model\'s value printed', async () => {
    const { code, out, err } = await cli(['replay', '--fill', '-'], byHand.replace('-> 0', '-> -EBUSY'));
    expect(code).toBe(1);
    expect(out).toMatch(/^ {2}3 {2}e0 {2}unbind\(\) +-> 0$/m);
    expect(err).toBe('replay <stdin>: struct-page lsfmm-2020, every property: not as stated:\n  step 3 (line 5) returns 0, stated -EBUSY\n');
  });
});

describe('replay on another design, preset or knobs', () => {
  it('--design: the steps run there; the stated returns are judged there (exit 1 when they differ)', async () => {
    const { code, out } = await cli(['replay', '--design', 'vma-p2p', '-'], unbind);
    expect(code).toBe(1);
    expect(out).toMatch(/^replay <stdin>: vma-p2p rfc-2019, unbind-completes \(the trace says\n {2}struct-page lsfmm-2020\)$/m);
    // the GPU maps by faults: the unbind misses nothing and finishes
    expect(out).toContain('Divergence: step 4');
    const json = JSON.parse((await cli(['replay', '--design', 'vma-p2p', '--json', '-'], unbind)).out).traces[0];
    expect(json).toMatchObject({ design: 'vma-p2p', preset: 'rfc-2019', written: { design: 'struct-page', preset: 'lsfmm-2020' } });
  });

  it('--preset and --knob on the same design; --fill prints the trace for where it ran', async () => {
    // memunmap_pages() waits on no page ref there
    const other = await cli(['replay', '--preset', 'bug-zone-device-refcount', '-'], unbind);
    expect(other.code).toBe(1);
    expect(other.out).toContain('Result: unbind-completes holds (stated violated)');
    const knob = await cli(['replay', '--knob', 'mmap_takes_page_pgmap_ref=off', '-'], unbind);
    expect(knob.code).toBe(1);
    expect(knob.out).toContain('replay <stdin>: struct-page lsfmm-2020 mmap_takes_page_pgmap_ref=off,\n');
    const filled = await cli(['replay', '--fill', '--design', 'vma-p2p', '--preset', 'legacy-importer', '-'], unbind);
    const t = parseTrace(filled.out);
    expect(t).toMatchObject({ design: 'vma-p2p', preset: 'legacy-importer', command: '' });
    expect((await cli(['replay', '-'], filled.out)).code).toBe(0);
  });

  it('--world: the steps read in that world, which the heading names', async () => {
    const { code, out } = await cli(['replay', '--world', 'minimal', '--fill', '-'], byHand);
    expect(code).toBe(0);
    expect(out).toContain('  importer nic1: rdma odp; route e0 bus-addr\n');
    expect((await cli(['replay', '--world', 'minimal', '-'], byHand)).out).toMatch(/^replay <stdin>: struct-page lsfmm-2020, world minimal, every property$/m);
    const presets = designs.reduce((n, d) => n + d.presets.length, 0);
    expect((await cli(['compare', '--world', 'minimal', '-'], byHand)).out).toMatch(new RegExp(`^ {2}${presets} presets in world minimal$`, 'm'));
    // nvme1 is not in that world
    const r = await cli(['replay', '--world', 'minimal', '-'], byHand.replace('pread', 'x').replace('1 p0 mmap', '1 p0 mmap').replace('ibv_reg_mr(nic0', 'ibv_reg_mr(nvme1'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^p2pmodel: <stdin>:4: expected .*nvme1/);
  });
});

describe('a scenario file', () => {
  const file = join(scenarioDir, 'sp-unbind-inflight.txt');
  const text = readFileSync(file, 'utf8');
  const outcomes = parseScenario(text).scenario.expectations.length;

  it('judges every Outcome: it states: each reported, exit 0 when all are met', async () => {
    const { code, out } = await cli(['replay', file]);
    expect(code).toBe(0);
    expect(out.match(/^Violates: /gm)).toHaveLength(outcomes);
    expect(out.match(/^Reproduced\.$/gm)).toHaveLength(outcomes);
    expect(out).toContain('Violates: dma-to-bound-exporter accounting-consistent\n  (stated dma-to-bound-exporter accounting-consistent)');
  });

  it('an edited Outcome: exit 1; --fill prints the scenario with every Outcome: as the model gives it', async () => {
    const edited = text.replace('Returns: vma0 io0 0 -EBUSY 0 0 0 SIGBUS', 'Returns: vma0 io0 0 0 0 0 0 SIGBUS');
    expect(edited).not.toBe(text);
    const r = await cli(['replay', '-'], edited);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Divergence: step 4 (line ${lineOf(edited, '  4  e0')}): stated -> 0, now -> -EBUSY`);
    const filled = await cli(['replay', '--fill', '-'], edited);
    expect(filled.code).toBe(1);
    expect(parseScenario(filled.out).scenario.expectations).toEqual(parseScenario(text).scenario.expectations);
  });

  it('--design and --preset: one run there, with the Outcome: the file states for it, if any', async () => {
    const r = await cli(['replay', '--design', 'vma-p2p', '--json', file]);
    const json = JSON.parse(r.out);
    expect(json.traces).toHaveLength(1);
    expect(json.traces[0]).toMatchObject({ kind: 'scenario', scenario: 'sp-unbind-inflight', design: 'vma-p2p', outcome: null });
    expect(json.traces[0].steps.every((s: { stated: string }) => s.stated === '?')).toBe(true);
    const same = JSON.parse((await cli(['replay', '--design', 'struct-page', '--json', file])).out).traces[0];
    expect(same.steps.map((s: { stated: string }) => s.stated)).toEqual(['vma0', 'io0', '0', '-EBUSY', '0', '0', '0', 'SIGBUS']);
    expect(same.outcome.stated).toEqual({ violates: [], witnesses: ['odirect-to-bar', 'p2p-dma'] });
    const filled = await cli(['replay', '--fill', '--design', 'vma-p2p', file]);
    expect(parseScenario(filled.out).scenario.expectations.map((e) => `${e.design} ${e.preset}`)).toEqual(['struct-page mainline', 'struct-page bug-zone-device-refcount', 'vma-p2p rfc-2019']);
  });
});

describe('bad input: exit 2, one line', () => {
  it.each<[string, string[], string, RegExp]>([
    ['--fill with --json', ['replay', '--fill', '--json', '-'], byHand, /^p2pmodel: --fill prints traces: not with --json or --verbose$/],
    ['--preset not of the design', ['replay', '--design', 'vma-p2p', '--preset', 'mainline', '-'], byHand, /^p2pmodel: --preset: unknown preset 'mainline' of vma-p2p/],
    ['--knob not of the design', ['replay', '--knob', 'importer=ignores', '-'], byHand, /^p2pmodel: --knob: expected a knob of struct-page \(one of: .*\), got 'importer'$/],
    ['--preset on a scenario without --design', ['replay', '--preset', 'mainline', '-'], readFileSync(join(scenarioDir, 'sp-reg-mr.txt'), 'utf8'), /^p2pmodel: --preset and --knob need --design for a scenario \(<stdin>, line 1\)$/],
    ['--fill of a scenario with --knob', ['replay', '--fill', '--design', 'vma-p2p', '--knob', 'importer=ignores', '-'], readFileSync(join(scenarioDir, 'sp-reg-mr.txt'), 'utf8'), /^p2pmodel: --fill with --knob: a scenario's Outcome: names a preset, not knobs \(<stdin>, line 1\)$/],
    ['a truncated step', ['replay', '-'], kcpu.slice(0, kcpu.indexOf('-> 0')), new RegExp(`^p2pmodel: <stdin>:${lineOf(kcpu, '  2  p0')}: expected '-> <return value>' ending step 2$`)],
    ['no trace at all', ['replay', '-'], 'Hi,\n\nI disagree.\n', /^p2pmodel: <stdin>:1: expected a trace starting with a 'P2P <design> <preset>' header line, found none$/],
    ['the columns view', ['replay', '-'], `See:\n\n(* columns view for reading, not parseable: replay the plain 'cite' *)\n${kcpu}`, /^p2pmodel: <stdin>:3: expected a plain trace, not the columns view \(use 'p2pmodel cite' without --columns\)$/],
  ])('%s', async (_name, argv, stdin, message) => {
    const { code, out, err } = await cli(argv, stdin);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.endsWith('\n') && err.split('\n').length).toBe(2);
    expect(err.trimEnd()).toMatch(message);
  });

  it('a file in UTF-16 (Windows PowerShell 5 writes so) reads by its byte-order mark', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2ptrace-'));
    const le = join(dir, 'le.txt');
    const be = join(dir, 'be.txt');
    writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(kcpu.replace(/\n/g, '\r\n'), 'utf16le')]));
    writeFileSync(be, Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(kcpu, 'utf16le').swap16()]));
    for (const file of [le, be]) expect((await cli(['replay', file])).out).toMatch(/^Reproduced\.$/m);
    // piped in (cmd's `type` passes the file's bytes as they are), read the same way
    expect((await cli(['replay', '-'], readFileSync(le))).out).toMatch(/^Reproduced\.$/m);
  });

  it('a header behind a quote mark mail readers do not use is named on its line', async () => {
    const { code, err } = await cli(['replay', '-'], kcpu.replace(/^/gm, '| '));
    expect(code).toBe(2);
    expect(err).toBe("p2pmodel: <stdin>:1: expected the 'P2P' header at the start of its line (mail quoting is '>'), got '| P2P struct-page lsfmm-2020'\n");
  });

  it('names the file as given, counting lines of the input as given', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'p2ptrace-')), 'reply.eml');
    const text = mailed(kcpu.replace('-> vma0', '-> vma'));
    writeFileSync(file, text);
    const { code, err } = await cli(['replay', file]);
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^p2pmodel: ${file.replace(/[.]/g, '\\.')}:${lineOf(text, '  1  p0')}: expected a return value \\(0, vmaN, .*\\), got 'vma'\\n$`));
  });
});

describe('p2pmodel binary', () => {
  it('replays a quoted trace from stdin (spawned)', () => {
    const r = spawnSync(join(import.meta.dirname, '../../bin/p2pmodel.js'), ['replay', '-'], { input: mailed(kcpu), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Reproduced.');
  });
});
