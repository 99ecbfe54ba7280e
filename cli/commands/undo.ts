import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SessionCache } from '../../functions/lib/assume-role';
import type { Credentials } from '../../functions/lib/clients';
import { configureClientTimeouts, stsClient } from '../../functions/lib/clients';
import { InvalidInputError } from '../../functions/lib/errors';
import { isRemediationId } from '../../functions/lib/ids';
import { currentPartition } from '../../functions/lib/partition';
import { isRunId, LocalReportStore, type ReportStore, type RunRef } from '../../functions/lib/report-store';
import type { Settings } from '../../functions/lib/settings';
import { cleanText } from '../../functions/lib/text';
import { PATHS } from '../../functions/remediations/documents';
import { REMEDIATION_SESSION_POLICY } from '../../functions/remediations/session-policy';
import { type UndoOutcome, undoRun } from '../../functions/remediations/undo';
import { UsageError } from '../context';
import { useEndpoint } from '../endpoint';
import type { Io } from '../main';
import { SANDBOX_REMEDIATION_STATE, type SandboxRemediationMark } from '../sandbox/marks';
import { readSettingsFile, resolveSettings } from '../settings-file';
import { REMEDIATION_EXIT } from './remediation-output';

/** Finds a remediation run's folder from its ID (the pointer Start Remediation leaves). */
export async function remediationRunRef(store: ReportStore, runId: string): Promise<RunRef> {
  if (!isRunId(runId))
    throw new InvalidInputError(`--run must be a remediation run ID (got "${cleanText(runId, 80)}")`);
  const pointer = await store.getState<RunRef>(PATHS.runPointer(runId));
  if (!pointer)
    throw new InvalidInputError(`no remediation run ${runId} in ${store.location({ id: runId, startedAt: '' })}`);
  return pointer;
}

/** Undoes a remediation run (or one account / action of it) and prints what was restored. */
export async function executeUndo(
  io: Io,
  options: {
    readonly settings: Settings;
    readonly store: ReportStore;
    readonly runId: string;
    readonly accountId?: string;
    readonly actionId?: string;
    readonly adminCredentials?: Credentials;
  },
): Promise<{ code: number } & UndoOutcome> {
  if (options.accountId && !/^\d{12}$/.test(options.accountId)) {
    throw new InvalidInputError(`--account must be a 12-digit account ID (got "${cleanText(options.accountId, 40)}")`);
  }
  if (options.actionId && !isRemediationId(options.actionId)) {
    throw new InvalidInputError(`--action must be a remediation action ID (got "${cleanText(options.actionId, 60)}")`);
  }
  const run = await remediationRunRef(options.store, options.runId);
  if (await options.store.getState<SandboxRemediationMark>(SANDBOX_REMEDIATION_STATE(options.runId))) {
    throw new UsageError(
      `remediation run ${options.runId} was made by ct-audit sandbox --remediate: the emulator it changed stopped ` +
        'with the sandbox, so there is nothing to undo, and undo will not send its calls anywhere else (AWS included)',
    );
  }
  const outcome = await undoRun(
    {
      run,
      ...(options.accountId ? { accountId: options.accountId } : {}),
      ...(options.actionId ? { actionId: options.actionId } : {}),
      by: `local:${userInfo().username}`,
    },
    {
      settings: options.settings,
      sessions: new SessionCache(stsClient(options.adminCredentials), undefined, REMEDIATION_SESSION_POLICY),
      store: options.store,
      partition: currentPartition(),
    },
  );
  const { results } = outcome;
  if (results.length === 0) io.stdout.write('Nothing to undo: no remediated item matches.\n');
  for (const result of results) {
    io.stdout.write(
      `${result.accountId}  ${result.status.padEnd(8)} ${result.action} ${cleanText(result.resource, 120)}` +
        `${result.message ? `: ${cleanText(result.message, 200)}` : ''}\n`,
    );
  }
  if (outcome.report) io.stdout.write(`Report: ${outcome.report} (rendered again with the undo)\n`);
  if (outcome.reportProblem) {
    io.stderr.write(`The audit report was not rendered again (the records above are kept): ${outcome.reportProblem}\n`);
  }
  const failed = results.some((result) => result.status === 'FAILED');
  return { code: failed ? REMEDIATION_EXIT.failed : REMEDIATION_EXIT.done, ...outcome };
}

/** `ct-audit undo`: restores the states recorded before a remediation run's changes. */
export function registerUndo(root: Command, io: Io, done: (code: number) => void): void {
  root
    .command('undo')
    .description(
      'restore what a local remediation run changed to the state recorded before it, and record that too (not a ' +
        'sandbox run: its emulator is gone)',
    )
    .exitOverride()
    .requiredOption('--run <remediationRunId>', 'the remediation run to undo')
    .option('--account <id>', 'only this account')
    .option('--action <id>', 'only this action')
    .option('--settings <path>', 'settings file (cdk.json or settings JSON) (default: ./cdk.json)')
    .option('--report-dir <dir>', 'where the remediation records are', 'audit-reports')
    .option('--endpoint <url>', 'send every AWS call to this endpoint (an AWS-compatible emulator)')
    .action(
      async (flags: {
        run: string;
        account?: string;
        action?: string;
        settings?: string;
        reportDir: string;
        endpoint?: string;
      }) => {
        useEndpoint(flags.endpoint);
        const settings = resolveSettings(readSettingsFile(flags.settings));
        configureClientTimeouts(settings.sdk);
        const { code } = await executeUndo(io, {
          settings,
          store: new LocalReportStore(resolve(flags.reportDir)),
          runId: flags.run,
          ...(flags.account ? { accountId: flags.account } : {}),
          ...(flags.action ? { actionId: flags.action } : {}),
        });
        done(code);
      },
    );
}
