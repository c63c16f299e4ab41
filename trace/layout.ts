// Line layout shared by the printer and the parser: the 72-column
// limit, and folding a long value onto continuation lines so that
// unfolding gives back exactly the same string.
//
// A folded value is a first line (usually after a label such as
// `Detail:`) and continuation lines that start with whitespace. Joining
// them back:
//   - a line ending in `\` is joined to the next with nothing between
//     (the `\` dropped): a hard break inside a word (in the reproducing
//     command, the next line starts at column 0, as a shell joins it), or
//     the shell-style ` \` break of that command, whose space stays;
//   - a first line with no value is joined to the next with nothing;
//   - otherwise lines are joined with one space (a soft break, made
//     only at a single space between two non-space characters and never
//     after a `\`).
// Values with leading or trailing spaces, or characters outside
// printable ASCII, cannot survive mail and are not produced by the tool.

export const WIDTH = 72;

/** The length of the longest of `texts`, 0 for none (no spread: a trace may have 10^5 steps). */
export const widest = (texts: readonly string[]): number => texts.reduce((w, t) => Math.max(w, t.length), 0);

/** First line of `cite --columns`: a reading aid that replay refuses with this reason. */
export const COLUMNS_NOTE = "(* columns view for reading, not parseable: replay the plain 'cite' *)";

/** Split `value` at the single spaces a soft break may replace. */
export function softUnits(value: string): string[] {
  if (value === '') return [];
  return value.split(/(?<=[^ \\]) (?=[^ ])/);
}

export interface FoldOptions {
  /** Indent of continuation lines. */
  readonly indent: number;
  /** `soft`: break at spaces; `shell`: end broken lines with ` \` (the reproducing command). */
  readonly style?: 'soft' | 'shell';
  readonly width?: number;
  /** A unit too long for any line: `cut` with `\` (a trace: replay joins it), or kept `whole` on a line of its own (a URL in a listing). */
  readonly overlong?: 'cut' | 'whole';
}

/**
 * Lay `head` (e.g. `Detail:`) followed by `units` out in lines of at most
 * `width` columns. Units are joined by one space; each unit stays on one
 * line unless it cannot fit on any line, when it is cut with `\` (or,
 * `overlong: 'whole'`, left whole on a line of its own).
 */
export function foldUnits(head: string, units: readonly string[], opts: FoldOptions): string[] {
  const width = opts.width ?? WIDTH;
  const shell = opts.style === 'shell';
  const lines: string[] = [];
  let cur = head;
  let content = false; // cur holds a unit already
  let first = true;
  const newLine = (indent: number) => {
    // a head padded for alignment but left without its unit ends in spaces: mail and checkpatch drop them;
    // a head of spaces alone (an indent) is no line at all
    const line = cur.trimEnd();
    if (line !== '') lines.push(line);
    cur = ' '.repeat(indent);
    content = false;
    first = false;
  };
  units.forEach((unit, i) => {
    const last = i === units.length - 1;
    const reserve = shell && !last ? 2 : 0;
    const sep = content || (first && head !== '') ? ' ' : '';
    if (cur.length + sep.length + unit.length + reserve <= width) {
      cur += sep + unit;
      content = true;
      return;
    }
    if (content) {
      if (shell) cur += ' \\';
      newLine(opts.indent);
    } else if (first && head !== '') {
      newLine(opts.indent);
    }
    if (cur.length + unit.length + reserve <= width) {
      cur += unit;
      content = true;
      return;
    }
    // The unit fits on no line at this indent: whole if asked, else at the narrowest indent, else cut.
    if (opts.overlong === 'whole') {
      cur += unit;
      content = true;
      return;
    }
    if (cur.length > 2 && 2 + unit.length + reserve <= width) {
      cur = '  ' + unit;
      content = true;
      return;
    }
    if (cur.length > 2) cur = '  ';
    let rest = unit;
    while (cur.length + rest.length + reserve > width) {
      // never an empty last piece: the next unit's separator would start the line, and unfold drops it
      let cut = Math.min(width - cur.length - 1, rest.length - 1);
      // never leave a space at either side of the cut: the parser trims them
      while (cut > 1 && (rest[cut - 1] === ' ' || rest[cut] === ' ')) cut--;
      cur += rest.slice(0, cut) + '\\';
      rest = rest.slice(cut);
      // a shell joins backslash-newline with what follows as it stands: an indent would split the word
      newLine(shell ? 0 : 2);
    }
    cur += rest;
    content = true;
  });
  lines.push(cur);
  return lines;
}

export function fold(head: string, value: string, opts: FoldOptions): string[] {
  return foldUnits(head, softUnits(value), opts);
}

/** Join the first segment (after the label) and the continuation segments (trimmed). */
export function unfold(segments: readonly string[]): string {
  let value = segments[0] ?? '';
  for (const seg of segments.slice(1)) {
    if (value.endsWith('\\')) value = value.slice(0, -1) + seg;
    else if (value === '') value = seg;
    else value += ' ' + seg;
  }
  return value;
}
