import { s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { settingsFromEnv } from '../lib/read-settings';
import { S3ReportStore } from '../lib/report-store';
import { type StartRemediationEvent, startRemediation } from '../remediations/start';

const deps = { settings: settingsFromEnv(), store: new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client()) };

/** Start Remediation: validates the input and lists the audit run's accounts with findings. */
export const handler = async (event: StartRemediationEvent) => {
  logger.appendKeys({ runId: event?.executionName });
  return startRemediation(event, deps);
};
