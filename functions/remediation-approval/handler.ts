import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { settingsFromEnv } from '../lib/read-settings';
import { S3ReportStore } from '../lib/report-store';
import { type RequestApprovalEvent, requestApproval } from '../remediations/approval';

const settings = settingsFromEnv();
const topicArn = settings.remediation.approvalTopicArn;
const deps = {
  store: new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client()),
  ...(topicArn ? { sns: awsClient(SNSClient), topicArn } : {}),
};

/** Approve Remediations (.waitForTaskToken): records the request; the execution waits for the answer. */
export const handler = async (event: RequestApprovalEvent) => {
  // Never the token itself in the logs.
  logger.appendKeys({ runId: event?.run?.id });
  return requestApproval(event, deps);
};
