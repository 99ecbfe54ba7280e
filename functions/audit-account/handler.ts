import { SessionCache } from '../lib/assume-role';
import { s3Client, stsClient } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { currentPartition } from '../lib/partition';
import { S3ReportStore } from '../lib/report-store';
import { deployedSettings } from '../lib/settings-parameter';
import { type AuditAccountEvent, auditAccount, type Invocation } from './audit-account';

// Module scope: a warm function keeps its sessions (Log Archive, mostly) until they near expiry, and its settings.
const settings = deployedSettings();
const deps = {
  sessions: new SessionCache(stsClient()),
  store: new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client()),
  partition: currentPartition(),
};

/** Audit Account: one Map iteration, one account. Runs as the Control Tower Audit role. */
export const handler = async (event: AuditAccountEvent, context: Invocation) => {
  logger.appendKeys({ runId: event?.run?.id, accountId: event?.accountId });
  return auditAccount(event, { ...deps, settings: await settings() }, context);
};
