import { SessionCache } from '../lib/assume-role';
import { s3Client, stsClient } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { currentPartition } from '../lib/partition';
import { settingsFromEnv } from '../lib/read-settings';
import { S3ReportStore } from '../lib/report-store';
import { type ApplyAccountEvent, applyAccount } from '../remediations/apply';
import { REMEDIATION_SESSION_POLICY } from '../remediations/session-policy';

const deps = {
  settings: settingsFromEnv(),
  // Every session is narrowed to the remediation calls by a session policy.
  sessions: new SessionCache(stsClient(), undefined, REMEDIATION_SESSION_POLICY),
  store: new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client()),
  partition: currentPartition(),
};

/** Apply Account: re-check, apply, verify, record. Runs as the Audit administrator role. */
export const handler = async (event: ApplyAccountEvent) => {
  logger.appendKeys({ runId: event?.run?.id, accountId: event?.accountId });
  return applyAccount(event, deps);
};
