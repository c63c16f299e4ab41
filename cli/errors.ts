// Bad input ends in one line and exit 2, never a stack trace.
export class UsageError extends Error {}

export function usage(message: string): never {
  throw new UsageError(message);
}

/**
 * `message` as one line of stderr: line breaks become spaces, other
 * control characters (from binary input or an option) are escaped, and a
 * message echoing a megabyte of input is cut at `max` characters.
 */
export function errorLine(message: string, max = 400): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const flat = message.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) =>
    c === '\n' ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return (flat.length > max ? `${flat.slice(0, max - 3)}...` : flat) + '\n';
}
