import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { currentPartition } from '../lib/partition';
import { S3ReportStore } from '../lib/report-store';
import { settingsFromEnv } from '../lib/settings';
import type { ReportSink } from '../report/sink';
import {
  EventBridgeSink,
  METRICS_NAMESPACE,
  MetricsSink,
  ReportFileSink,
  SecurityHubSink,
  SnsSink,
} from '../report/sinks';
import { type PublishReportEvent, publishReport } from './publish-report';

// Read at cold start: a wrong deployment fails before any run reaches this state.
const settings = settingsFromEnv();
const store = new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client());
const sinks: ReportSink[] = [
  new ReportFileSink(store),
  new SnsSink(awsClient(SNSClient), requireEnv('RUN_TOPIC_ARN'), settings.notify.always),
  new EventBridgeSink(awsClient(EventBridgeClient)),
  ...(settings.securityHub.enabled
    ? [
        new SecurityHubSink(awsClient(SecurityHubClient), {
          auditAccountId: requireEnv('AUDIT_ACCOUNT_ID'),
          region: requireEnv('AWS_REGION'),
          partition: currentPartition(),
        }),
      ]
    : []),
  new MetricsSink(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'ct-audit' })),
];

/** Publish Report: report.html, the SNS message, the run event, Security Hub findings and the run metrics. */
export const handler = async (event: PublishReportEvent) => {
  logger.appendKeys({ runId: event?.run?.id });
  return publishReport(event, { store, sinks });
};
