// p2pmodel replay and cite through the CLI's run() with a fake Io; one
// spawned smoke test of the binary reading stdin.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { cli, exploreTraces, mangled } from './support.js';
import { printTrace } from '../../trace/print.js';
import { COLUMNS_NOTE } from '../../trace/cite.js';

const byLabel = (label: string) => {
  const f = exploreTraces().find((x) => x.label === label);
  if (!f) throw new Error(`no trace ${label}`);
  return printTrace(f.trace);
};

const kcpu = () => byLabel('struct-page lsfmm-2020 no-kernel-cpu-access');
const unbind = () => byLabel('struct-page lsfmm-2020 unbind-completes');

/** 1-based number of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string) => text.split(/\r?\n/).findIndex((l) => l.includes(needle)) + 1;

describe('p2pmodel replay', () => {
  it('reproduces a trace from stdin: exit 0', async () => {
    const { code, out, err } = await cli(['replay', '-'], kcpu());
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('Result: no-kernel-cpu-access violated (stated violated)');
    expect(out).toContain('Reproduced.');
  });

  it('reproduces every explore trace through the CLI, mail-mangled too', async () => {
    for (const { label, trace } of exploreTraces()) {
      const text = mangled(printTrace(trace))['all of it']!;
      const { code, err } = await cli(['replay', '-'], text);
      expect(`${code} ${err}`, label).toBe('0 ');
    }
  });

  it('--json follows the contract', async () => {
    const text = kcpu();
    const { code, out } = await cli(['replay', '-', '--json'], text);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({
      file: '<stdin>',
      design: 'struct-page',
      preset: 'lsfmm-2020',
      property: 'no-kernel-cpu-access',
      stated: 'violated',
      reproduced: true,
      divergence: null,
    });
    expect(json.steps).toEqual([
      { n: 1, line: lineOf(text, '  1  '), call: 'p0: mmap(e0, 1, MAP_SHARED, 0)', stated: 'vma0', now: 'vma0' },
      { n: 2, line: lineOf(text, '  2  '), call: 'p0: process_vm_readv(vma0, 0)', stated: '0', now: '0' },
    ]);
  });

  it('an edited return value: exit 1 naming the step and its line', async () => {
    const text = unbind().replace('unbind()                    -> 0', 'unbind()                    -> -EBUSY');
    expect(text).not.toBe(unbind());
    const line = lineOf(text, '  3  e0');
    const { code, out } = await cli(['replay', '-'], text);
    expect(code).toBe(1);
    expect(out).toContain(`Divergence: step 3 (line ${line}): stated -> -EBUSY, now -> 0`);
    expect(out).toContain('NOT reproduced.');
    const json = JSON.parse((await cli(['replay', '-', '--json'], text)).out);
    expect(json.divergence).toEqual({ step: 3, line, stated: '-EBUSY', now: '0' });
    expect(json.reproduced).toBe(false);
    // the line is counted in the input as given: prose and quoting shift it
    const mailed = mangled(text)['all of it']!;
    const { code: c2, out: o2 } = await cli(['replay', '-'], mailed);
    expect(c2).toBe(1);
    expect(o2).toContain(`Divergence: step 3 (line ${lineOf(mailed, '  3  e0')}):`);
  });

  it('a verdict that does not reproduce: exit 1', async () => {
    const text = kcpu().replace('no-kernel-cpu-access violated', 'no-kernel-cpu-access holds');
    const { code, out } = await cli(['replay', '-'], text);
    expect(code).toBe(1);
    expect(out).toContain('Result: no-kernel-cpu-access violated (stated holds)');
  });

  it('--verbose shows what each step changed in the decoded state, in the names the trace uses', async () => {
    const { code, out } = await cli(['replay', '-', '--verbose'], kcpu());
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
    const json = JSON.parse((await cli(['replay', '-', '--verbose', '--json'], kcpu())).out);
    expect(json.steps.map((s: { changes: string[] }) => s.changes)).toEqual([
      ['e0.pgmap_ref: 2 -> 3', 'e0.page0.refcount: 0 -> 1', 'e0.page0.owner: null -> "a0"', expect.stringMatching(/^p0\.vma0: \+ /), expect.stringMatching(/^a0: \+ /)],
      [],
    ]);
    // without --verbose, no diff at all
    expect((await cli(['replay', '-'], kcpu())).out).not.toContain('e0.pgmap_ref');
  });

  describe('malformed traces: exit 2, one line FILE:LINE: expected ...', () => {
    const cases: [string, (t: string) => string, (t: string) => number, RegExp][] = [
      [
        'truncated after step 1',
        (t) => t.slice(0, t.indexOf('  2  p0')),
        (t) => t.split('\n').length,
        /expected step 2 or a Link:\/Reproduce: trailer, got end of input/,
      ],
      [
        'truncated before the Reproduce: trailer',
        (t) => t.slice(0, t.indexOf('Reproduce:')),
        (t) => t.split('\n').length,
        /expected a Link: or Reproduce: trailer, got end of input/,
      ],
      [
        'cut by a signature',
        (t) => t.slice(0, t.indexOf('  2  p0')) + '-- \nLogan\n',
        (t) => lineOf(t, '-- '),
        /expected step 2 or a Link:\/Reproduce: trailer, got the signature/,
      ],
      [
        'unknown action',
        (t) => t.replace('process_vm_readv(vma0, 0)', 'process_vm_writev(vma0, 0)'),
        (t) => lineOf(t, 'process_vm_writev'),
        /expected a call of the model \(such as mmap .*\), got 'process_vm_writev\(\)'/,
      ],
      [
        'call with wrong arguments',
        (t) => t.replace('mmap(e0, 1, MAP_SHARED, 0)', 'mmap(e9, 1, MAP_SHARED, 0)'),
        (t) => lineOf(t, 'mmap(e9'),
        /expected mmap\(EXPORTER, PAGES, MAP_SHARED\|MAP_PRIVATE, OFFSET\), got/,
      ],
      [
        'bad return value',
        (t) => t.replace('-> vma0', '-> -EWHATEVER'),
        (t) => lineOf(t, '-EWHATEVER'),
        /expected a return value \(0, vmaN, .*\), got '-EWHATEVER'/,
      ],
      [
        'missing return value',
        (t) => t.replace('  -> vma0', ''),
        (t) => lineOf(t, '  1  p0'),
        /expected '-> <return value>' ending step 1/,
      ],
      [
        'missing header',
        (t) => t.replace(/^P2P .*\n/, ''),
        (t) => lineOf(t, '{'),
        /expected a trace starting with a 'P2P <design> <preset>' header line before this line/,
      ],
      [
        'no trace at all',
        () => 'Hi,\n\nI disagree.\n',
        () => 1,
        /expected a trace starting with a 'P2P <design> <preset>' header line, found none/,
      ],
      [
        'unknown design',
        (t) => t.replace('P2P struct-page', 'P2P hmm-mirror'),
        () => 1,
        /expected a design \(one of: .*struct-page.*\), got 'hmm-mirror'/,
      ],
      [
        'unknown preset',
        (t) => t.replace('P2P struct-page lsfmm-2020', 'P2P struct-page lsfmm-2019'),
        () => 1,
        /expected a preset of struct-page \(one of: mainline, .*\), got 'lsfmm-2019'/,
      ],
      [
        'config without a route',
        (t) => t.replace('importer nic1: rdma no-odp; route e0 none', 'importer nic1: rdma no-odp'),
        (t) => lineOf(t, 'importer nic1'),
        /expected a route from nic1 to e0/,
      ],
      [
        'a limit out of its range',
        (t) => t.replace('limits: 1 vma,', 'limits: 0 vmas,'),
        (t) => lineOf(t, 'limits:'),
        /expected 1 to 8 vmas, got 0/,
      ],
      [
        'verdict of the wrong kind',
        (t) => t.replace('no-kernel-cpu-access violated', 'no-kernel-cpu-access sometimes'),
        (t) => lineOf(t, 'Result:'),
        /expected a verdict of a safety property \(holds or violated\), got 'sometimes'/,
      ],
      [
        'steps out of order',
        (t) => t.replace('  2  p0', '  3  p0'),
        (t) => lineOf(t, '  3  p0'),
        /expected step 2, got step 3/,
      ],
    ];
    for (const [name, edit, line, message] of cases)
      it(name, async () => {
        const text = edit(kcpu());
        const { code, out, err } = await cli(['replay', '-'], text);
        expect(code).toBe(2);
        expect(out).toBe('');
        expect(err.endsWith('\n') && err.split('\n').length).toBe(2);
        expect(err).toMatch(new RegExp(`^p2pmodel: <stdin>:${line(text)}: `));
        expect(err).toMatch(message);
        // the same through cite, and with the file's own name
        expect((await cli(['cite', '-'], text)).code).toBe(2);
      });

    it('names the file as given, counting lines of the input as given', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'p2ptrace-'));
      const file = join(dir, 'reply.eml');
      const text = mangled(kcpu().replace('-> vma0', '-> vma'))['all of it']!;
      writeFileSync(file, text);
      const { code, err } = await cli(['replay', file]);
      expect(code).toBe(2);
      expect(err).toBe(`p2pmodel: ${file}:${lineOf(text, '  1  p0')}: expected a return value (0, vmaN, ioN, mrN, fdN, pN, a Linux errno such as -EREMOTEIO, SIGBUS, SIGSEGV or BOUND), got 'vma'\n`);
    });

    it('an unreadable file is a usage error', async () => {
      const { code, err } = await cli(['replay', '/nonexistent/trace.txt']);
      expect(code).toBe(2);
      expect(err).toMatch(/\/nonexistent\/trace\.txt: cannot read: ENOENT/);
    });
  });
});

describe('p2pmodel cite', () => {
  it('prints the canonical trace, whatever mail did to it', async () => {
    const text = kcpu();
    const { code, out } = await cli(['cite', '-'], mangled(text)['all of it']);
    expect(code).toBe(0);
    expect(out).toBe(text);
  });

  it('--columns: one column per actor group, within 72 columns', async () => {
    const { code, out } = await cli(['cite', '-', '--columns'], byLabel('struct-page lsfmm-2020 unbind-completes'));
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(COLUMNS_NOTE);
    expect(lines.every((l) => l.length <= 72)).toBe(true);
    const titles = lines.find((l) => l.includes('user: p0'))!;
    expect(titles).toMatch(/user: p0 +device: nic0 +kernel: e0|user: p0 +kernel: e0/);
    // a kernel step sits in a column right of the user's
    const unbindRow = lines.find((l) => l.includes('unbind() -> 0'))!;
    expect(unbindRow.indexOf('unbind()')).toBe(titles.indexOf('kernel: e0'));
  });
});

describe('p2pmodel binary', () => {
  it('replays a quoted trace from stdin (spawned)', () => {
    const text = mangled(kcpu())['all of it']!;
    const r = spawnSync(join(import.meta.dirname, '../../bin/p2pmodel.js'), ['replay', '-'], { input: text, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Reproduced.');
  });
});

it('traces exist for every registered design', () => {
  for (const d of designs) expect(exploreTraces().some((f) => f.trace.design === d.id), d.id).toBe(true);
});

it('replay refuses the columns view, naming its first line', async () => {
  const columns = (await cli(['cite', '-', '--columns'], byLabel('struct-page lsfmm-2020 unbind-completes'))).out;
  const { code, err } = await cli(['replay', '-'], 'See:\n\n' + columns);
  expect(code).toBe(2);
  expect(err).toBe("p2pmodel: <stdin>:3: expected a plain trace, not the columns view (use 'p2pmodel cite' without --columns)\n");
});
