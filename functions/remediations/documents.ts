import { createHash } from 'node:crypto';
import type { RemediationId } from '../lib/remediation-settings';
import type { RunRef } from '../lib/report-store';
import type { ResourceRef } from '../lib/types';
import type { AppliedCall, JsonObject } from './types';

/** The version of the remediation documents. */
export const REMEDIATION_SCHEMA_VERSION = 1;

/** The remediation run as every state sees it: small enough to travel with every Map item. */
export interface RemediationRun extends RunRef {
  readonly mode: 'plan' | 'apply';
  /** The audit run whose findings are remediated. */
  readonly auditRun: RunRef & { readonly location: string };
  /** The actions this run may take: those asked for (all by default) that the settings switch on. */
  readonly actions: readonly RemediationId[];
  readonly reportLocation: string;
  readonly requireApproval: boolean;
  /** Approve Remediations' TimeoutSecondsPath: remediation.approvalTimeoutHours in seconds. */
  readonly approvalTimeoutSeconds: number;
  readonly maxActionsPerRun: number;
}

/**
 * An account that is not planned, and why. Asked for by name (the input's `accounts`): `NO_FINDINGS` means the audit
 * run looked and found nothing to do; `NOT_ASSESSED` and `NOT_IN_AUDIT_RUN` mean nothing was checked there, and the
 * run does not end as a success. In a run for the whole audit run (no `accounts`), an account the audit run could
 * not assess is `AUDIT_ERROR`: listed and said in the outcome's message, but it does not make the remediation run
 * incomplete, because the audit run already failed on it and says why (a remediation run of an organization with one
 * unreachable account would otherwise fail every day for the same reason, and teach people to ignore it).
 */
export interface SkippedAccount {
  readonly accountId: string;
  readonly kind: 'NO_FINDINGS' | 'NOT_ASSESSED' | 'NOT_IN_AUDIT_RUN' | 'AUDIT_ERROR';
  readonly reason: string;
}

/** remediation/run.json: the run, the accounts it plans and the accounts asked for that it does not. */
export interface RemediationRunDocument {
  readonly schemaVersion: typeof REMEDIATION_SCHEMA_VERSION;
  readonly remediationRunId: string;
  readonly startedAt: string;
  readonly mode: 'plan' | 'apply';
  readonly auditRun: RemediationRun['auditRun'];
  readonly actions: readonly RemediationId[];
  readonly accounts: readonly string[];
  readonly skipped: readonly SkippedAccount[];
}

/** Who approved the apply, and when; Apply Account refuses to change anything without it. */
export interface Approval {
  readonly approved: boolean;
  readonly approvedBy?: string;
  readonly approvedAt?: string;
  readonly reason?: string;
}

/** What the plan decided for one finding. */
export type PlanDecision =
  | 'PLANNED'
  | 'ALREADY_COMPLIANT'
  | 'NOT_ENABLED'
  | 'NOT_SELECTED'
  | 'EXEMPT'
  | 'CONTROL_TOWER'
  | 'ALLOWED_PORT'
  | 'NEEDS_PERSON'
  | 'REOPENED'
  /** An unexpired mute in the settings (`ctAudit.mutes`) accepts the finding: it is not planned, nor inspected. */
  | 'MUTED'
  | 'ERROR';

/** What a plan item and a record item both name: the action, and the finding and resource it acts on. */
export interface ActionSubject {
  readonly action: RemediationId;
  readonly rule: string;
  readonly fingerprint?: string;
  readonly resource: ResourceRef;
  readonly evidence: Readonly<Record<string, string | number | boolean | null>>;
  readonly severity: string;
  readonly key: string;
}

/** One finding in a plan: what would be done, to what, and why (or why not). */
export interface PlanItem extends ActionSubject {
  readonly decision: PlanDecision;
  readonly reason: string;
  /** What apply would do, in words. */
  readonly change: string;
  readonly risk: string;
  readonly stateSeen?: JsonObject;
}

/** A finding no action fixes, and what the plan says about it. */
export interface PlanNote {
  readonly rule: string;
  readonly title: string;
  readonly resource?: ResourceRef;
  readonly note: string;
}

/** remediation/plan/<accountId>.json */
export interface AccountPlan {
  readonly schemaVersion: typeof REMEDIATION_SCHEMA_VERSION;
  readonly remediationRunId: string;
  readonly auditRunId: string;
  readonly accountId: string;
  readonly plannedAt: string;
  readonly items: readonly PlanItem[];
  readonly notes: readonly PlanNote[];
  /** The plan could not be made (the audit record is missing, the role cannot be assumed): nothing is applied. */
  readonly error?: string;
}

/**
 * The SHA-256 (hex) of an account's plan as read from the store. Review Plan takes it of each plan it counts and
 * hands it to Apply Account through the execution's state, not through S3; Apply refuses a plan file whose digest
 * differs, so what is applied is what was reviewed, capped and approved, whoever can write the run folder. Both sides
 * read the file with `getJson` and hash its JSON again, which gives the same text for the same file.
 */
export function planDigest(plan: AccountPlan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

/** How one planned action ended at apply time. */
export type ApplyOutcome = 'REMEDIATED' | 'FAILED' | 'ALREADY_COMPLIANT' | 'NOT_APPLIED';

/** What undo did to one remediated item. */
export interface UndoEntry {
  readonly at: string;
  readonly by: string;
  readonly status: 'UNDONE' | 'FAILED' | 'REFUSED';
  readonly message?: string;
  readonly calls: readonly AppliedCall[];
  readonly stateAfter?: JsonObject;
}

/** One action in an account's record: state before, the calls, state after, the verification and the approval. */
export interface RecordItem extends ActionSubject {
  readonly outcome: ApplyOutcome;
  readonly reason: string;
  readonly stateBefore?: JsonObject;
  readonly calls: readonly AppliedCall[];
  readonly stateAfter?: JsonObject;
  readonly verification?: { readonly compliant: boolean; readonly at: string };
  readonly approvedBy?: string;
  readonly approvedAt?: string;
  readonly appliedAt: string;
  readonly undo?: readonly UndoEntry[];
  /**
   * The apply of this item started and its end was not recorded: the function stopped during or after its calls.
   * A retry of the same iteration keeps the item as it is and never applies it again.
   */
  readonly unfinished?: true;
}

/** remediation/accounts/<accountId>.json */
export interface AccountRemediationRecord {
  readonly schemaVersion: typeof REMEDIATION_SCHEMA_VERSION;
  readonly remediationRunId: string;
  readonly auditRunId: string;
  readonly accountId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly items: readonly RecordItem[];
  readonly error?: string;
}

/** What the scheduled runs remember of earlier remediations in one account (loop safety). */
export interface RemediatedState {
  readonly items: Readonly<Record<string, { readonly runId: string; readonly at: string }>>;
}

/** Where each document goes: in the remediation run's folder, or as a state document. */
export const PATHS = {
  run: 'remediation/run.json',
  plan: (accountId: string) => `remediation/plan/${accountId}.json`,
  planFolder: 'remediation/plan/',
  planSummary: 'remediation/plan.json',
  approval: 'remediation/approval.json',
  record: (accountId: string) => `remediation/accounts/${accountId}.json`,
  recordFolder: 'remediation/accounts/',
  summary: 'remediation/summary.json',
  /** State: the remediation run's date, so that commands find its folder from its ID alone. */
  runPointer: (runId: string) => `remediation/runs/${runId}.json`,
  /** State: the task token of a run waiting for approval. */
  approvalToken: (runId: string) => `remediation/approvals/${runId}.json`,
  /** State: what was remediated in an account, by action key. */
  remediated: (accountId: string) => `remediation/remediated/${accountId}.json`,
  /** State: the remediation runs of an audit run, so that its report shows their results. */
  byAuditRun: (auditRunId: string) => `remediation/by-audit-run/${auditRunId}.json`,
} as const;

/** The key of an item in {@link RemediatedState}. */
export function remediatedKey(action: string, key: string): string {
  return `${action}|${key}`;
}

/**
 * An item whose apply changed the account: REMEDIATED, or FAILED after some of its calls were made (a failure
 * part-way, a verification that did not see compliance). Undo reverses those calls; the rest changed nothing.
 */
export function changedSomething(item: RecordItem): boolean {
  return item.outcome === 'REMEDIATED' || (item.outcome === 'FAILED' && item.calls.length > 0);
}
