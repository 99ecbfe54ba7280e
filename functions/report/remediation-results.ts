import type { AccountFindings } from '../lib/changes';
import { mapLimit } from '../lib/concurrency';
import { locationParts, type ReportStore, type RunRef } from '../lib/report-store';
import type { RunSummary } from '../lib/types';
import { type AccountPlan, type AccountRemediationRecord, PATHS } from '../remediations/documents';
import { REPORT_FILE, type RemediationLine, renderReportHtml } from './html';

/** State `remediation/by-audit-run/<auditRunId>.json`: the remediation runs of one audit run, oldest first. */
export interface RemediationRunsOfAudit {
  readonly runs: readonly RunRef[];
}

/** Remediation runs remembered per audit run (the oldest are forgotten first). */
export const MAX_REMEMBERED_RUNS = 50;
const READ_CONCURRENCY = 16;
/** Remediation runs read at once, each with {@link READ_CONCURRENCY} documents at a time. */
const RUNS_READ_AT_ONCE = 4;

/** The state document that lists an audit run's remediation runs. */
export function remediationRunsState(auditRunId: string): string {
  return PATHS.byAuditRun(auditRunId);
}

/** Adds a remediation run to its audit run's list (once), so that the audit report can find its results. */
export async function rememberRemediationRun(store: ReportStore, auditRunId: string, run: RunRef): Promise<void> {
  const name = remediationRunsState(auditRunId);
  const known = (await store.getState<RemediationRunsOfAudit>(name))?.runs ?? [];
  const runs = [...known.filter((ref) => ref.id !== run.id), { id: run.id, startedAt: run.startedAt }]
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .slice(-MAX_REMEMBERED_RUNS);
  await store.putState(name, { runs } satisfies RemediationRunsOfAudit);
}

/** The check a rule belongs to: rule IDs are `<check>/<kind>`. */
function checkOf(rule: string): string | undefined {
  const slash = rule.indexOf('/');
  return slash > 0 ? rule.slice(0, slash) : undefined;
}

/** A plan decision as a person reads it in the report. */
function planStatus(decision: string): string {
  if (decision === 'NEEDS_PERSON') return 'NEEDS A PERSON';
  if (decision === 'REOPENED') return 'REOPENED: NEEDS A PERSON';
  return `PLAN: ${decision}`;
}

/** The identity of a finding across plan, record and report: its fingerprint, else its rule and resource. */
function lineKey(line: RemediationLine): string {
  return line.fingerprint
    ? `${line.accountId}|${line.fingerprint}`
    : `${line.accountId}|${line.rule ?? ''}|${line.resource?.id ?? ''}|${line.resource?.part ?? ''}`;
}

/**
 * The latest remediation result per finding of an audit run, from the runs that remediated it: a remediation run's
 * plan says what it decided (e.g. NEEDS A PERSON), its records what apply did (REMEDIATED, FAILED, ALREADY_COMPLIANT,
 * NOT_APPLIED) with when and who approved, and what was undone since ("REMEDIATED, THEN UNDONE", at the undo's time).
 * The latest word is the one with the latest time, so an undo replaces a plan made after the apply and before it;
 * at the same time, a later run's word, and within a run what apply did over what was planned.
 */
export async function remediationLines(store: ReportStore, auditRunId: string): Promise<RemediationLine[]> {
  const runs = (await store.getState<RemediationRunsOfAudit>(remediationRunsState(auditRunId)))?.runs ?? [];
  const latest = new Map<string, RemediationLine>();
  const keep = (line: RemediationLine) => {
    const key = lineKey(line);
    const held = latest.get(key);
    // Lines come oldest run first, plans before records: a tie goes to the one that came later.
    if (held === undefined || (line.at ?? '') >= (held.at ?? '')) latest.set(key, line);
  };
  const read = async <T>(run: RunRef, folder: string) => {
    const names = await store.list(run, folder);
    const documents = await mapLimit(names, READ_CONCURRENCY, (name) => store.getJson<T>(run, name));
    return documents.filter((doc): doc is Awaited<T> & {} => doc !== undefined);
  };
  // Read a few runs at a time; their lines are then kept in the runs' order, which breaks ties.
  const documents = await mapLimit(runs, RUNS_READ_AT_ONCE, async (run) => {
    const [plans, records] = await Promise.all([
      read<AccountPlan>(run, PATHS.planFolder),
      read<AccountRemediationRecord>(run, PATHS.recordFolder),
    ]);
    return { plans, records };
  });
  for (const { plans, records } of documents) {
    for (const plan of plans) {
      if (plan.auditRunId !== auditRunId) continue;
      for (const item of plan.items) {
        const check = checkOf(item.rule);
        keep({
          accountId: plan.accountId,
          ...(item.fingerprint ? { fingerprint: item.fingerprint } : {}),
          ...(check ? { check } : {}),
          rule: item.rule,
          resource: { id: item.resource.id, ...(item.resource.part ? { part: item.resource.part } : {}) },
          action: item.action,
          status: planStatus(item.decision),
          message: item.reason,
          at: plan.plannedAt,
          runId: plan.remediationRunId,
        });
      }
    }
    for (const record of records) {
      if (record.auditRunId !== auditRunId) continue;
      for (const item of record.items) {
        const check = checkOf(item.rule);
        const undone = item.undo?.find((undo) => undo.status === 'UNDONE');
        keep({
          accountId: record.accountId,
          ...(item.fingerprint ? { fingerprint: item.fingerprint } : {}),
          ...(check ? { check } : {}),
          rule: item.rule,
          resource: { id: item.resource.id, ...(item.resource.part ? { part: item.resource.part } : {}) },
          action: item.action,
          status: undone ? `${item.outcome}, THEN UNDONE` : item.outcome,
          // An undone item's time is the undo's; when it was applied stays in the message.
          message: undone ? `${item.reason} (applied at ${item.appliedAt}; undone by ${undone.by})` : item.reason,
          at: undone?.at ?? item.appliedAt,
          ...(item.approvedBy ? { approvedBy: item.approvedBy } : {}),
          ...(item.approvedAt ? { approvedAt: item.approvedAt } : {}),
          runId: record.remediationRunId,
        });
      }
    }
  }
  return [...latest.values()];
}

/**
 * Renders an audit run's report.html again from its stored summary and findings, with the remediation results of
 * the runs that remediated it. Returns undefined (and writes nothing) when the run has no summary.json.
 */
export async function rerenderReport(store: ReportStore, run: RunRef, now: Date): Promise<string | undefined> {
  const summary = await store.getJson<RunSummary>(run, 'summary.json');
  if (!summary) return undefined;
  const names = await store.list(run, 'findings/');
  const documents = await mapLimit(names, READ_CONCURRENCY, (name) => store.getJson<AccountFindings>(run, name));
  const findings = new Map(
    documents.filter((doc): doc is AccountFindings => doc !== undefined).map((doc) => [doc.accountId, doc]),
  );
  const remediations = await remediationLines(store, summary.runId);
  const html = renderReportHtml({ summary, findings, remediations, now });
  await store.putText(run, REPORT_FILE, html, 'text/html; charset=utf-8');
  return `${locationParts(store.location(run))[0]}${REPORT_FILE}`;
}
