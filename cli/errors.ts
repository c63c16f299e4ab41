// Bad input ends in one line and exit 2 (DESIGN.md §6), never a stack trace.
export class UsageError extends Error {}

export function usage(message: string): never {
  throw new UsageError(message);
}
