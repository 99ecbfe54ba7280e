import { organizationsClient, s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { S3ReportStore } from '../lib/report-store';
import { deployedSettings } from '../lib/settings-parameter';
import { type ResolveTargetsEvent, resolveTargets } from './resolve-targets';

// Module scope: clients once per execution environment; the settings read from SSM once, then cached.
const settings = deployedSettings();
const organizations = organizationsClient();
const store = new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client());

/** Resolve Targets: the first state of the workflow. */
export const handler = async (event: ResolveTargetsEvent) => {
  logger.appendKeys({ runId: event?.executionName });
  return resolveTargets(event, { settings: await settings(), organizations, store });
};
