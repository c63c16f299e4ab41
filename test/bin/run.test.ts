// bin/run.js: a bundle is reused only while every file in it is unchanged.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types
import { runTs } from '../../bin/run.js';

const bundlesOf = (name: string) => readdirSync(tmpdir()).filter((f) => f.startsWith(`p2pmodel-${name}-`) && f.endsWith('.mjs'));

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
});
