#!/usr/bin/env node
// Run a TypeScript entry point of this package: `node bin/run.js FILE.ts
// [ARGS...]`. The sources are bundled with esbuild, dependencies and all,
// to one ES module in the package's node_modules/.cache (a directory only
// its owner writes: a bundle found there is run), then imported. No
// build step after npm install, and no `keepNames` transform: tsx's
// makes the exhaustive search ten times slower (a class or function
// renamed after it is made defeats V8's inlining). A bundle is reused
// while every file that went into it has the same content: a command
// then starts without running esbuild (a third of a second saved).
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const sha = (text) => createHash('sha256').update(text).digest('hex').slice(0, 16);

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

/** Write `text` to `file` atomically, so a concurrent run never reads half of it. */
function publish(file, text) {
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, text);
  renameSync(partial, file);
}

/** The file's content hash, or null if it cannot be read. */
function hashOf(path) {
  try {
    return sha(readFileSync(path));
  } catch {
    return null;
  }
}

/** Where bundles are kept: the package's own cache, or (read-only package) a fresh private directory. */
export function bundleDir() {
  const own = fileURLToPath(new URL('../node_modules/.cache/p2p-bar-model/', import.meta.url));
  try {
    mkdirSync(own, { recursive: true, mode: 0o700 });
    accessSync(own, constants.W_OK);
    return own;
  } catch {
    try {
      return mkdtempSync(join(tmpdir(), 'p2pmodel-'));
    } catch (err) {
      process.stderr.write(`p2pmodel: nowhere to write the bundle: ${own} and ${tmpdir()}: ${err.code ?? err}\n`);
      process.exit(2);
    }
  }
}

/** The cached bundle of `entry` if it is the one built and none of its inputs changed since, else null. */
function cached(manifest) {
  if (!existsSync(manifest)) return null;
  try {
    const { bundle, hash, inputs } = JSON.parse(readFileSync(manifest, 'utf8'));
    if (hashOf(bundle) !== hash) return null;
    for (const [path, h] of Object.entries(inputs)) if (hashOf(path) !== h) return null;
    return bundle;
  } catch {
    return null;
  }
}

/** Bundle `entry` (a path) and import it; returns the module. */
export async function runTs(entry) {
  const entryPath = resolve(entry);
  const dir = bundleDir();
  const manifest = join(dir, `${basename(entry, '.ts')}-${sha(entryPath)}.inputs.json`);
  const reuse = cached(manifest);
  if (reuse) return import(pathToFileURL(reuse).href);
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entryPath],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [sourceUrls],
    // commander is CommonJS: give the bundle a require()
    banner: { js: "import { createRequire as __p2pRequire } from 'node:module'; const require = __p2pRequire(import.meta.url);" },
  });
  const code = result.outputFiles[0].text;
  const hash = sha(code);
  const bundle = join(dir, `${basename(entry, '.ts')}-${hash}.mjs`);
  if (hashOf(bundle) !== hash) publish(bundle, code);
  // esbuild names inputs relative to the working directory
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((p) => [resolve(p), hashOf(resolve(p))]));
  publish(manifest, JSON.stringify({ bundle, hash, inputs }));
  return import(pathToFileURL(bundle).href);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, ...args] = process.argv.slice(2);
  process.argv = [process.argv[0], resolve(entry), ...args];
  await runTs(entry);
}
