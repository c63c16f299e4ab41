#!/usr/bin/env node
// Run a TypeScript entry point of this package: `node bin/run.js FILE.ts
// [ARGS...]`. The sources are bundled with esbuild, dependencies and all,
// to one ES module in the OS's temporary directory, then imported. No
// build step after npm install, and no `keepNames` transform: tsx's
// makes the exhaustive search ten times slower (a class or function
// renamed after it is made defeats V8's inlining).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Each module keeps its own import.meta.url (scenarios/ and worlds/ find their files by it). */
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/** Bundle `entry` (a path) and import it; returns the module. */
export async function runTs(entry) {
  const result = await build({
    entryPoints: [resolve(entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [sourceUrls],
    // commander is CommonJS: give the bundle a require()
    banner: { js: "import { createRequire as __p2pRequire } from 'node:module'; const require = __p2pRequire(import.meta.url);" },
  });
  const code = result.outputFiles[0].text;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `p2pmodel-${basename(entry, '.ts')}-${hash}.mjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return import(pathToFileURL(file).href);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, ...args] = process.argv.slice(2);
  process.argv = [process.argv[0], resolve(entry), ...args];
  await runTs(entry);
}
