// The columns view of a trace (`cite --columns`), as kernel commit
// messages show a race (`CPU0 / CPU1`): one column per actor group, each
// step in its column, every line within 72 columns. It is for reading
// only and says so on its first line; the canonical text (print.ts) is
// what replay reads.
import type { Action } from '../model/vocabulary.js';
import { headerLines, stepCells, trailerLines } from './print.js';
import { COLUMNS_NOTE, WIDTH } from './layout.js';
import type { Trace } from './trace.js';

type Group = 0 | 1 | 2;
const groupTitles = ['user', 'device', 'kernel'] as const;

/** Processes; devices (I/O, MR DMA, invalidation acks); exporter driver/kernel and fault injection. */
function groupOf(action: Action): Group {
  if (action.kind.startsWith('proc_')) return 0;
  if (action.kind.startsWith('dev_') || action.kind === 'importer_ack_invalidate') return 1;
  return 2;
}

/** Break points: after a space or an opening parenthesis. */
const tokens = (text: string) => text.match(/[^ (]*[ (]|[^ (]+$/g) ?? [];

/** Wrap units greedily into lines of `width`, continuation lines indented by 2; chop what cannot fit. */
function wrapCell(units: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const unit of units) {
    if ((cur + unit).trimEnd().length <= width || cur.trim() === '') {
      cur += unit;
    } else {
      lines.push(cur.trimEnd());
      cur = '  ' + unit;
    }
    while (cur.trimEnd().length > width) {
      lines.push(cur.slice(0, width));
      cur = '  ' + cur.slice(width);
    }
  }
  if (cur.trim() !== '') lines.push(cur.trimEnd());
  return lines;
}

function columnLines(t: Trace): string[] {
  const cells = stepCells(t).map((c, i) => ({ ...c, group: groupOf(t.steps[i]!.action) }));
  if (cells.length === 0) return [];
  const present = ([0, 1, 2] as const).filter((g) => cells.some((c) => c.group === g));
  // once per group, not per step: a trace may have 10^5 steps
  const actorsByGroup = ([0, 1, 2] as const).map((g) => [...new Set(cells.filter((c) => c.group === g).map((c) => c.actor))]);
  const actorsOf = (g: Group) => actorsByGroup[g]!;
  const numW = String(cells.length).length;
  const lead = 2 + numW + 2;
  const gap = 2;
  const colW = Math.floor((WIDTH - lead - gap * (present.length - 1)) / present.length);
  const row = (parts: readonly string[]) =>
    (' '.repeat(lead) + parts.map((p) => p.padEnd(colW)).join(' '.repeat(gap))).trimEnd();

  const titles = present.map((g) => `${groupTitles[g]}: ${actorsOf(g).join(' ')}`.slice(0, colW));
  const lines = [row(titles), row(titles.map((x) => '-'.repeat(x.length)))];
  for (const c of cells) {
    const prefix = actorsOf(c.group).length > 1 ? `${c.actor}: ` : '';
    const body = wrapCell([...tokens(prefix + c.call + ' '), `-> ${c.ret}`], colW);
    const col = present.indexOf(c.group);
    body.forEach((text, k) => {
      const parts = present.map((_, j) => (j === col ? text : ''));
      const line = row(parts);
      lines.push(k === 0 ? `  ${String(c.n).padStart(numW)}${line.slice(2 + numW)}` : line);
    });
  }
  return lines;
}

export function citeColumns(t: Trace): string {
  return [COLUMNS_NOTE, ...headerLines(t), '', ...columnLines(t), '', ...trailerLines(t)].join('\n') + '\n';
}
