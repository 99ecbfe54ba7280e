import type { ReportStore } from '../../functions/lib/report-store';
import { newExecutionName } from '../engine';

/**
 * The marks `ct-audit sandbox` leaves in the report folder on what it made. The sandbox's emulator stops with the
 * sandbox, so its runs' records describe accounts and resources that exist nowhere else: a command that acts on a
 * run (`remediate`, `undo`) would send its calls to whatever the shell points at, real AWS included. The commands
 * that act refuse a marked run.
 */

/** State: the mark on each audit run of `ct-audit sandbox` (also the two audits of `sandbox --remediate`). */
export const SANDBOX_AUDIT_STATE = (runId: string) => `audit/sandbox/${runId}.json`;

/** What the audit run's mark holds. */
export interface SandboxAuditMark {
  readonly sandbox: true;
}

/** Names a sandbox audit run and marks it before it starts; returns the name (the run ID). */
export async function markSandboxAudit(store: ReportStore): Promise<string> {
  const executionName = newExecutionName();
  const mark: SandboxAuditMark = { sandbox: true };
  await store.putState(SANDBOX_AUDIT_STATE(executionName), mark);
  return executionName;
}

/** State: the mark `ct-audit sandbox --remediate` leaves on its remediation run. */
export const SANDBOX_REMEDIATION_STATE = (runId: string) => `remediation/sandbox/${runId}.json`;

/** What the remediation run's mark holds. */
export interface SandboxRemediationMark {
  readonly sandbox: true;
  readonly auditRunId: string;
}
