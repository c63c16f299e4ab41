#!/usr/bin/env node
// The p2pmodel binary: the TypeScript CLI, bundled and run by bin/run.js.
import { fileURLToPath } from 'node:url';
import { runTs } from './run.js';

await runTs(fileURLToPath(new URL('../cli/main.ts', import.meta.url)));
