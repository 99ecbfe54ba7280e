import { resolve } from 'node:path';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { awsClient, s3Client, stsClient } from '../../functions/lib/clients';
import { InvalidInputError } from '../../functions/lib/errors';
import { isRunId, LocalReportStore, type ReportStore, S3ReportStore } from '../../functions/lib/report-store';
import { cleanText } from '../../functions/lib/text';
import { REJECTED_ERROR } from '../../functions/remediations/approval';
import { PATHS } from '../../functions/remediations/documents';
import type { Io } from '../main';
import { configureTimeoutsFrom } from '../settings-file';
import { REMEDIATION_EXIT } from './remediation-output';

/** What answers a waiting deployed remediation run. */
export interface AnswerDeps {
  readonly store: ReportStore;
  readonly sfn: SFNClient;
  readonly sts: STSClient;
  readonly now?: () => Date;
}

/**
 * Approves or rejects a deployed remediation run that waits in Approve Remediations: reads the task token the run
 * left in the report store and sends it back with SendTaskSuccess (the approval: who, when) or SendTaskFailure.
 */
export async function answerApproval(
  io: Io,
  request: { readonly runId: string; readonly approve: boolean; readonly reason?: string },
  deps: AnswerDeps,
): Promise<number> {
  if (!isRunId(request.runId)) {
    throw new InvalidInputError(`--run must be a remediation run ID (got "${cleanText(request.runId, 80)}")`);
  }
  const waiting = await deps.store.getState<{ taskToken?: string }>(PATHS.approvalToken(request.runId));
  if (!waiting?.taskToken) {
    throw new InvalidInputError(`remediation run ${request.runId} is not waiting for approval (no task token found)`);
  }
  const { Arn } = await deps.sts.send(new GetCallerIdentityCommand({}));
  const by = cleanText(Arn ?? 'unknown', 256);
  const at = (deps.now ?? (() => new Date()))().toISOString();
  if (request.approve) {
    await deps.sfn.send(
      new SendTaskSuccessCommand({
        taskToken: waiting.taskToken,
        output: JSON.stringify({ approved: true, approvedBy: by, approvedAt: at }),
      }),
    );
    io.stdout.write(`Approved remediation run ${request.runId} as ${by}.\n`);
  } else {
    const reason = cleanText(request.reason ?? 'no reason given', 256);
    await deps.sfn.send(
      new SendTaskFailureCommand({
        taskToken: waiting.taskToken,
        error: REJECTED_ERROR,
        cause: `${reason} (by ${by} at ${at})`,
      }),
    );
    io.stdout.write(`Rejected remediation run ${request.runId} as ${by}: ${reason}\n`);
  }
  return REMEDIATION_EXIT.done;
}

interface AnswerFlags {
  run: string;
  reason?: string;
  reportBucket?: string;
  reportDir: string;
  settings?: string;
}

/** `ct-audit approve` and `ct-audit reject`, for the deployed workflow's Approve Remediations. */
export function registerApproval(root: Command, io: Io, done: (code: number) => void): void {
  for (const approve of [true, false]) {
    const command = root
      .command(approve ? 'approve' : 'reject')
      .description(
        approve
          ? 'approve a deployed remediation run that waits for approval (SendTaskSuccess)'
          : 'reject a deployed remediation run that waits for approval (SendTaskFailure): nothing is applied',
      )
      .exitOverride()
      .requiredOption('--run <remediationRunId>', 'the waiting remediation run')
      .option(
        '--report-bucket <name>',
        'the report bucket of the deployed stack, where the run left its task token (needed for a deployed run)',
      )
      .option('--report-dir <dir>', 'a local report folder instead of the bucket', 'audit-reports')
      .option('--settings <path>', 'settings file whose sdk.* timeouts apply (default: ./cdk.json)');
    if (!approve) command.option('--reason <text>', 'why, for the record');
    command.action(async (flags: AnswerFlags) => {
      configureTimeoutsFrom(flags.settings);
      const store = flags.reportBucket
        ? new S3ReportStore(flags.reportBucket, s3Client())
        : new LocalReportStore(resolve(flags.reportDir));
      done(
        await answerApproval(
          io,
          { runId: flags.run, approve, ...(flags.reason ? { reason: flags.reason } : {}) },
          { store, sfn: awsClient(SFNClient), sts: stsClient() },
        ),
      );
    });
  }
}
