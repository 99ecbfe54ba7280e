import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { type Command, Option } from 'commander';
import { configureClientTimeouts } from '../../functions/lib/clients';
import { errorMessage, InvalidInputError } from '../../functions/lib/errors';
import { LocalReportStore, type ReportStore } from '../../functions/lib/report-store';
import type { Settings } from '../../functions/lib/settings';
import { cleanText } from '../../functions/lib/text';
import type { Approval } from '../../functions/remediations/documents';
import { remediationInputSchema } from '../../functions/remediations/start';
import { useEndpoint } from '../endpoint';
import type { LocalCredentials } from '../engine';
import type { Io } from '../main';
import {
  type ApprovalRequest,
  type Approver,
  type LocalRemediationResult,
  RejectedError,
  runRemediationLocal,
} from '../remediate-engine';
import { SANDBOX_AUDIT_STATE, type SandboxAuditMark } from '../sandbox/marks';
import { readSettingsFile, resolveSettings } from '../settings-file';
import { exitCodeOf, REMEDIATION_EXIT, renderAccountProblems, renderPlan } from './remediation-output';

/** Flags of `ct-audit remediate`. */
export interface RemediateFlags {
  run: string;
  plan?: boolean;
  apply?: boolean;
  approve?: boolean;
  actions?: string[];
  accounts?: string[];
  summaryFile?: string;
  json?: boolean;
  settings?: string;
  reportDir: string;
  endpoint?: string;
}

/** Where the terminal approver reads and writes. */
export interface Terminal {
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly output: NodeJS.WritableStream;
}

/**
 * The local Approve Remediations: the local engine has no `.waitForTaskToken`, so a person answers here instead.
 * `--approve` approves; otherwise it asks y/N when stdin is a terminal, and refuses when it is not (a script that
 * did not say --approve never applies anything).
 */
export function terminalApprover(options: { readonly approve: boolean; readonly terminal: Terminal }): Approver {
  const who = () => {
    try {
      return `local:${userInfo().username}`;
    } catch {
      return 'local:unknown';
    }
  };
  return async (request: ApprovalRequest): Promise<Approval> => {
    const { planned } = request.totals;
    if (options.approve)
      return { approved: true, approvedBy: `${who()} (--approve)`, approvedAt: new Date().toISOString() };
    if (!options.terminal.input.isTTY) {
      throw new RejectedError('refused: stdin is not a terminal and --approve was not given; nothing was applied');
    }
    const prompt = createInterface({ input: options.terminal.input, output: options.terminal.output });
    try {
      const answer = await prompt.question(`Apply ${planned} remediations of run ${request.run.id}? [y/N] `);
      if (/^y(es)?$/i.test(answer.trim())) {
        return { approved: true, approvedBy: `${who()} (terminal)`, approvedAt: new Date().toISOString() };
      }
      throw new RejectedError(`rejected on the terminal by ${who()}`);
    } finally {
      prompt.close();
    }
  };
}

/** Runs a remediation locally and prints it; returns the exit code. Shared by `remediate` and `sandbox --remediate`. */
export async function executeRemediation(
  io: Io,
  options: {
    readonly settings: Settings;
    readonly store: ReportStore;
    readonly input: Record<string, unknown>;
    /** The remediation run's ID; a new `local-remediate-…` one when left out. */
    readonly executionName?: string;
    readonly approver: Approver;
    readonly credentials?: LocalCredentials;
    readonly json?: boolean;
    readonly summaryFile?: string;
  },
): Promise<{ code: number; result: LocalRemediationResult }> {
  const result = await runRemediationLocal({
    settings: options.settings,
    input: options.input,
    store: options.store,
    approve: options.approver,
    ...(options.executionName ? { executionName: options.executionName } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    onPlanned: async (review) => {
      if (options.json) return;
      io.stdout.write(await renderPlan(options.store, review.run, await plannedAccounts(options.store, review.run)));
    },
  });
  if (!result.summary || !result.output) {
    const error = result.error ?? { error: 'States.Runtime', cause: 'the remediation ended without a summary' };
    io.stderr.write(`ct-audit: the remediation could not run: ${error.error}: ${cleanText(error.cause)}\n`);
    return { code: REMEDIATION_EXIT.invalid, result };
  }
  if (options.json) io.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
  else {
    io.stdout.write(`${result.summary.message}\n`);
    io.stdout.write(renderAccountProblems(result.summary));
    io.stdout.write(`Remediation run ${result.executionName}: ${result.endState ?? result.summary.outcome}\n`);
    io.stdout.write(`Records: ${result.summary.reportLocation}\n`);
  }
  const code = exitCodeOf(result.summary.outcome);
  // After the outcome, never instead of it: an --apply has changed things by now, whatever becomes of the file.
  if (options.summaryFile && !(await writeSummaryFile(io, options.summaryFile, result.summary))) {
    return { code: Math.max(code, REMEDIATION_EXIT.failed), result };
  }
  return { code, result };
}

/** Writes `--summary-file`; a failure is said on stderr, with where the records are, and returns false. */
async function writeSummaryFile(io: Io, file: string, summary: { reportLocation: string }): Promise<boolean> {
  const path = resolve(file);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(summary, null, 2)}\n`);
    return true;
  } catch (error) {
    io.stderr.write(
      `ct-audit: cannot write --summary-file ${path}: ${cleanText(errorMessage(error), 300)}; the outcome above ` +
        `stands, and the remediation's records are in ${summary.reportLocation}\n`,
    );
    return false;
  }
}

async function plannedAccounts(store: ReportStore, run: { id: string; startedAt: string }): Promise<string[]> {
  const names = await store.list(run, 'remediation/plan/');
  return names
    .map((name) => name.replace(/^.*\/(\d{12})\.json$/, '$1'))
    .filter((id) => /^\d{12}$/.test(id))
    .sort();
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

async function remediateCommand(io: Io, flags: RemediateFlags, terminal: Terminal): Promise<number> {
  if (Boolean(flags.plan) === Boolean(flags.apply)) {
    throw new InvalidInputError('give exactly one of --plan (change nothing) or --apply');
  }
  useEndpoint(flags.endpoint);
  const settings = resolveSettings(readSettingsFile(flags.settings));
  configureClientTimeouts(settings.sdk);
  const input = {
    auditRunId: flags.run,
    mode: flags.apply ? 'apply' : 'plan',
    ...(flags.accounts ? { accounts: flags.accounts } : {}),
    ...(flags.actions ? { actions: flags.actions } : {}),
  };
  const parsed = remediationInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidInputError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  }
  const store = new LocalReportStore(resolve(flags.reportDir));
  // A sandbox's audit run describes the sandbox's emulator, which stopped with it: planned here, its fixes would be
  // sent to whatever the shell points at, real AWS included. `sandbox --remediate` remediates its runs while it runs.
  if (await store.getState<SandboxAuditMark>(SANDBOX_AUDIT_STATE(flags.run))) {
    throw new InvalidInputError(
      `audit run ${flags.run} was made by ct-audit sandbox: its findings describe the sandbox's emulator, which ` +
        'stopped with it, so ct-audit remediate will not plan or apply them against anything else (AWS included); ' +
        'to see remediation on the sandbox, run ct-audit sandbox --remediate',
    );
  }
  const { code } = await executeRemediation(io, {
    settings,
    store,
    input,
    approver: terminalApprover({ approve: Boolean(flags.approve), terminal }),
    ...(flags.json ? { json: true } : {}),
    ...(flags.summaryFile ? { summaryFile: flags.summaryFile } : {}),
  });
  return code;
}

/** `ct-audit remediate`: plan or apply the remediations of an audit run, locally. */
export function registerRemediate(
  root: Command,
  io: Io,
  done: (code: number) => void,
  terminal: Terminal = { input: process.stdin, output: process.stderr },
): void {
  root
    .command('remediate')
    .description('plan (--plan) or apply (--apply) the remediations of a finished audit run, locally')
    .exitOverride()
    .requiredOption('--run <auditRunId>', 'the audit run whose findings are remediated')
    .addOption(new Option('--plan', 'plan only: read the current state and change nothing').conflicts('apply'))
    .addOption(new Option('--apply', 'plan, ask for approval, apply and verify').conflicts('plan'))
    .option('--approve', 'approve the plan without asking (for scripts)')
    .option('--actions <ids>', 'only these actions (comma-separated)', list)
    .option('--accounts <ids>', 'only these accounts (comma-separated 12-digit IDs)', list)
    .option('--summary-file <path>', 'write the remediation summary JSON to this file')
    .option('--json', 'print the remediation summary JSON on stdout')
    .option('--settings <path>', 'settings file (cdk.json or settings JSON) (default: ./cdk.json)')
    .option('--report-dir <dir>', 'where the audit run and the remediation records are', 'audit-reports')
    .option('--endpoint <url>', 'send every AWS call to this endpoint (an AWS-compatible emulator)')
    .action(async (flags: RemediateFlags) => done(await remediateCommand(io, flags, terminal)));
}

/** Kept apart so that tests can reach it without commander. */
export { remediateCommand };
