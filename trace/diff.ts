// A structural diff of two plain values (design states, ghost views),
// the way TLC's -difftrace prints only what changed: one entry per path
// whose value differs, added or went away.
import { isDeepStrictEqual } from 'node:util';

export interface Change {
  /** e.g. `exporters[0].pages[1].owner` */
  readonly path: string;
  /** Absent when the path was added. */
  readonly before?: unknown;
  /** Absent when the path went away. */
  readonly after?: unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const key = (path: string, k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]`);

export function diff(before: unknown, after: unknown, path = ''): Change[] {
  if (before === after) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: Change[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= before.length) out.push({ path: p, after: after[i] });
      else if (i >= after.length) out.push({ path: p, before: before[i] });
      else out.push(...diff(before[i], after[i], p));
    }
    return out;
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const out: Change[] = [];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const k of keys) {
      const p = key(path, k);
      if (!Object.hasOwn(after, k)) out.push({ path: p, before: before[k] });
      else if (!Object.hasOwn(before, k)) out.push({ path: p, after: after[k] });
      else out.push(...diff(before[k], after[k], p));
    }
    return out;
  }
  // numbers, strings, null, or anything not plain (Map, Set, class instances): compared whole
  return isDeepStrictEqual(before, after) ? [] : [{ path, before, after }];
}

/** A value in one line: JSON, with Maps and Sets spelled out, cut at `max` characters (at least 8). */
function show(value: unknown, max: number): string {
  const text =
    JSON.stringify(value, (_k, v: unknown) =>
      v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v === undefined ? null : v,
    ) ?? String(value);
  const room = Math.max(8, max);
  return text.length <= room ? text : text.slice(0, room - 3) + '...';
}

/** `path: before -> after`, `path: + after`, `path: - before`, within `width` columns, values cut to fit. */
export function showChange(c: Change, width = 72): string {
  const room = width - c.path.length - 2;
  if (!('before' in c)) return `${c.path}: + ${show(c.after, room - 2)}`;
  if (!('after' in c)) return `${c.path}: - ${show(c.before, room - 2)}`;
  const before = show(c.before, Math.floor((room - 4) / 2));
  return `${c.path}: ${before} -> ${show(c.after, room - 4 - before.length)}`;
}
