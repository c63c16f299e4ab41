// Provisional printer (issue 4 replaces it with the full format).
import { formatCall } from '../model/format.js';
import type { Trace } from './trace.js';

export function printTrace(t: Trace): string {
  const lines = [`${t.design} ${t.preset}: ${t.property} ${t.verdict}`, `  ${t.detail}`];
  t.steps.forEach((s, i) => {
    const { actor, call } = formatCall(s.action, t.config);
    lines.push(`${String(i + 1).padStart(3)} ${actor.padEnd(6)} ${call} -> ${s.ret}`);
  });
  for (const link of t.links) lines.push(`Link: ${link}`);
  lines.push(t.command);
  return lines.join('\n') + '\n';
}
