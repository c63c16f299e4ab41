// bin/run.js: a bundle is reused only while every file in it is unchanged,
// and only if it is the bundle that was built.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types
import { bundleDir, runTs } from '../../bin/run.js';

const bundlesOf = (name: string) => readdirSync(bundleDir()).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.mjs'));

describe('runTs', () => {
  it('rebuilds when an imported file changes, and reuses the bundle otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-test-'));
    const name = `entry${process.pid}x${Date.now()}`;
    const entry = join(dir, `${name}.ts`);
    writeFileSync(entry, "import { value } from './part.js';\nexport const answer: number = value;\n");
    writeFileSync(join(dir, 'part.ts'), 'export const value = 1;\n');
    expect((await runTs(entry)).answer).toBe(1);
    expect((await runTs(entry)).answer).toBe(1);
    expect(bundlesOf(name)).toHaveLength(1);
    writeFileSync(join(dir, 'part.ts'), 'export const value = 2;\n');
    expect((await runTs(entry)).answer).toBe(2);
    expect(bundlesOf(name)).toHaveLength(2);
  });

  it('does not run a bundle that is not the one it built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-test-'));
    const name = `entry${process.pid}y${Date.now()}`;
    const entry = join(dir, `${name}.ts`);
    writeFileSync(entry, 'export const answer: number = 1;\n');
    expect((await runTs(entry)).answer).toBe(1);
    const [bundle] = bundlesOf(name);
    const path = join(bundleDir(), bundle!);
    writeFileSync(path, readFileSync(path, 'utf8').replace('answer = 1', 'answer = 666'));
    await runTs(entry);
    // built again and put back (this process's module cache would hide what ran)
    expect(readFileSync(path, 'utf8')).toContain('answer = 1');
    expect(bundlesOf(name)).toEqual([bundle]);
  });
});
