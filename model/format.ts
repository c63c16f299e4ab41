// How an action reads in a trace: the actor and a kernel-flavoured call,
// from the call table (model/calls.ts), which trace/parse.ts reads back.
import { type CallSpec, actorOf, calls, namesOf } from './calls.js';
import type { Action, Config } from './vocabulary.js';

export interface FormattedCall {
  /** 'p0', 'nvme0', 'nic0', 'e0' or 'fault'. */
  readonly actor: string;
  readonly call: string;
}

export function formatCall(action: Action, config: Config): FormattedCall {
  const n = namesOf(config);
  const spec = calls[action.kind] as CallSpec;
  return { actor: actorOf(action, n), call: spec.print(action, n) };
}

export function formatAction(action: Action, config: Config): string {
  const { actor, call } = formatCall(action, config);
  return `${actor}: ${call}`;
}
