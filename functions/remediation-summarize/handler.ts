import { s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { S3ReportStore } from '../lib/report-store';
import { type SummarizeRemediationEvent, summarizeRemediation } from '../remediations/summarize';

const store = new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client());

/** Summarize Remediation: remediation/summary.json and the outcome. */
export const handler = async (event: SummarizeRemediationEvent) => {
  logger.appendKeys({ runId: event?.run?.id });
  return summarizeRemediation(event, store);
};
