// The traces and scenarios of an input file (or stdin), parsed, for
// replay, compare and cite.
import { readFile } from 'node:fs/promises';
import { designs } from '../model/designs.js';
import { type ParsedScenario, parseScenarioAt } from '../scenarios/format.js';
import { fold } from '../trace/layout.js';
import { eachDocument, findDocument, type Line, type ParsedTrace, parseTraceAt, type ReadOptions, unmail } from '../trace/parse.js';
import type { Ctx } from './context.js';
import { usage } from './errors.js';

/** One trace or scenario of an input, in the order they come. */
export type Document = { readonly kind: 'trace'; readonly parsed: ParsedTrace } | { readonly kind: 'scenario'; readonly parsed: ParsedScenario };

/** A file's text: UTF-8, or UTF-16 by its byte-order mark (Windows PowerShell 5 writes `>` so). */
function decoded(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.toString('utf16le', 2);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
  return bytes.toString('utf8');
}

/** The text of `file` (`-`: stdin, named `<stdin>`); an unreadable file is a usage error. */
async function readText(ctx: Ctx, file: string): Promise<{ name: string; text: string }> {
  const name = file === '-' ? '<stdin>' : file;
  try {
    return { name, text: decoded(file === '-' ? await ctx.io.readStdin() : await readFile(file)) };
  } catch (err) {
    return usage(`${name}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

const designIds = designs.map((d) => d.id).join('|');
/** check's or explore's own output: its first line names the design searched. */
const searchOutput = (lines: readonly Line[]) => new RegExp(`^(?:Check (?:${designIds})|(?:${designIds}) preset) `).test(lines.find((l) => l.text !== '')?.text ?? '');

/** What replay, cite and compare say of a search's output with no trace in it. */
export const noTrace = (command: string, name: string) =>
  `${fold(`${command} ${name}:`, 'no trace in it (the search found nothing violated or witnessed)', { indent: 2 }).join('\n')}\n`;

/**
 * Every trace and scenario in `file`, parsed (a malformed one throws
 * TraceSyntaxError: `FILE:LINE: expected ...`, exit 2). check's and
 * explore's output holds none when nothing was violated or witnessed:
 * that is no trace, not bad input.
 */
export async function readDocuments(ctx: Ctx, file: string, opts: ReadOptions = {}): Promise<{ name: string; documents: Document[] }> {
  const { name, text } = await readText(ctx, file);
  const lines = unmail(text);
  if (searchOutput(lines) && !findDocument(lines, 0)) return { name, documents: [] };
  const documents = eachDocument(lines, name, (d): { value: Document; next: number } => {
    if (d.kind === 'scenario') {
      const { parsed, next } = parseScenarioAt(lines, d.at, name, opts);
      return { value: { kind: 'scenario', parsed }, next };
    }
    const { parsed, next } = parseTraceAt(lines, d.at, name, opts);
    return { value: { kind: 'trace', parsed }, next };
  });
  return { name, documents };
}
