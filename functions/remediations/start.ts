import { InvalidInputError } from '../lib/errors';
import { REMEDIATION_IDS, type RemediationId } from '../lib/ids';
import { type ReportStore, RUN_ID_PATTERN } from '../lib/report-store';
import type { Settings } from '../lib/settings';
import { cleanText } from '../lib/text';
import type { RunSummary, SummaryAccount } from '../lib/types';
import { accountIdSchema, formatIssues, uniqueList } from '../lib/validation';
import * as z from '../lib/zod';
import {
  PATHS,
  REMEDIATION_SCHEMA_VERSION,
  type RemediationRun,
  type RemediationRunDocument,
  type SkippedAccount,
} from './documents';

/** The execution input of the remediation workflow. */
export const remediationInputSchema = z.strictObject({
  auditRunId: z.string().check(z.regex(RUN_ID_PATTERN, { error: 'must be the ID of a finished audit run' })),
  /** When the audit run started (its folder's date in S3); the remediation's own start date when left out. */
  auditRunStartedAt: z.optional(z.iso.datetime({ offset: true })),
  mode: z._default(z.enum(['plan', 'apply'], { error: 'must be "plan" or "apply"' }), 'plan'),
  accounts: z.optional(uniqueList(accountIdSchema).check(z.minLength(1))),
  actions: z.optional(
    uniqueList(z.enum(REMEDIATION_IDS, { error: `must be one of: ${REMEDIATION_IDS.join(', ')}` })).check(
      z.minLength(1),
    ),
  ),
});

/** The remediation workflow's input, as `start-execution --input` takes it. */
export type RemediationInput = z.input<typeof remediationInputSchema>;

/** Start Remediation's event: the execution input and the execution's name and start. */
export interface StartRemediationEvent {
  readonly input: unknown;
  readonly executionName: string;
  readonly startedAt: string;
}

/** The run, and the accounts of the audit run that have findings: bare IDs, like the audit's targets. */
export interface StartRemediationResult {
  readonly run: RemediationRun;
  readonly accounts: string[];
}

/**
 * Validates the input, finds the audit run, and lists its accounts with findings. Writes remediation/run.json
 * (with the link to the audit run) and a pointer from the run's ID to its folder.
 */
export async function startRemediation(
  event: StartRemediationEvent,
  deps: { readonly settings: Settings; readonly store: ReportStore },
): Promise<StartRemediationResult> {
  const parsed = remediationInputSchema.safeParse(event.input ?? {}, { reportInput: true });
  if (!parsed.success) throw new InvalidInputError(`invalid remediation input: ${formatIssues(parsed.error.issues)}`);
  const input = parsed.data;
  const { settings, store } = deps;
  const auditRef = { id: input.auditRunId, startedAt: input.auditRunStartedAt ?? event.startedAt };
  const summary = await store.getJson<RunSummary>(auditRef, 'summary.json');
  if (!summary) {
    throw new InvalidInputError(
      `no finished audit run ${input.auditRunId} at ${store.location(auditRef)}: name a run that has a summary.json ` +
        '(and give auditRunStartedAt when it did not start today)',
    );
  }
  const enabled = REMEDIATION_IDS.filter((id) => settings.remediation.actions[id]);
  const asked: readonly RemediationId[] = input.actions ?? REMEDIATION_IDS;
  const run: RemediationRun = {
    id: event.executionName,
    startedAt: event.startedAt,
    mode: input.mode,
    auditRun: { id: summary.runId, startedAt: summary.startedAt, location: store.location(auditRef) },
    actions: asked.filter((id) => enabled.includes(id)),
    reportLocation: '',
    requireApproval: settings.remediation.requireApproval,
    approvalTimeoutSeconds: settings.remediation.approvalTimeoutHours * 3600,
    maxActionsPerRun: settings.remediation.maxActionsPerRun,
  };
  const located = { ...run, reportLocation: `${store.location(run)}remediation/` };
  const wanted = input.accounts ? new Set(input.accounts) : undefined;
  const accounts = summary.accounts
    .filter(hasFindings)
    .map((account) => account.accountId)
    .filter((accountId) => !wanted || wanted.has(accountId));
  // An account asked for by name that is not planned is said so, with why: never dropped without a word. Without
  // `accounts` the run is for the whole audit run, and an account the audit could not assess (ERROR, no findings)
  // is not known to be clean: it is listed too, as AUDIT_ERROR (see SkippedAccount). Those the audit skipped
  // (suspended, excluded) were never targets.
  const planned = new Set(accounts);
  const skipped = input.accounts
    ? input.accounts
        .filter((accountId) => !planned.has(accountId))
        .map((accountId) => skippedAccount(accountId, summary))
    : summary.accounts
        .filter((account) => account.status === 'ERROR' && !planned.has(account.accountId))
        .map((account) => ({ ...skippedAccount(account.accountId, summary), kind: 'AUDIT_ERROR' as const }));
  const document: RemediationRunDocument = {
    schemaVersion: REMEDIATION_SCHEMA_VERSION,
    remediationRunId: run.id,
    startedAt: run.startedAt,
    mode: run.mode,
    auditRun: located.auditRun,
    actions: run.actions,
    accounts,
    skipped,
  };
  await store.putJson(located, PATHS.run, document);
  await store.putState(PATHS.runPointer(run.id), { id: run.id, startedAt: run.startedAt });
  return { run: located, accounts };
}

function hasFindings(account: SummaryAccount): boolean {
  return Object.values(account.checks).some((check) => (check.findings ?? 0) > 0);
}

/** Why an account asked for is not planned: the audit run found nothing there, could not look, or never had it. */
function skippedAccount(accountId: string, summary: RunSummary): SkippedAccount {
  const audited = summary.accounts.find((account) => account.accountId === accountId);
  if (audited?.status === 'ERROR' || audited?.status === 'SKIPPED') {
    return {
      accountId,
      kind: 'NOT_ASSESSED',
      reason: `the audit run ${summary.runId} could not assess it (${audited.status}${audited.error ? `: ${cleanText(audited.error.message, 200)}` : ''}): nothing to plan`,
    };
  }
  if (audited) {
    return {
      accountId,
      kind: 'NO_FINDINGS',
      reason: `no findings in the audit run ${summary.runId} (${audited.status}): nothing to remediate`,
    };
  }
  const skipped = summary.skipped.find((account) => account.accountId === accountId);
  if (skipped) {
    return {
      accountId,
      kind: 'NOT_ASSESSED',
      reason: `the audit run ${summary.runId} skipped it (${cleanText(skipped.reason, 200)}): nothing to plan`,
    };
  }
  return { accountId, kind: 'NOT_IN_AUDIT_RUN', reason: `not in the audit run ${summary.runId}: nothing to plan` };
}
