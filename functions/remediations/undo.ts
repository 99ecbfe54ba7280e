import { accountSession } from '../lib/account-session';
import { type SessionCache, sessionName } from '../lib/assume-role';
import { errorMessage, errorName } from '../lib/errors';
import type { ReportStore, RunRef } from '../lib/report-store';
import type { Settings } from '../lib/settings';
import { cleanText } from '../lib/text';
import { rerenderReport } from '../report/remediation-results';
import { itemTarget } from './apply';
import {
  type AccountRemediationRecord,
  changedSomething,
  PATHS,
  type RecordItem,
  type RemediationRun,
  type UndoEntry,
} from './documents';
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

/** What {@link undoRun} did. */
export interface UndoOutcome {
  readonly results: UndoResult[];
  /**
   * Where the audit run's report.html was rendered again, so that it shows the undo (an undone item reads
   * "REMEDIATED, THEN UNDONE"). Absent when no item was tried, or when it could not be (`reportProblem`).
   */
  readonly report?: string;
  /** Why the report could not be rendered again. The records stay the truth: it never changes the outcome. */
  readonly reportProblem?: string;
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
 * Restores the recorded state before of every item of a run that changed something (REMEDIATED, or FAILED after some
 * of its calls were made; not yet undone), and records what was done in the account record: the calls, the state
 * after, who and when. An item whose undo fails keeps its outcome. Then
 * renders the audit run's report.html again from the records, as Summarize Remediation did after the apply, so that
 * the report no longer says REMEDIATED alone for what was undone.
 */
export async function undoRun(request: UndoRequest, deps: UndoDeps): Promise<UndoOutcome> {
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
      if (!changedSomething(item) || done || (request.actionId && item.action !== request.actionId)) {
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
  if (results.length === 0) return { results };
  return { results, ...(await showInAuditReport(deps.store, request.run, now())) };
}

/** The audit run's report.html rendered again with the records as they are now; never throws. */
async function showInAuditReport(
  store: ReportStore,
  run: RunRef,
  now: Date,
): Promise<Pick<UndoOutcome, 'report' | 'reportProblem'>> {
  try {
    const remediation = await store.getJson<RemediationRun>(run, PATHS.run);
    if (!remediation) return { reportProblem: `${PATHS.run} is missing from ${store.location(run)}` };
    const report = await rerenderReport(store, remediation.auditRun, now);
    return report
      ? { report }
      : { reportProblem: `the audit run has no summary.json in ${store.location(remediation.auditRun)}` };
  } catch (error) {
    return { reportProblem: cleanText(`${errorName(error) ?? 'Error'}: ${errorMessage(error)}`, 300) };
  }
}
