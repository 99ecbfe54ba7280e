import { resolve } from 'node:path';
import { LocalReportStore, type ReportStore } from '../../functions/lib/report-store';
import type { Settings } from '../../functions/lib/settings';
import { cleanText } from '../../functions/lib/text';
import type { AccountRecord, Finding } from '../../functions/lib/types';
import { REMEDIATIONS } from '../../functions/remediations/registry';
import { type LocalRunResult, newExecutionName, runLocal } from '../engine';
import type { Io } from '../main';
import { renderSummary, tableWidth } from '../output';
import { markSandboxAudit, SANDBOX_REMEDIATION_STATE, type SandboxRemediationMark } from '../sandbox/marks';
import type { SandboxOrganization } from '../sandbox/seed';
import { executeRemediation, type Terminal, terminalApprover } from './remediate';

/** The finding rules some action fixes. */
const REMEDIABLE = new Set(Object.values(REMEDIATIONS).flatMap((action) => action.fixes.rules));

/** The remediable findings of a run, by fingerprint. */
export async function remediableFindings(
  store: ReportStore,
  run: LocalRunResult,
): Promise<Map<string, { accountId: string; finding: Finding }>> {
  const found = new Map<string, { accountId: string; finding: Finding }>();
  const ref = { id: run.executionName, startedAt: run.summary?.startedAt ?? '' };
  for (const account of run.summary?.accounts ?? []) {
    const record = await store.getJson<AccountRecord>(ref, `accounts/${account.accountId}.json`);
    for (const finding of Object.values(record?.checks ?? {}).flatMap((check) => check.findings ?? [])) {
      if (REMEDIABLE.has(finding.rule) && finding.severity !== 'INFO') {
        found.set(finding.fingerprint ?? `${account.accountId}|${finding.rule}|${finding.resource?.id}`, {
          accountId: account.accountId,
          finding,
        });
      }
    }
  }
  return found;
}

/** The sandbox with every action switched on: it is the emulator, and the demo is the point. */
export function demoSettings(settings: Settings): Settings {
  const actions = Object.fromEntries(Object.keys(settings.remediation.actions).map((id) => [id, true]));
  return {
    ...settings,
    remediation: { ...settings.remediation, actions: actions as Settings['remediation']['actions'] },
  };
}

/** The flags of `sandbox` that `--remediate` uses. */
export interface SandboxRemediateFlags {
  readonly reportDir: string;
  readonly approve?: boolean;
  readonly json?: boolean;
  readonly onlyIssues?: boolean;
  /** The remediation summary, as `--json` prints it (and `ct-audit remediate --summary-file` writes it). */
  readonly summaryFile?: string;
}

/** What the CLI says instead of an undo command: the emulator the changes went to is gone. */
export const SANDBOX_UNDO_NOTE =
  "Undo: nothing to undo: the changes were made in the sandbox's emulator, which stops now and takes them with it " +
  '(ct-audit undo refuses a sandbox run rather than send its calls to AWS).';

/**
 * `ct-audit sandbox --remediate`: audit, plan, show the plan, ask (or --approve), apply and verify, then audit the
 * same emulator again and show which findings were resolved. Both audits take the same execution input as a plain
 * `sandbox` run (`--checks`, `--mode`, `--role`, `--max-concurrency`). The remediable findings come from the
 * current-state checks (network-exposure, s3-public-access, kms-key-deletion, security-services) and the resources
 * the sandbox plants for them.
 */
export async function sandboxRemediate(
  io: Io,
  flags: SandboxRemediateFlags,
  userSettings: Settings,
  organization: SandboxOrganization,
  input: Record<string, unknown> = {},
  terminal: Terminal = { input: process.stdin, output: process.stderr },
): Promise<number> {
  const settings = demoSettings(userSettings);
  const store = new LocalReportStore(resolve(flags.reportDir));
  const width = tableWidth(io.stdout);
  const audit = async (label: string) => {
    io.stderr.write(`Sandbox: ${label}...\n`);
    const executionName = await markSandboxAudit(store);
    const run = await runLocal({ settings, input, store, executionName, credentials: organization.credentials });
    if (run.summary && !flags.json) {
      io.stdout.write(
        renderSummary(run.summary, {
          ...(width !== undefined ? { width } : {}),
          onlyIssues: flags.onlyIssues ?? false,
          cwd: process.cwd(),
          records: { reportDir: flags.reportDir },
        }),
      );
    }
    return run;
  };

  const first = await audit('auditing before remediation');
  if (!first.summary) {
    io.stderr.write(`ct-audit: the first audit did not complete: ${cleanText(first.error?.cause ?? '')}\n`);
    return 2;
  }
  const before = await remediableFindings(store, first);
  io.stderr.write(`Sandbox: ${before.size} findings that an action can fix; planning with every action switched on\n`);
  // Marked before anything is applied, so that `ct-audit undo` refuses the run even if the sandbox is interrupted.
  const executionName = newExecutionName().replace(/^local-/, 'local-remediate-');
  const mark: SandboxRemediationMark = { sandbox: true, auditRunId: first.executionName };
  await store.putState(SANDBOX_REMEDIATION_STATE(executionName), mark);
  const { code, result } = await executeRemediation(io, {
    settings,
    store,
    input: { auditRunId: first.executionName, mode: 'apply' },
    executionName,
    approver: terminalApprover({ approve: Boolean(flags.approve), terminal }),
    credentials: organization.credentials,
    ...(flags.json ? { json: true } : {}),
    ...(flags.summaryFile ? { summaryFile: flags.summaryFile } : {}),
  });
  if (result.summary?.outcome !== 'APPLIED') return code;

  const second = await audit('auditing again after remediation');
  const after = await remediableFindings(store, second);
  const resolved = [...before.entries()].filter(([fingerprint]) => !after.has(fingerprint));
  // With --json, stdout is the remediation summary alone.
  const out = flags.json ? io.stderr : io.stdout;
  out.write(`Findings resolved by remediation run ${result.executionName}: ${resolved.length} of ${before.size}\n`);
  for (const [, { accountId, finding }] of resolved) {
    out.write(`  ${accountId}  RESOLVED  ${finding.rule}  ${cleanText(finding.resource?.id ?? '', 80)}\n`);
  }
  for (const [fingerprint, { accountId, finding }] of after) {
    if (before.has(fingerprint)) {
      out.write(`  ${accountId}  OPEN      ${finding.rule}  ${cleanText(finding.resource?.id ?? '', 80)}\n`);
    }
  }
  out.write(`${SANDBOX_UNDO_NOTE}\n`);
  return code;
}
