import { formatAge } from '../cloudtrail/format';
import { type LogLocation, regionPrefix } from '../cloudtrail/key-layout';
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
import type { Finding } from '../lib/types';
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
 * The rule of a region whose CloudTrail files stopped arriving: its newest file is older than `freshnessMinutes`, or
 * none is in the folders listed. One rule for both: a delivery that stops reads "newest file 3h old" that day and the
 * next, then "no file since <day>", and it must stay the one finding (STILL_OPEN), never RESOLVED and found NEW
 * under another rule while nothing arrives.
 */
export const DELIVERY_STALE_RULE = 'cloudtrail-delivery/stale';

/** `s3://<bucket>/<…>/<accountId>/CloudTrail/<region>/`: where the account's files of that region land. */
export function deliveryFolder(location: LogLocation, accountId: string, region: string): string {
  return `s3://${location.bucket}/${regionPrefix(location, accountId, region)}`;
}

/**
 * The finding of one region that fails: HIGH, named by the account's delivery folder of that region, so that it is
 * the same finding every run the delivery stays stopped (the fingerprint is account, rule and resource; the age is
 * in the title and evidence only) and a notification, a change and a Security Hub finding like any other.
 */
function staleFinding(
  location: LogLocation,
  accountId: string,
  result: NewestLogFile,
  age: number,
  freshnessMinutes: number,
): Finding {
  const { region, newest } = result;
  return {
    rule: DELIVERY_STALE_RULE,
    severity: 'HIGH',
    title: newest
      ? `CloudTrail logs stopped arriving from ${region}: newest file ${formatAge(age)} old`
      : `CloudTrail logs stopped arriving from ${region}: no file since ${day(result.since)}`,
    resource: { type: 'CloudTrailDelivery', id: deliveryFolder(location, accountId, region), region },
    evidence: {
      freshnessMinutes,
      newestFile: newest?.key ?? null,
      newestDeliveredAt: newest?.deliveredAt.toISOString() ?? null,
      ...(newest ? { ageMinutes: Math.floor(age / 60_000) } : { noFileSince: day(result.since) }),
    },
  };
}

/**
 * `cloudtrail-delivery`: in every governed region, the account's newest CloudTrail file in the Log Archive bucket
 * is younger than `cloudtrail.freshnessMinutes`. Lists today's folder (and yesterday's around midnight UTC or when
 * today's is empty), never the whole bucket. Each region that fails is a `cloudtrail-delivery/stale` finding.
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
      return {
        status: 'FAIL',
        message: `${shown.join('; ')}${more}`,
        findings: stale.map((result) =>
          staleFinding(target.location, context.accountId, result, ageOf(result), freshness),
        ),
      };
    }
    const oldest = Math.max(...ordered.map(ageOf));
    const where = ordered.length === 1 ? (ordered[0] as NewestLogFile).region : `${ordered.length} regions`;
    return { status: 'PASS', message: `${where}: newest file ${formatAge(oldest)} old` };
  },
};
