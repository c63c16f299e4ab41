// Entry point of the p2pmodel binary.
import { processIo } from './context.js';
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2), processIo);
