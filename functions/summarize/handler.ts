import { s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { S3ReportStore } from '../lib/report-store';
import { deployedSettings } from '../lib/settings-parameter';
import { type SummarizeEvent, summarize } from './summarize';

const store = new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client());
// Module scope: the settings (their mutes) are read from SSM once per execution environment, then cached.
const settings = deployedSettings();

/** Summarize: joins every target with its record and writes summary.json. */
export const handler = async (event: SummarizeEvent) => {
  logger.appendKeys({ runId: event?.run?.id });
  return summarize(event, { store, mutes: (await settings()).mutes });
};
