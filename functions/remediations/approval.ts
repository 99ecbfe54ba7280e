import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ReportStore } from '../lib/report-store';
import { PATHS, type RemediationRun } from './documents';
import type { ReviewPlanResult } from './review';

/** The error a rejection (ct-audit reject, send-task-failure) carries; Summarize Remediation reads it. */
export const REJECTED_ERROR = 'RemediationRejected';

/** Approve Remediations' payload: the task token and the plan's totals. */
export interface RequestApprovalEvent {
  readonly taskToken: string;
  readonly run: RemediationRun;
  readonly totals: ReviewPlanResult['totals'];
}

/** The commands that answer a waiting run, for the message and the approval file. */
export function answerCommands(runId: string): { approve: string; reject: string; sendTaskSuccess: string } {
  return {
    approve: `ct-audit approve --run ${runId} --report-bucket <bucket>`,
    reject: `ct-audit reject --run ${runId} --report-bucket <bucket> --reason "..."`,
    sendTaskSuccess:
      `aws stepfunctions send-task-success --task-token "$(aws s3 cp s3://<bucket>/state/${PATHS.approvalToken(runId)} - ` +
      `| jq -r .taskToken)" --task-output '{"approved":true,"approvedBy":"<you>","approvedAt":"<ISO time>"}'`,
  };
}

/**
 * Asks for approval (deployed: the `.waitForTaskToken` task's function). Writes the request (the plan's totals, when
 * it expires, the commands that answer it) to the run folder, the same with the task token to a state document the
 * `approve`/`reject` commands find by run ID, and publishes the request to the approval topic when one is configured.
 * Returns at once; the execution waits for the answer.
 *
 * The token is a capability: with `states:SendTaskSuccess`, whoever holds it answers the run. So it goes under
 * `state/`, which only the stack's functions and the operators who approve read, never to the run folder, which the
 * named readers (`reportReaders`) may read, nor into the message.
 */
export async function requestApproval(
  event: RequestApprovalEvent,
  deps: {
    readonly store: ReportStore;
    readonly sns?: SNSClient;
    readonly topicArn?: string;
    readonly now?: () => Date;
  },
): Promise<{ readonly requested: true }> {
  const now = deps.now ?? (() => new Date());
  const { run, totals, taskToken } = event;
  const requestedAt = now().toISOString();
  const expiresAt = new Date(Date.parse(requestedAt) + run.approvalTimeoutSeconds * 1000).toISOString();
  const commands = answerCommands(run.id);
  const document = { remediationRunId: run.id, auditRunId: run.auditRun.id, requestedAt, expiresAt, totals, commands };
  await deps.store.putJson(run, PATHS.approval, document);
  await deps.store.putState(PATHS.approvalToken(run.id), {
    ...document,
    taskToken,
    run: { id: run.id, startedAt: run.startedAt },
  });
  if (deps.sns && deps.topicArn) {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: `ct-audit: ${totals.planned} remediations wait for approval`,
        // The token is not in the message: whoever may approve reads it from the report bucket.
        Message:
          `Remediation run ${run.id} (audit run ${run.auditRun.id}) plans ${totals.planned} actions.\n` +
          // What the plan could not cover: approving applies the rest, and the run still ends incomplete.
          (totals.accountErrors + totals.itemErrors > 0
            ? `Not planned (errors): ${totals.accountErrors} accounts, ${totals.itemErrors} findings.\n`
            : '') +
          `Plan: ${run.reportLocation}plan.json and plan/<account>.json\n` +
          `Approve: ${commands.approve}\nReject: ${commands.reject}\n` +
          `No answer by ${expiresAt} is a rejection.`,
      }),
    );
  }
  return { requested: true };
}
