import { formatAge } from '../cloudtrail/format';
import {
  describeLogArchiveError,
  isCheckResult,
  LogArchiveError,
  logArchiveRole,
  type NewestLogFile,
  newestLogFile,
  openLogArchive,
} from '../cloudtrail/log-archive';
import { mapLimit } from '../lib/concurrency';
import { isThrottle } from '../lib/errors';
import { CHECK_INFO } from './catalog';
import type { Check } from './types';

/** Regions listed at once: a few list calls each, light on S3 whatever the number of regions. */
const REGION_CONCURRENCY = 4;

/** Regions named in a FAIL message before "+N more". */
const MESSAGE_REGIONS = 3;

function day(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/**
 * `cloudtrail-delivery`: in every governed region, the account's newest CloudTrail file in the Log Archive bucket
 * is younger than `cloudtrail.freshnessMinutes`. Lists today's folder (and yesterday's around midnight UTC or when
 * today's is empty), never the whole bucket.
 *
 * Only the governed regions, not the global-events region that `cloudtrail-events` also reads (us-east-1 in `aws`):
 * the trail delivers a region's file only when it has events, and an ungoverned region may go hours without one,
 * so its age would make false alarms, not prove a break. A trail that stops delivering stops in every region at
 * once (it is one multi-Region trail), which the governed regions already show.
 */
export const cloudTrailDeliveryCheck: Check = {
  ...CHECK_INFO['cloudtrail-delivery'],
  async run(context) {
    const opened = await openLogArchive(context);
    if (isCheckResult(opened)) return opened;
    const { s3, target } = opened;
    const now = context.now();
    const freshness = context.settings.cloudtrail.freshnessMinutes;

    let ordered: NewestLogFile[];
    try {
      ordered = await mapLimit(target.regions, REGION_CONCURRENCY, (region) =>
        newestLogFile(s3, target.location, context.accountId, region, now, freshness),
      );
    } catch (error) {
      if (isThrottle(error)) throw error instanceof LogArchiveError ? error.cause : error;
      const role = logArchiveRole(context);
      const info = describeLogArchiveError(error, role.name, role.which);
      return { status: 'ERROR', message: 'cannot list the Log Archive bucket', error: info };
    }

    const ageOf = (result: NewestLogFile) => now.getTime() - (result.newest?.deliveredAt.getTime() ?? 0);
    const stale = ordered.filter((result) => !result.newest || ageOf(result) > freshness * 60_000);
    if (stale.length > 0) {
      const shown = stale
        .slice(0, MESSAGE_REGIONS)
        .map((result) =>
          result.newest
            ? `${result.region}: newest file ${formatAge(ageOf(result))} old`
            : `${result.region}: no file since ${day(result.since)}`,
        );
      const more = stale.length > MESSAGE_REGIONS ? `; +${stale.length - MESSAGE_REGIONS} more regions` : '';
      return { status: 'FAIL', message: `${shown.join('; ')}${more}` };
    }
    const oldest = Math.max(...ordered.map(ageOf));
    const where = ordered.length === 1 ? (ordered[0] as NewestLogFile).region : `${ordered.length} regions`;
    return { status: 'PASS', message: `${where}: newest file ${formatAge(oldest)} old` };
  },
};
