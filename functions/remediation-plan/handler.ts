import { s3Client, stsClient } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { currentPartition } from '../lib/partition';
import { settingsFromEnv } from '../lib/read-settings';
import { S3ReportStore } from '../lib/report-store';
import { type PlanAccountEvent, planAccount, planSessions } from '../remediations/plan';

const deps = {
  settings: settingsFromEnv(),
  // Every session is narrowed to the reads the actions' inspect makes by a session policy.
  sessions: planSessions(stsClient()),
  store: new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client()),
  partition: currentPartition(),
};

/** Plan Account: one account's plan, read with the read-only execution role. Runs as the Audit read-only role. */
export const handler = async (event: PlanAccountEvent) => {
  logger.appendKeys({ runId: event?.run?.id, accountId: event?.accountId });
  return planAccount(event, deps);
};
