import { createHash } from 'node:crypto';
import type { ReportStore, RunRef } from '../lib/report-store';
import type { Mode, Status } from '../lib/types';

/**
 * `state/last-run/<scopeKey>.json`: for each account, the last run with the same mode and checks that audited it,
 * and the account's status then. Per account, because a run of a few accounts (`--accounts`) must neither hide
 * the others' history nor make the next whole-organization run look like every other account is new.
 */
export interface LastRunPointer {
  readonly schemaVersion: 2;
  readonly scopeKey: string;
  readonly checks: readonly string[];
  readonly runs: readonly RunRef[];
  /** accountId → [index in `runs`, status in that run]. */
  readonly accounts: Readonly<Record<string, readonly [number, Status]>>;
}

/** The previous comparable run of one account. */
export interface PreviousOfAccount {
  readonly run: RunRef;
  readonly status: Status;
}

/** Runs are comparable when they have the same mode and the same checks (in any order). */
export function scopeKeyOf(mode: Mode, checks: readonly string[]): string {
  const digest = createHash('sha256')
    .update([...new Set(checks)].sort().join(','))
    .digest('hex')
    .slice(0, 16);
  return `${mode}-${digest}`;
}

/** The pointer's name in the report store's state documents. */
export function pointerName(scopeKey: string): string {
  return `last-run/${scopeKey}.json`;
}

/** Reads the pointer; one that is missing or not in the expected shape is no history (never a failed run). */
export async function readPointer(store: ReportStore, scopeKey: string): Promise<LastRunPointer | undefined> {
  const pointer = await store.getState<LastRunPointer>(pointerName(scopeKey));
  if (
    pointer?.schemaVersion !== 2 ||
    !Array.isArray(pointer.runs) ||
    typeof pointer.accounts !== 'object' ||
    pointer.accounts === null
  ) {
    return undefined;
  }
  return pointer;
}

/** The previous run of an account according to the pointer. */
export function previousOf(pointer: LastRunPointer | undefined, accountId: string): PreviousOfAccount | undefined {
  const entry = pointer?.accounts[accountId];
  const run = entry ? pointer?.runs[entry[0]] : undefined;
  return entry && run ? { run, status: entry[1] } : undefined;
}

/** The pointer after this run: its accounts point here, the others keep their previous run; unused runs drop out. */
export function advancePointer(
  pointer: LastRunPointer | undefined,
  scopeKey: string,
  checks: readonly string[],
  run: RunRef,
  statuses: ReadonlyMap<string, Status>,
): LastRunPointer {
  const runs: RunRef[] = [];
  const indexOf = new Map<string, number>();
  const index = (ref: RunRef) => {
    let at = indexOf.get(ref.id);
    if (at === undefined) {
      at = runs.push({ id: ref.id, startedAt: ref.startedAt }) - 1;
      indexOf.set(ref.id, at);
    }
    return at;
  };
  const accounts: Record<string, readonly [number, Status]> = {};
  for (const accountId of Object.keys(pointer?.accounts ?? {})) {
    if (statuses.has(accountId)) continue;
    const before = previousOf(pointer, accountId);
    if (before) accounts[accountId] = [index(before.run), before.status];
  }
  for (const [accountId, status] of statuses) accounts[accountId] = [index(run), status];
  return { schemaVersion: 2, scopeKey, checks: [...checks].sort(), runs, accounts };
}
