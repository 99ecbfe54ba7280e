import { s3Client } from '../lib/clients';
import { requireEnv } from '../lib/errors';
import { logger } from '../lib/logger';
import { S3ReportStore } from '../lib/report-store';
import { type ReviewPlanEvent, reviewPlan } from '../remediations/review';

const store = new S3ReportStore(requireEnv('REPORT_BUCKET'), s3Client());

/** Review Plan: joins the plans, enforces the cap, decides what comes next. */
export const handler = async (event: ReviewPlanEvent) => {
  logger.appendKeys({ runId: event?.run?.id });
  return reviewPlan(event, store);
};
