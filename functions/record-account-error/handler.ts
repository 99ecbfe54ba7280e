import { s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { S3ReportStore } from '../lib/report-store';
import { type RecordAccountErrorEvent, recordAccountError } from './record-account-error';

const deps = { store: new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client()) };

/** Record Account Error: the Catch of an Audit Account iteration. */
export const handler = async (event: RecordAccountErrorEvent) => {
  logger.appendKeys({ runId: event?.run?.id, accountId: event?.accountId });
  return recordAccountError(event, deps);
};
