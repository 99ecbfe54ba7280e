import { accountSession } from '../lib/account-session';
import { type SessionCache, sessionName } from '../lib/assume-role';
import { errorMessage, errorName } from '../lib/errors';
import type { ReportStore, RunRef } from '../lib/report-store';
import type { Settings } from '../lib/settings';
import { cleanText } from '../lib/text';
import { itemTarget } from './apply';
import { type AccountRemediationRecord, PATHS, type RecordItem, type UndoEntry } from './documents';
import { REMEDIATIONS } from './registry';
import type { AppliedCall } from './types';

/** What to undo: a remediation run, optionally one account and one action. */
export interface UndoRequest {
  readonly run: RunRef;
  readonly accountId?: string;
  readonly actionId?: string;
  /** Who undoes it, for the record. */
  readonly by: string;
}

/** One undone (or not) item, for the terminal. */
export interface UndoResult {
  readonly accountId: string;
  readonly action: string;
  readonly resource: string;
  readonly status: UndoEntry['status'];
  readonly message?: string;
}

/** What undo works with: the administrator execution role's sessions. */
export interface UndoDeps {
  readonly settings: Settings;
  readonly sessions: SessionCache;
  readonly store: ReportStore;
  readonly partition: string;
  readonly now?: () => Date;
}

/**
 * Restores the recorded state before of every REMEDIATED item of a run (not yet undone), and records what was done
 * in the account record: the calls, the state after, who and when. An item whose undo fails stays REMEDIATED.
 */
export async function undoRun(request: UndoRequest, deps: UndoDeps): Promise<UndoResult[]> {
  const now = deps.now ?? (() => new Date());
  const names = await deps.store.list(request.run, PATHS.recordFolder);
  const results: UndoResult[] = [];
  for (const name of names.sort()) {
    const record = await deps.store.getJson<AccountRemediationRecord>(request.run, name);
    if (!record || (request.accountId && record.accountId !== request.accountId)) continue;
    const session = accountSession(
      deps.sessions,
      record.accountId,
      deps.settings.roles.adminExecutionRoleName,
      sessionName(request.run.id, 'ct-audit-undo'),
      deps.partition,
    );
    const context = { session, settings: deps.settings, now };
    let changed = false;
    const items: RecordItem[] = [];
    for (const item of record.items) {
      const done = item.undo?.some((entry) => entry.status === 'UNDONE');
      if (item.outcome !== 'REMEDIATED' || done || (request.actionId && item.action !== request.actionId)) {
        items.push(item);
        continue;
      }
      const action = REMEDIATIONS[item.action];
      const target = itemTarget(record.accountId, item);
      let calls: AppliedCall[] = [];
      let entry: UndoEntry;
      try {
        calls = await action.undo(target, item.stateBefore ?? {}, item.calls, context);
        const after = await action.inspect(target, context).catch(() => undefined);
        entry = {
          at: now().toISOString(),
          by: request.by,
          status: 'UNDONE',
          calls,
          ...(after ? { stateAfter: after.state } : {}),
        };
      } catch (error) {
        entry = {
          at: now().toISOString(),
          by: request.by,
          status: errorName(error) === 'UndoRefused' ? 'REFUSED' : 'FAILED',
          message: cleanText(errorMessage(error)),
          calls,
        };
      }
      changed = true;
      items.push({ ...item, undo: [...(item.undo ?? []), entry] });
      results.push({
        accountId: record.accountId,
        action: item.action,
        resource: item.resource.part ? `${item.resource.id} ${item.resource.part}` : item.resource.id,
        status: entry.status,
        ...(entry.message ? { message: entry.message } : {}),
      });
    }
    if (changed) await deps.store.putJson(request.run, name, { ...record, items });
  }
  return results;
}
