// Long runs show progress on a terminal (README, Commands): throttled status
// lines on stderr, erased before the result; never on a pipe, never in stdout.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type Io, processIo } from '../../cli/context.js';
import { statusLine } from '../../cli/progress.js';
import { designs } from '../../model/designs.js';
import { cli } from './fake-io.js';

const recorder = () => {
  const lines: string[] = [];
  const io: Io = { out: () => {}, err: () => {}, readStdin: async () => Buffer.alloc(0), status: (l) => lines.push(l) };
  return { io, lines };
};

afterEach(() => {
  vi.restoreAllMocks();
});

const tmp = mkdtempSync(join(tmpdir(), 'p2p-progress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** A world whose complete search of every preset takes a moment. */
const tiny = join(tmp, 'tiny.txt');
writeFileSync(
  tiny,
  '{\n  exporter e0: 1 page\n  importer nic0: rdma odp; route e0 bus-addr\n  iommu on; 1 process\n  limits: 1 vma, 1 mr, 0 bios, 1 allocation, 0 faults\n}\n',
);

describe('statusLine', () => {
  it('shows at most one line per 100 ms, builds a line only to show it, whole (the terminal cuts it to its width)', () => {
    const { io, lines } = recorder();
    let t = 1000;
    const status = statusLine(io, () => t);
    const built: string[] = [];
    const line = (s: string) => () => {
      built.push(s);
      return s;
    };
    status.report(line('a'));
    t += 99;
    status.report(line('b'));
    t += 1;
    status.report(line('x'.repeat(80)));
    expect(lines).toEqual(['a', 'x'.repeat(80)]);
    expect(built).toEqual(['a', 'x'.repeat(80)]);
  });

  it('clear erases only if a line was shown', () => {
    const quiet = recorder();
    statusLine(quiet.io).clear();
    expect(quiet.lines).toEqual([]);
    const shown = recorder();
    const status = statusLine(shown.io);
    status.report(() => 'working');
    status.clear();
    expect(shown.lines).toEqual(['working', '']);
  });
});

describe('processIo.status', () => {
  it('writes carriage return, line and erase-to-end on a terminal, nothing on a pipe', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    const columns = Object.getOwnPropertyDescriptor(process.stderr, 'columns');
    try {
      Object.defineProperty(process.stderr, 'columns', { value: 100, configurable: true });
      Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
      processIo.status('run 1/2');
      expect(write).not.toHaveBeenCalled();
      Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
      processIo.status('run 1/2');
      expect(write).toHaveBeenCalledWith('\rrun 1/2\x1b[K');
      // cut to the terminal's width (one column to spare), however wide it is
      processIo.status('y'.repeat(150));
      expect(write).toHaveBeenLastCalledWith(`\r${'y'.repeat(99)}\x1b[K`);
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
      if (columns) Object.defineProperty(process.stderr, 'columns', columns);
      else delete (process.stderr as { columns?: number }).columns;
    }
  });
});

const presetCount = designs.reduce((n, d) => n + d.presets.length, 0);

describe('long runs', () => {
  it.each([
    [['check', '--design', 'struct-page', '--depth', '5'], /^check struct-page mainline: depth [1-5], states \d+, transitions \d+$/],
    [['check', '--design', 'vma-p2p', '--preset', 'exporter-no-wait'], /^check vma-p2p exporter-no-wait: depth \d+, states \d+, transitions \d+$/],
    [['explore', '--design', 'vma-p2p', '--runs', '300'], /^explore vma-p2p rfc-2019: (run \d+\/300|shrinking [a-z0-9-]+)$/],
    [['matrix', '--random', '--runs', '50'], new RegExp(`^matrix (struct-page|vma-p2p|dma-buf) [a-z0-9.-]+ \\(\\d+/${presetCount}\\)(: run \\d+/50|: shrinking [a-z0-9-]+)?$`)],
    [['matrix', '--world', tiny], new RegExp(`^matrix (struct-page|vma-p2p|dma-buf) [a-z0-9.-]+ \\(\\d+/${presetCount}\\)$`)],
  ])('%j shows progress, then erases it; stdout does not carry it', async (argv, shape) => {
    const r = await cli(argv);
    expect(r.status.length).toBeGreaterThanOrEqual(2);
    expect(r.status.at(-1)).toBe('');
    for (const line of r.status.slice(0, -1)) expect(line).toMatch(shape);
    expect(r.out).not.toMatch(/\r/);
  });

  it('a quick command (list) shows none', async () => {
    expect((await cli(['list'])).status).toEqual([]);
  });
});
