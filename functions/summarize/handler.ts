import { s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { S3ReportStore } from '../lib/report-store';
import { settingsFromEnv } from '../lib/settings';
import { type SummarizeEvent, summarize } from './summarize';

const store = new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client());
const settings = settingsFromEnv();

/** Summarize: joins every target with its record and writes summary.json. */
export const handler = async (event: SummarizeEvent) => {
  logger.appendKeys({ runId: event?.run?.id });
  return summarize(event, { store, mutes: settings.mutes });
};
