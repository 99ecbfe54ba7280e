import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { currentPartition } from '../lib/partition';
import { S3ReportStore } from '../lib/report-store';
import type { Settings } from '../lib/settings';
import { deployedSettings } from '../lib/settings-parameter';
import { isFixableRule } from '../remediations/fixable-rules';
import type { ReportSink } from '../report/sink';
import {
  EventBridgeSink,
  METRICS_NAMESPACE,
  MetricsSink,
  REMEDIATION_STATE_MACHINE_ENV,
  RemediationPlanSink,
  ReportFileSink,
  SnsSink,
} from '../report/sinks';
import { type PublishReportEvent, publishReport } from './publish-report';

// Module scope: the settings are read from SSM once (then cached) and the sinks made once from them.
const settings = deployedSettings();
const store = new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client());
let sinks: ReportSink[] | undefined;

/**
 * The Security Hub sink's module, loaded only when the export is on: Security Hub's client is a quarter of this
 * function's cold start (report/security-hub-sink.ts). `require`, not `import()`: the bundle is CommonJS, where it
 * loads the file beside it at once without the ES module loader, and jest and tsx load the TypeScript the same way.
 */
function loadSecurityHubSink(): typeof import('../report/security-hub-sink.js') {
  return require('../report/security-hub-sink');
}

function makeSinks(settings: Settings): ReportSink[] {
  return [
    new ReportFileSink(store),
    new SnsSink(awsClient(SNSClient), requireEnv('RUN_TOPIC_ARN'), settings.notify.always),
    new EventBridgeSink(awsClient(EventBridgeClient)),
    ...(settings.securityHub.enabled
      ? [
          loadSecurityHubSink().securityHubSink(
            {
              auditAccountId: requireEnv('AUDIT_ACCOUNT_ID'),
              region: requireEnv('AWS_REGION'),
              partition: currentPartition(),
            },
            store,
          ),
        ]
      : []),
    new MetricsSink(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'ct-audit' })),
    // The stack sets the ARN only with adminEnabled and afterScheduledAudit "plan" (the workflow exists only then).
    ...(settings.remediation.afterScheduledAudit === 'plan'
      ? [new RemediationPlanSink(awsClient(SFNClient), requireEnv(REMEDIATION_STATE_MACHINE_ENV), isFixableRule)]
      : []),
  ];
}

/**
 * Publish Report: report.html, the SNS message, the run event, Security Hub findings, the run metrics and, with
 * `remediation.afterScheduledAudit: "plan"`, the remediation plan of a scheduled run.
 */
export const handler = async (event: PublishReportEvent) => {
  logger.appendKeys({ runId: event?.run?.id });
  sinks ??= makeSinks(await settings());
  return publishReport(event, { store, sinks });
};
