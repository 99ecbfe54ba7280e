import { organizationsClient, s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { S3ReportStore } from '../lib/report-store';
import { settingsFromEnv } from '../lib/settings';
import { type ResolveTargetsEvent, resolveTargets } from './resolve-targets';

// Read at cold start: a wrong deployment fails before any run starts.
const deps = {
  settings: settingsFromEnv(),
  organizations: organizationsClient(),
  store: new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client()),
};

/** Resolve Targets: the first state of the workflow. */
export const handler = async (event: ResolveTargetsEvent) => {
  logger.appendKeys({ runId: event?.executionName });
  return resolveTargets(event, deps);
};
