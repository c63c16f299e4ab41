// Bad input, as the README promises: exit 2 with exactly one line on
// stderr naming FILE:LINE or the option, never a stack trace; exit 1,
// with nothing on stderr, when the input is well-formed but does not
// reproduce. The corpus is test/corpus/: bad-traces/*.txt (replay, cite
// and compare), bad-scenarios/*.txt (matrix --random --scenarios, and
// replay), hand-written/*.txt (what a newcomer writes or receives by
// mail: it replays on the first try); generated cases (binary junk, a
// megabyte on one line) and every subcommand's options are below.
//
// Parse error (exit 2) or divergence (exit 1)? trace/parse.ts rejects
// whatever the text decides by itself, against its own header and config:
// syntax, and what mail cannot do (a line right after a complete step
// that starts nothing, a step numbered out of turn, a Result: after the
// steps, two Reproduce: lines, a config never closed); the vocabulary
// (design, preset, knob and value, property, a verdict of the property's
// kind, a call of the model with its arity, a return-value word: any
// Linux errno is one); names (exporters and importers are the config's,
// processes are pN); a config the model cannot run (no exporter, 0
// pages, 0 processes, a missing, unknown or repeated route) and the
// bounds of `limits` in trace/parse.ts (exporters, importers, pages,
// processes, one mmap()'s pages, steps, one step's length), and a
// world's `limits:` line (each limit once, a known word, in range).
// What may be left out is no error: the config block (the default
// world), Result:, Detail:, the trailers; a trace cut short after a step
// is a shorter trace. trace/replay.ts judges whatever only running the
// model decides: the ids steps create (vmaN, ioN, mrN, aN, and which
// process slots pN are alive), page numbers against the mapping, every
// return value (an errno the model never returns is a divergence), and
// the stated Result. An id that was never created is well-formed: the
// step is the model's -EBADF/-ESRCH no-op (step is total), so such a trace
// reproduces only if it says so. Likewise a Result for a property the
// steps do not show, or a header (knobs, config, limits) the steps
// contradict, is exit 1; `cite` and `compare` judge nothing and print
// all of them (exit 0).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './fake-io.js';

const corpus = join(import.meta.dirname, '../corpus');
const tmp = mkdtempSync(join(tmpdir(), 'p2p-bad-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One line on stderr, no stack trace. */
function oneLine(err: string) {
  expect(err.endsWith('\n'), err).toBe(true);
  expect(err.slice(0, -1)).not.toMatch(/[\n\r]/);
  expect(err).not.toMatch(/^\s+at /m);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 1-based number of the first line of `text` containing `marker` (a number is the line itself). */
const lineOf = (text: string, marker: string | number) =>
  typeof marker === 'number' ? marker : text.split('\n').findIndex((l) => l.includes(marker)) + 1;

// [file, exit code, where (a marker on the line, or its number) and what, for exit 2]
const traces: [string, 2, string | number, RegExp][] = [
  ['unknown-action', 2, 'mprotect', /expected a call of the model \(such as mmap .*\), got 'mprotect\(vma0\)'$/],
  ['wrong-arity', 2, 'ibv_reg_mr(nic0)', /expected ibv_reg_mr\(NIC, VMA\[, ODP\]\), got 'ibv_reg_mr\(nic0\)'$/],
  ['wrong-arity-mmap', 2, 'mmap(', /expected mmap\(EXPORTER, PAGES, MAP_SHARED\|MAP_PRIVATE, OFFSET\), got 'mmap\(e0, 1, MAP_SHARED\)'$/],
  ['extra-argument', 2, 'unbind(now)', /expected unbind\(\), got 'unbind\(now\)'$/],
  ['unknown-importer', 2, 'nic7', /expected a device of the world \(nvme0, nvme1, nic0, nic1, e0\) in ibv_reg_mr\(\), got 'nic7'$/],
  ['unknown-exporter-actor', 2, 'gpu0', /expected an exporter \(e0\) as the actor of unbind\(\), got 'gpu0'$/],
  ['wrong-actor-kind', 2, '  3  p0', /expected an exporter \(e0\) as the actor of unbind\(\), got 'p0'$/],
  ['process-id-too-long', 2, 'p99999999999999999999', /expected a process \(p0, p1, \.\.\.\) as the actor of mmap\(\), got 'p99999999999999999999'$/],
  ['malformed-call', 2, '  3  e0', /expected a call 'name\(args\)', got 'unbind'$/],
  ['bad-return', 2, '-EWHATEVER', /expected a return value \(0, vmaN, .*; \? if unknown\), got '-EWHATEVER'$/],
  ['missing-return', 2, '  3  e0', /expected '-> <return value>' ending step 3$/],
  ['step-number-repeated', 2, '  2  e0', /expected step 3, got step 2$/],
  ['junk-between-steps', 2, 'and then', /expected step 3, a Link:\/Reproduce: trailer or a blank line$/],
  ['step-out-of-turn', 2, '  6  e0', /expected step 5, got step 6$/],
  ['result-after-steps', 2, 20, /expected a Link: or Reproduce: trailer after the steps, or a blank line and prose$/],
  ['two-reproduce-lines', 2, 'p2pmodel replay good', /expected one Reproduce: trailer, got a second$/],
  ['config-never-closed', 2, '(* Once', /expected '\}' closing the config opened on line 2$/],
  ['truncated-in-config', 2, 6, /expected '}' closing the config opened on line 2, got end of input$/],
  ['truncated-in-comment', 2, 11, /expected '\*\)' closing the comment opened on line 10, got end of input$/],
  ['truncated-header-only', 2, 2, /expected Knobs:, '\{', Result:, Detail: or step 1 \('1 {2}<actor> {2}<call> {2}-> <return value>'\), got end of input$/],
  ['no-trace-at-all', 2, 1, /expected a trace starting with a 'P2P <design> <preset>' header line, found none$/],
  ['header-design-misspelt', 2, 'P2P struct_page', /expected a design \(one of: struct-page, vma-p2p, dma-buf\), got 'struct_page'$/],
  ['header-without-preset', 2, 1, /expected 'P2P struct-page <preset>' \(one of: mainline, lsfmm-2020, .*\)$/],
  ['unknown-design', 2, 1, /expected a design \(one of: struct-page, vma-p2p, dma-buf\), got 'hmm-mirror'$/],
  ['unknown-preset', 2, 1, /expected a preset of struct-page \(one of: mainline, .*\), got 'lsfmm-2019'$/],
  ['unknown-knob', 2, 'Knobs:', /expected a knob of struct-page \(one of: gup_p2pdma_gate, .*\), got 'foll_longterm'$/],
  ['knob-bad-value', 2, 'Knobs:', /expected longterm_p2pdma=refused\|allowed, got 'longterm_p2pdma=maybe'$/],
  ['knob-twice', 2, 'Knobs:', /expected each knob once, got umem_p2pdma twice$/],
  ['unknown-property', 2, 'Result:', /expected a property id \(see 'p2pmodel list'\), got 'unplug-completes'$/],
  ['verdict-of-wrong-kind', 2, 'Result:', /expected a verdict of a liveness property \(holds or violated\), got 'sometimes'$/],
  ['kind-mismatch', 2, 'Result:', /expected the kind of unbind-completes, '\(liveness\)', got '\(safety\)'$/],
  ['mmap-too-many-pages', 2, 'mmap(', /expected mmap\(\) of at most 9999 pages, got 100000$/],
  ['config-zero-exporters', 2, '}', /expected an 'exporter <name>: <n> pages' line before '}': every world has an exporter$/],
  ['config-zero-pages', 2, 'exporter e0', /expected an exporter of 1 to 64 pages, got 0$/],
  ['config-too-many-pages', 2, 'exporter e0', /expected an exporter of 1 to 64 pages, got 4096$/],
  ['config-negative-pages', 2, 'exporter e0', /expected 'exporter <name>: <n> pages', got 'exporter e0: -2 pages'$/],
  ['config-zero-processes', 2, 'iommu', /expected 1 to 16 processes, got 0$/],
  ['config-too-many-processes', 2, 'iommu', /expected 1 to 16 processes, got 100000$/],
  ['config-too-many-exporters', 2, 'exporter e8', /expected at most 8 exporters$/],
  ['config-missing-route', 2, 'importer nic1', /expected a route from nic1 to e0 \('; route e0 bus-addr\|host-bridge\|none'\)$/],
  ['config-route-to-unknown-exporter', 2, 'importer nic1', /expected a route '<exporter> .*' \(exporters: e0\), got 'e1 none'$/],
  ['config-route-twice', 2, 'importer nic1', /expected one route to e0, got two$/],
  ['config-bad-route-word', 2, 'importer nic1', /expected a route bus-addr, host-bridge or none, got 'switch'$/],
  ['config-bad-quality', 2, 'importer nvme1', /expected nvme p2pdma or no-p2pdma, got 'nvme odp'$/],
  ['config-duplicate-importer', 2, 'nvme no-p2pdma', /expected a new importer name, got 'nvme0' twice$/],
  ['config-duplicate-exporter', 2, '1 page', /expected a new exporter name, got 'e0' twice$/],
  ['config-no-iommu-line', 2, '}', /expected an 'iommu on\|off; <n> processes' line before '}'$/],
  ['config-two-iommu-lines', 2, 'iommu off', /expected one iommu line, got a second$/],
  ['config-unknown-statement', 2, 'bridge rp0', /expected an exporter, importer, iommu or limits line, or '}', got 'bridge rp0: e0 nvme0'$/],
  // a line that is no statement continues the one above (mail's cut): the error says which lines it read as one
  ['config-statement-run-on', 2, 'iommu on', /got 'iommu on; 2 processes with a bridge before nic1' \(lines 8-9 read as one statement\)$/],
  ['limits-malformed', 2, 'limits 1 vma', /expected 'limits: <n> vmas, <n> mrs, <n> fds, <n> bios, <n> allocations, <n> faults', got 'limits 1 vma, 1 mr'$/],
  ['limits-out-of-range', 2, 'limits:', /expected 0 to 8 mrs, got 9$/],
  ['limits-twice', 2, 'limits:', /expected each limit once, got vmas twice$/],
  ['limits-unknown-word', 2, 'limits:', /expected a limit '<n> vma\|mr\|fd\|bio\|allocation\|fault', got '4 pages'$/],
  ['limits-two-lines', 2, 'limits: 2 vmas', /expected one limits line, got a second$/],
];

// [file, what replay says instead] : well-formed, does not reproduce
const divergent: [string, RegExp][] = [
  ['id-never-created', /^Divergence: step 2 \(line 17\): stated -> 0, now -> -EBADF$/m],
  ['errno-never-returned', /^Divergence: step 4 \(line 19\): stated -> -EWOULDBLOCK, now -> -EBUSY$/m],
  ['truncated-after-step-2', /^Returns: all 2 as stated\nResult: unbind-completes holds \(stated violated\)$/m],
  ['signature-after-step-2', /^Returns: all 2 as stated\nResult: unbind-completes holds \(stated violated\)$/m],
  ['page-out-of-range', /^Divergence: step 2 \(line 17\): stated -> 0, now -> SIGSEGV$/m],
  ['process-never-forked', /^Divergence: step 2 \(line 17\): stated -> 0, now -> -ESRCH$/m],
  ['edited-return', /^Divergence: step 4 \(line 19\): stated -> 0, now -> -EBUSY$/m],
  ['steps-swapped', /^Divergence: step 3 \(line 18\): stated -> mr0, now -> -EFAULT$/m],
  ['result-not-shown', /^Returns: all 4 as stated\nResult: no-kernel-cpu-access holds \(stated violated\)$/m],
  ['verdict-flipped', /^Result: unbind-completes violated \(stated holds\)$/m],
  ['knob-contradicts-steps', /^Divergence: step 2 \(line 18\): stated -> mr0, now -> -EREMOTEIO$/m],
  ['config-contradicts-steps', /^Divergence: step 2 \(line 18\): stated -> mr0, now -> -EOPNOTSUPP$/m],
  ['limits-contradict-steps', /^Divergence: step 2 \(line 18\): stated -> mr0, now -> -ENOMEM$/m],
];

describe('bad traces: test/corpus/bad-traces', () => {
  const dir = join(corpus, 'bad-traces');

  it('every corpus file is judged here', () => {
    const files = readdirSync(dir).map((f) => f.replace(/\.txt$/, ''));
    expect(files.sort()).toEqual([...traces.map((t) => t[0]), ...divergent.map((d) => d[0])].sort());
  });

  it.each(traces)('%s: exit %i, one line naming the file and line', async (name, code, at, message) => {
    const file = join(dir, `${name}.txt`);
    const line = lineOf(readFileSync(file, 'utf8'), at);
    expect(line).toBeGreaterThan(0);
    for (const command of ['replay', 'cite', 'compare']) {
      const r = await cli([command, file]);
      expect(r.code, command).toBe(code);
      expect(r.out).toBe('');
      oneLine(r.err);
      expect(r.err).toMatch(new RegExp(`^p2pmodel: ${escapeRe(file)}:${line}: `));
      expect(r.err.trimEnd()).toMatch(message);
    }
  });

  it.each(divergent)('%s: well-formed, does not reproduce: exit 1; cite prints it', async (name, says) => {
    const file = join(dir, `${name}.txt`);
    const r = await cli(['replay', file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(says);
    expect(r.out.endsWith('NOT reproduced.\n')).toBe(true);
    const json = JSON.parse((await cli(['replay', '--json', file])).out);
    expect(json.reproduced).toBe(false);
    for (const command of ['cite', 'compare']) {
      const c = await cli([command, file]);
      expect([c.code, c.err], command).toEqual([0, '']);
    }
  });

  it('an id never created reproduces when the trace states the no-op', async () => {
    const text = readFileSync(join(dir, 'id-never-created.txt'), 'utf8')
      .replace('ibv_dereg_mr(mr5)           -> 0', 'ibv_dereg_mr(mr5)           -> -EBADF')
      .replace('unbind_finish()             -> -EBUSY', 'unbind_finish()             -> 0')
      .replace('unbind-completes violated', 'unbind-completes holds');
    const r = await cli(['replay', '-'], text);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain('Reproduced.');
  });
});

// [file, exit code, what replay says]: each replays on the first try
const handWritten: [string, 0 | 1, RegExp][] = [
  ['minimal', 0, /^Returns: 0 as stated, 4 unknown \(\?\)\n(?:Observation .*\n(?: {2}.*\n)*)*Reproduced\.$/m],
  ['no-detail', 0, /^Result: unbind-completes violated \(stated violated\)\nDetail: unbind of exporter 0 waits on user space: .*\n(?: .*\n)*Reproduced\.$/m],
  ['unknown-verdict', 0, /^Result: unbind-completes violated \(stated \?\)\nDetail: unbind of exporter 0 waits on user space: .*\n(?: .*\n)*Reproduced\.$/m],
  ['other-world', 0, /^Observation rdma-mr-on-bar {10}sometimes at step 3$/m],
  ['trailers-trimmed', 0, /^Returns: all 4 as stated\nResult: unbind-completes violated \(stated violated\)\nReproduced\.$/m],
  ['quoted-and-folded', 0, /^Returns: all 4 as stated\nResult: unbind-completes violated \(stated violated\)\nReproduced\.$/m],
  ['quoted-three-deep-folded-at-60', 0, /^Returns: all 4 as stated\nResult: unbind-completes violated \(stated violated\)\nReproduced\.$/m],
  ['several', 1, /^Replayed 2: 1 reproduced, 1 not: line 27$/m],
  ['inline-reply', 0, /^Returns: all 4 as stated\nResult: unbind-completes violated \(stated violated\)\n(?:.*\n)*Reproduced\.$/m],
  ['scenario-quoted', 0, /^Replayed 2: 2 reproduced, 0 not$/m],
];

describe('hand-written and mailed traces: test/corpus/hand-written', () => {
  const dir = join(corpus, 'hand-written');

  it('every corpus file is judged here', () => {
    expect(readdirSync(dir).map((f) => f.replace(/\.txt$/, '')).sort()).toEqual(handWritten.map((h) => h[0]).sort());
  });

  it.each(handWritten)('%s: exit %i; --fill gives what replays (exit 0); cite and compare read it', async (name, code, says) => {
    const file = join(dir, `${name}.txt`);
    const r = await cli(['replay', file]);
    expect([r.code, r.err]).toEqual([code, '']);
    expect(r.out).toMatch(says);
    const filled = await cli(['replay', '--fill', file]);
    expect(filled.code).toBe(code);
    // what a trace stated otherwise than the model gives, on stderr
    if (code === 0) expect(filled.err).toBe('');
    else expect(filled.err).toMatch(/ not as stated: /);
    expect(filled.out.split('\n').every((l) => l.length <= 72)).toBe(true);
    const again = await cli(['replay', '-'], filled.out);
    expect([again.code, again.err]).toEqual([0, '']);
    for (const command of ['cite', 'compare']) expect((await cli([command, file])).code, command).toBe(0);
  });
});

describe('generated bad traces', () => {
  const base = readFileSync(join(corpus, 'bad-traces/edited-return.txt'), 'utf8').replace(
    'unbind_finish()             -> 0',
    'unbind_finish()             -> -EBUSY',
  );
  const step3 = '  3  e0  unbind()                    -> 0';

  it('the base of these cases reproduces', async () => {
    expect((await cli(['replay', '-'], base)).code).toBe(0);
  });

  // [name, input, exit code, line, message]; each within a second or two, however long the line
  const cases: [string, () => string | Buffer, 0 | 2, number, RegExp][] = [
    ['binary junk', () => Buffer.from([0, 1, 2, 0xff, 0xfe, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0a, 0xc3, 0x28, 0x50, 0x32, 0x50]), 2, 1, /found none$/],
    ['binary junk after a header', () => Buffer.concat([Buffer.from('P2P struct-page mainline\n'), Buffer.from([0, 0x1b, 0x9b, 0xff, 0x0a])]), 2, 2, /expected Knobs:, '\{', Result:, Detail: or step 1 .*\)$/],
    ['an empty file', () => '', 2, 1, /found none$/],
    ['a megabyte on one line', () => 'x'.repeat(1 << 20), 2, 1, /found none$/],
    ['a megabyte of spaces inside a line', () => `P2P${' '.repeat(1 << 20)}struct-page${' '.repeat(1 << 20)}x y`, 2, 1, /found none$/],
    ['a megabyte step', () => base.replace(step3, `  3  e0  unbind(${'a'.repeat(1 << 20)}) -> 0`), 2, 18, /expected step 3 within 1024 characters$/],
    ['a megabyte of arrows in a step', () => base.replace(step3, `  3  e0  unbind() ${'->'.repeat(1 << 19)} x`), 2, 18, /expected step 3 within 1024 characters$/],
    ['a megabyte of tabs in a step', () => base.replace(step3, `  3  e0  unbind()${' \t'.repeat(1 << 19)}y -> 0`), 2, 18, /expected step 3 within 1024 characters$/],
    ['a step folded over 100,000 lines', () => base.replace(step3, `  3  e0  unbind()${'\n    x'.repeat(100_000)}`), 2, 18, /expected step 3 within 1024 characters$/],
    ['a megabyte config line', () => base.replace('  iommu on; 2 processes', `  iommu on;${' '.repeat(1 << 20)}x`), 2, 8, /expected 'iommu on\|off; <n> processes', got 'iommu on; {50,}/],
    ['a megabyte route list', () => base.replace('route e0 none', `route e0 none${' ,'.repeat(1 << 19)}`), 2, 7, /expected a route '<exporter> .*, got ''$/],
    ['1000 steps', () => base.replace(step3, Array.from({ length: 998 }, (_, i) => `  ${i + 3}  p0  fork()  -> -EAGAIN`).join('\n')), 2, 1015, /expected at most 999 steps, then a Link:\/Reproduce: trailer$/],
    ['a megabyte Detail (presentation: not judged)', () => base.replace('Detail: ', `Detail: ${'d'.repeat(1 << 20)} `), 0, 0, /^$/],
    // the reader's own loops: a value still empty past blank lines, a reply's words between steps, header-like lines
    ['a Link: with no value, then 100,000 blank lines', () => `${base}Link:${'\n'.repeat(100_000)}`, 0, 0, /^$/],
    ['100,000 lines of a reply between two steps', () => base.replace(step3, `${'\nwords of a reply'.repeat(100_000)}\n\n${step3}`), 0, 0, /^$/],
    ['a trace, then 100,000 lines of prose', () => `${base}\n${'prose\n'.repeat(100_000)}`, 0, 0, /^$/],
    ['100,000 header-like lines of no design', () => 'P2P hmm x\n'.repeat(100_000), 2, 1, /expected a design \(one of: .*\), got 'hmm'$/],
    ['100,000 headers of a trace with no steps', () => 'P2P struct-page mainline\n'.repeat(100_000), 2, 2, /expected Knobs:, .* or step 1 .*, got the next header$/],
  ];

  it.each(cases)('%s: exit %i', async (name, input, code, line, message) => {
    const file = join(tmp, `${name.replace(/\W+/g, '-')}.txt`);
    writeFileSync(file, input());
    const started = performance.now();
    const r = await cli(['replay', file]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r.code).toBe(code);
    if (code === 0) return expect(r.err).toBe('');
    oneLine(r.err);
    expect(r.err.length).toBeLessThanOrEqual(401);
    expect(r.err).toMatch(new RegExp(`^p2pmodel: ${escapeRe(file)}:${line}: expected `));
    expect(r.err.trimEnd()).toMatch(message);
    // control characters of the input never reach the terminal
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them
    expect(r.err).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });
});

// [file, exit code, where, what]; each file is copied alone into a directory named by --scenarios
const scenarioCases: [string, 2, string | number, RegExp][] = [
  ['missing-header', 2, 1, /expected 'P2P scenario <name>' \(lower case, digits and '-'\)$/],
  ['name-mismatch', 2, 1, /expected the scenario name 'name-mismatch' \(its file name\), got 'sp-fork-exit'$/],
  ['missing-question', 2, 2, /expected Question: <one sentence>$/],
  ['config-zero-processes', 2, 'iommu', /expected 1 to 16 processes, got 0$/],
  ['config-too-many-importers', 2, 'importer n12', /expected at most 16 importers$/],
  ['step-with-return', 2, '  2  p0', /expected a call 'name\(args\)', got 'fork\(\) {2}-> p1'$/],
  ['unknown-call', 2, 'clone', /expected a call of the model \(such as mmap .*\), got 'clone\(\)'$/],
  ['step-numbering', 2, '  4  p0  munmap', /expected step 3, got step 4$/],
  ['no-steps', 2, 'Outcome:', /expected step 1 as ' {2}1 {2}<actor> {2}<call>'$/],
  ['outcome-unknown-design', 2, 'Outcome: hmm', /expected 'Outcome: <design> <preset>' naming a design, got 'Outcome: hmm rfc-2019'$/],
  ['outcome-unknown-preset', 2, 'rfc-2018', /expected a preset of vma-p2p \(one of: .*\), got 'rfc-2018'$/],
  ['outcome-twice', 2, 28, /expected each design\/preset once, got struct-page mainline twice$/],
  ['returns-count', 2, 'Returns:', /expected 7 return values, one per step, got 6$/],
  ['bad-return-word', 2, 'Returns:', /expected a return value \(.*\), got 'ENOMEM'$/],
  ['violates-capability', 2, 'Violates:', /expected safety or liveness property ids or 'none' after Violates:, got 'p2p-dma'$/],
  ['violates-unknown', 2, 'Violates:', /got 'no-oops'$/],
  ['property-twice', 2, 'Violates:', /expected each property once after Violates:$/],
  ['no-outcome', 2, 'Link:', /expected 'Outcome: <design> <preset>' after the steps$/],
  ['no-link', 2, 35, /expected 'Link: <url or commit>' trailers after the outcomes, got end of input$/],
  ['limits-zero-vmas', 2, 'limits:', /expected 1 to 8 vmas, got 0$/],
  ['trailing-junk', 2, 'Thanks', /expected a Link: trailer or the end of the file$/],
  ['unclosed-comment', 2, 'VM_MIXEDMAP', /expected '\*\)' closing the comment opened on line 22$/],
];

describe('bad scenario files: test/corpus/bad-scenarios through matrix --random --scenarios', () => {
  const dir = join(corpus, 'bad-scenarios');
  const alone = (file: string) => {
    const d = mkdtempSync(join(tmp, 'scenarios-'));
    copyFileSync(join(dir, file), join(d, file));
    return d;
  };

  it('every corpus file is judged here', () => {
    const files = readdirSync(dir).map((f) => f.replace(/\.txt$/, ''));
    expect(files.sort()).toEqual([...scenarioCases.map((c) => c[0]), 'outcome-differs'].sort());
  });

  it.each(scenarioCases)('%s: exit %i, one line naming the file and line', async (name, code, at, message) => {
    const d = alone(`${name}.txt`);
    const line = lineOf(readFileSync(join(dir, `${name}.txt`), 'utf8'), at);
    const r = await cli(['matrix', '--random', '--runs', '1', '--scenarios', d]);
    expect(r.code).toBe(code);
    expect(r.out).toBe('');
    oneLine(r.err);
    expect(r.err).toMatch(new RegExp(`^p2pmodel: ${escapeRe(relative(process.cwd(), join(d, `${name}.txt`)))}:${line}: `));
    expect(r.err.trimEnd()).toMatch(message);
  });

  // a scenario in a file of its own must have its name, its Link: trailers and nothing after them; replay reads one anywhere
  const fileRules = ['missing-header', 'name-mismatch', 'no-link', 'trailing-junk'];

  it.each(scenarioCases.filter(([name]) => !fileRules.includes(name)))('%s through replay: the same line and message', async (name, code, at, message) => {
    const file = join(dir, `${name}.txt`);
    const r = await cli(['replay', file]);
    expect([r.code, r.out]).toEqual([code, '']);
    oneLine(r.err);
    expect(r.err).toMatch(new RegExp(`^p2pmodel: ${escapeRe(file)}:${lineOf(readFileSync(file, 'utf8'), at)}: `));
    expect(r.err.trimEnd()).toMatch(message);
  });

  it.each(fileRules.slice(1))('%s: well-formed where replay reads it (no exit 2)', async (name) => {
    const r = await cli(['replay', join(dir, `${name}.txt`)]);
    expect(r.code).toBeLessThan(2);
    expect(r.err).toBe('');
  });

  it('outcome-differs: well-formed, does not reproduce: exit 1 naming the step', async () => {
    const r = await cli(['matrix', '--random', '--runs', '1', '--scenarios', alone('outcome-differs.txt')]);
    expect([r.code, r.err]).toEqual([1, '']);
    expect(r.out).toMatch(/^outcome-differs struct-page mainline: step 4 \(line 16\) p0: mmap\(e0, 2,\n +MAP_SHARED, 0\): expected -> vma1, got -> -ENOMEM$/m);
  });

  it.each<[string, (text: string) => string, number, RegExp]>([
    ['a megabyte step', (t) => t.replace('  2  p0  fork()', `  2  p0  fork(${'x'.repeat(1 << 20)})`), 15, /expected step 2 within 1024 characters$/],
    ['a megabyte of spaces in a config line', (t) => t.replace('  iommu on;', `  iommu on;${' '.repeat(1 << 20)}x`), 10, /expected 'iommu on\|off; <n> processes', got 'iommu on; {50,}/],
    ['a megabyte Returns: line', (t) => t.replace('Returns: vma0 p1 0 -ENOMEM 0 0 vma0', `Returns: ${'0 '.repeat(1 << 19)}`), 25, /expected 7 return values, one per step, got 524288$/],
    ['1000 steps', (t) => t.replace('  2  p0  fork()\n', Array.from({ length: 999 }, (_, i) => `  ${i + 2}  p0  fork()\n`).join('')), 1013, /expected at most 999 steps, then a blank line$/],
  ])('generated from sp-fork-exit: %s: exit 2 within a second or two', async (name, edit, line, message) => {
    const d = mkdtempSync(join(tmp, 'scenarios-'));
    const file = join(d, 'sp-fork-exit.txt');
    writeFileSync(file, edit(readFileSync(join(import.meta.dirname, '../../scenarios/sp-fork-exit.txt'), 'utf8')));
    const started = performance.now();
    const r = await cli(['matrix', '--random', '--runs', '1', '--scenarios', d]);
    expect(performance.now() - started, name).toBeLessThan(5000);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(new RegExp(`^p2pmodel: ${escapeRe(relative(process.cwd(), file))}:${line}: `));
    expect(r.err.trimEnd()).toMatch(message);
  });

  it.each<[string, () => string, RegExp]>([
    ['a directory that does not exist', () => join(tmp, 'nowhere'), /^p2pmodel: --scenarios: cannot read directory '.*nowhere': ENOENT$/],
    ['a file, not a directory', () => join(corpus, 'bad-scenarios/no-link.txt'), /^p2pmodel: --scenarios: cannot read directory '.*no-link\.txt': ENOTDIR$/],
    [
      'a directory named like a scenario',
      () => {
        const d = mkdtempSync(join(tmp, 'scenarios-'));
        mkdirSync(join(d, 'looks-like-one.txt'));
        return d;
      },
      /^p2pmodel: .*looks-like-one\.txt: cannot read: EISDIR$/,
    ],
  ])('--scenarios naming %s: exit 2', async (_name, dir, message) => {
    const r = await cli(['matrix', '--random', '--runs', '1', '--scenarios', dir()]);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err.trimEnd()).toMatch(message);
  });
});

describe('bad options, for every subcommand: exit 2, one line naming the option', () => {
  const sp = ['--design', 'struct-page'];
  const cases: [string[], RegExp][] = [
    [[], /^p2pmodel: a command is required \(one of: list, explore, check, replay, compare, cite, matrix; see --help\)$/],
    [['frob'], /^p2pmodel: unknown command 'frob'$/],
    [['help', 'chek'], /^p2pmodel: help: unknown command 'chek' \(one of: list, explore, check, replay, compare, cite, matrix\)$/],
    [['list', '--frob'], /^p2pmodel: unknown option '--frob'$/],
    [['list', 'extra'], /^p2pmodel: too many arguments for 'list'/],
    [['explore'], /^p2pmodel: --design is required \(one of: struct-page, vma-p2p, dma-buf\)$/],
    [['explore', '--design'], /^p2pmodel: option '--design <id>' argument missing$/],
    [['explore', '--design', 'hmm'], /^p2pmodel: --design: unknown design 'hmm'/],
    [['explore', ...sp, '--preset', 'rfc-2019'], /^p2pmodel: --preset: unknown preset 'rfc-2019' of struct-page \(one of: mainline, /],
    [['explore', ...sp, '--knob', 'gup_p2pdma_gate'], /^p2pmodel: --knob: expected name=value, got 'gup_p2pdma_gate'$/],
    [['explore', ...sp, '--knob', 'frob=on'], /^p2pmodel: --knob: expected a knob of struct-page \(one of: .*\), got 'frob'$/],
    [['explore', ...sp, '--knob', 'gup_p2pdma_gate=maybe'], /^p2pmodel: --knob: expected gup_p2pdma_gate=on\|off, got 'gup_p2pdma_gate=maybe'$/],
    [['explore', ...sp, '--knob', 'gup_p2pdma_gate=on', '--knob', 'gup_p2pdma_gate=off'], /^p2pmodel: --knob: expected each knob once, got gup_p2pdma_gate twice$/],
    [['explore', ...sp, '--property', 'no-oops'], /^p2pmodel: --property: unknown property 'no-oops' \(one of: dma-to-live-allocation, .*\)$/],
    [['explore', ...sp, '--runs', '0'], /^p2pmodel: --runs: expected a whole number from 1 to 10000000, got '0'$/],
    [['explore', ...sp, '--runs', '1e3'], /^p2pmodel: --runs: expected a whole number from 1 to 10000000, got '1e3'$/],
    [['explore', ...sp, '--runs', '99999999999999999999'], /^p2pmodel: --runs: expected a whole number from 1 to 10000000, got/],
    [['explore', ...sp, '--seed', '-1'], /^p2pmodel: --seed: expected a whole number from 0 to 4294967295, got '-1'$/],
    [['explore', ...sp, '--world', 'nope'], /^p2pmodel: --world: no shipped world 'nope' \(one of: default, minimal, routes\) and no file: ENOENT$/],
    [['explore', ...sp, '--path', '1:2'], /^p2pmodel: --path: needs exactly one --property$/],
    [['explore', ...sp, '--property', 'no-leak', '--path', '1;2'], /^p2pmodel: --path: malformed path '1;2'$/],
    [
      ['explore', ...sp, '--preset', 'bug-insert-leak', '--property', 'no-leak', '--runs', '50', '--path', '49:999:3'],
      /^p2pmodel: --path: 49:999:3 is not the path of a run with --seed 42 --runs 50 /,
    ],
    // a run past --runs, or a run that does not show the property, replays nothing
    [['explore', ...sp, '--property', 'p2p-dma', '--path', '999999:1:2'], /^p2pmodel: --path: 999999:1:2 is not the path of a run with --seed 42 /],
    [['explore', ...sp, '--property', 'p2p-dma', '--path', '1:99999'], /^p2pmodel: --path: 1:99999 is not the path of a run with --seed 42 /],
    [['explore', ...sp, 'stray'], /^p2pmodel: too many arguments for 'explore'/],
    [['check'], /^p2pmodel: --design is required/],
    [['check', ...sp, '--depth', '0'], /^p2pmodel: --depth: expected a whole number from 1 to \d+, got '0'$/],
    [['check', ...sp, '--depth', '2', '--max-states', 'lots'], /^p2pmodel: --max-states: expected a whole number from 1 to \d+, got 'lots'$/],
    [['check', ...sp, '--world', 'nope'], /^p2pmodel: --world: no shipped world 'nope' /],
    [['check', ...sp, '--depth', '2', '--symmetry'], /^p2pmodel: unknown option '--symmetry' \(Did you mean --no-symmetry\?\)$/],
    [['check', ...sp, '--depth', '2', '--knob', 'importer=obeys'], /^p2pmodel: --knob: expected a knob of struct-page \(one of: .*\), got 'importer'$/],
    [['replay'], /^p2pmodel: missing required argument 'file'$/],
    [['replay', 'a.txt', 'b.txt'], /^p2pmodel: too many arguments for 'replay'/],
    [['replay', '/nonexistent/trace.txt'], /^p2pmodel: \/nonexistent\/trace\.txt: cannot read: ENOENT$/],
    [['replay', tmpdir()], /: cannot read: EISDIR$/],
    [['replay', '-', '--columns'], /^p2pmodel: unknown option '--columns'$/],
    [['cite'], /^p2pmodel: missing required argument 'file'$/],
    [['cite', tmpdir()], /: cannot read: EISDIR$/],
    [['cite', '-', '--json'], /^p2pmodel: unknown option '--json'$/],
    [['replay', '-', '--fill', '--verbose'], /^p2pmodel: --fill prints traces: not with --json or --verbose$/],
    [['replay', '-', '--design', 'hmm'], /^p2pmodel: --design: unknown design 'hmm'/],
    [['replay', '-', '--world', 'nope'], /^p2pmodel: --world: no shipped world 'nope' /],
    [['compare'], /^p2pmodel: missing required argument 'file'$/],
    [['compare', '-', '--design', 'struct-page/nope'], /^p2pmodel: --design: unknown preset 'nope' of struct-page/],
    [['compare', '-', '--design', 'vma-p2p/rfc-2019/x'], /^p2pmodel: --design: expected a design or design\/preset, got 'vma-p2p\/rfc-2019\/x'$/],
    [['compare', '-', '--columns'], /^p2pmodel: unknown option '--columns'$/],
    [['compare', tmpdir()], /: cannot read: EISDIR$/],
    [['matrix', '--markdown', '--json'], /^p2pmodel: --markdown and --json exclude each other$/],
    [['matrix', '--runs', '2000'], /^p2pmodel: --runs: only with --random$/],
    [['matrix', '--random', '--runs', 'x'], /^p2pmodel: --runs: expected a whole number from 1 to 10000000, got 'x'$/],
    [['matrix', '--random', '--runs', '10000001'], /^p2pmodel: --runs: expected a whole number from 1 to 10000000, got '10000001'$/],
    [['matrix', '--random', '--seed', '4.2'], /^p2pmodel: --seed: expected a whole number from 0 to 4294967295, got '4\.2'$/],
    [['matrix', '--world', 'nope'], /^p2pmodel: --world: no shipped world 'nope' /],
    [['matrix', '--scenarios'], /^p2pmodel: option '--scenarios <dir>' argument missing$/],
    [['explore', '--design', '\x1b[31mred\x07'], /^p2pmodel: --design: unknown design '\\u001b\[31mred\\u0007'/],
    [['explore', '--design', 'x'.repeat(1 << 20)], /^p2pmodel: --design: unknown design 'xxx+\.\.\.$/],
  ];

  it.each(cases.map(([argv, message]) => [JSON.stringify(argv).slice(0, 100), argv, message] as const))('%s', async (_name, argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    oneLine(r.err);
    expect(r.err.trimEnd()).toMatch(message);
    expect(r.err.length).toBeLessThanOrEqual(401);
  });

  it('a world whose states do not fit in memory: exit 2, one line', async () => {
    const file = join(tmp, 'huge-world.txt');
    const importer = (n: string, kind: string) => `  importer ${n}: ${kind}; route e0 bus-addr, e1 bus-addr`;
    const world = ['{', '  exporter e0: 64 pages', '  exporter e1: 64 pages', importer('n0', 'nvme p2pdma'), importer('n1', 'rdma odp'), importer('n2', 'nvme p2pdma'), importer('n3', 'rdma odp')];
    writeFileSync(file, [...world, '  iommu on; 16 processes', '  limits: 8 vmas, 8 mrs, 8 fds, 8 bios, 16 allocations, 8 faults', '}', ''].join('\n'));
    const r = await cli(['check', '--design', 'vma-p2p', '--world', file, '--depth', '1']);
    expect([r.code, r.out]).toEqual([2, '']);
    oneLine(r.err);
    expect(r.err).toMatch(/^p2pmodel: out of memory: this world's states do not fit \(.*\); search a smaller world, or use explore\n$/);
  });

  it('--help is not an error', async () => {
    const r = await cli(['explore', '--help']);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain('--design <id>');
  });
});

describe('the binary (spawned)', () => {
  const bin = join(import.meta.dirname, '../../bin/p2pmodel.js');

  it('binary junk in a file: exit 2, one line naming it', () => {
    const file = join(tmp, 'junk.bin');
    writeFileSync(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0x1b, 0x5d, 0x0a, 0xff]));
    const r = spawnSync(bin, ['replay', file], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`p2pmodel: ${file}:1: expected a trace starting with a 'P2P <design> <preset>' header line, found none\n`);
  });

  it('a bad option: exit 2, one line naming it', () => {
    const r = spawnSync(bin, ['check', '--design', 'vma-p2p', '--depth', 'deep'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^p2pmodel: --depth: expected a whole number from 1 to \d+, got 'deep'\n$/);
  });
});
