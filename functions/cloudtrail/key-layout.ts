/**
 * `organization`: `AWSLogs/<orgId>/<accountId>/...` (organization trails, Control Tower);
 * `account`: `AWSLogs/<accountId>/...` (trails made before organization trails).
 */
export type LogLayout = 'organization' | 'account';

/** Where an organization's CloudTrail files are: bucket, what stands before `AWSLogs/`, and the layout. */
export interface LogLocation {
  readonly bucket: string;
  /** Before `AWSLogs/`, without slashes at either end: the organization ID under Control Tower, '' for older trails. */
  readonly keyPrefix: string;
  readonly layout: LogLayout;
  /** Required by the `organization` layout. */
  readonly organizationId?: string;
}

/** A log file key taken apart. */
export interface ParsedLogKey {
  readonly keyPrefix: string;
  readonly layout: LogLayout;
  readonly organizationId?: string;
  readonly accountId: string;
  readonly region: string;
  /** The date folder, `YYYY-MM-DD`. */
  readonly day: string;
  /** The time in the file name: when CloudTrail delivered the file (minute precision). */
  readonly deliveredAt: Date;
  readonly suffix: string;
}

const two = (n: number) => String(n).padStart(2, '0');

/** `YYYY/MM/DD` of the UTC day of a time. */
export function dayPath(time: Date): string {
  return `${time.getUTCFullYear()}/${two(time.getUTCMonth() + 1)}/${two(time.getUTCDate())}`;
}

/** `YYYYMMDDTHHmmZ`, the time stamp of a log file name. */
export function fileTimestamp(time: Date): string {
  return (
    `${time.getUTCFullYear()}${two(time.getUTCMonth() + 1)}${two(time.getUTCDate())}` +
    `T${two(time.getUTCHours())}${two(time.getUTCMinutes())}Z`
  );
}

/** The folder of one account's files in one region: `<keyPrefix>/AWSLogs/[<orgId>/]<accountId>/CloudTrail/<region>/`. */
export function regionPrefix(location: Omit<LogLocation, 'bucket'>, accountId: string, region: string): string {
  const head = location.keyPrefix === '' ? '' : `${location.keyPrefix}/`;
  if (location.layout === 'organization') {
    if (!location.organizationId) throw new Error('the organization layout needs the organization ID');
    return `${head}AWSLogs/${location.organizationId}/${accountId}/CloudTrail/${region}/`;
  }
  return `${head}AWSLogs/${accountId}/CloudTrail/${region}/`;
}

/** The folder of one UTC day: `<region prefix>YYYY/MM/DD/`. */
export function dayPrefix(location: Omit<LogLocation, 'bucket'>, accountId: string, region: string, day: Date): string {
  return `${regionPrefix(location, accountId, region)}${dayPath(day)}/`;
}

/** `<accountId>_CloudTrail_<region>_YYYYMMDDTHHmmZ` — every file of that minute sorts at or after this. */
export function fileNameStem(accountId: string, region: string, deliveredAt: Date): string {
  return `${accountId}_CloudTrail_${region}_${fileTimestamp(deliveredAt)}`;
}

/** The full key of a log file delivered at a time; `suffix` is CloudTrail's 16 random characters. */
export function logFileKey(
  location: Omit<LogLocation, 'bucket'>,
  accountId: string,
  region: string,
  deliveredAt: Date,
  suffix: string,
): string {
  return `${dayPrefix(location, accountId, region, deliveredAt)}${fileNameStem(accountId, region, deliveredAt)}_${suffix}.json.gz`;
}

const KEY_PATTERN =
  /^(?:(.+)\/)?AWSLogs\/(?:(o-[a-z0-9]{10,32})\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_([A-Za-z0-9]+)\.json\.gz$/;

/**
 * Takes a log file key apart, in any of the three layouts. Undefined for anything else (digest files, other
 * objects, a file name whose account or region disagrees with its folder, an impossible time). With `location`,
 * only that exact layout is accepted: its key prefix and organization ID, and no extra path segment anywhere (a
 * file a member account's own trail writes under the day folder is not a Log Archive file).
 */
export function parseLogKey(key: string, location?: Omit<LogLocation, 'bucket'>): ParsedLogKey | undefined {
  const m = KEY_PATTERN.exec(key);
  if (!m) return undefined;
  const [, prefix, organizationId, accountId, region, y, mo, d, fileAccount, fileRegion, fy, fmo, fd, fh, fmi, suffix] =
    m as unknown as string[];
  if (fileAccount !== accountId || fileRegion !== region) return undefined;
  const deliveredAt = new Date(Date.UTC(Number(fy), Number(fmo) - 1, Number(fd), Number(fh), Number(fmi)));
  if (fileTimestamp(deliveredAt) !== `${fy}${fmo}${fd}T${fh}${fmi}Z`) return undefined;
  if (location && !matchesLocation(location, prefix ?? '', organizationId)) return undefined;
  return {
    keyPrefix: prefix ?? '',
    layout: organizationId ? 'organization' : 'account',
    ...(organizationId ? { organizationId } : {}),
    accountId: accountId as string,
    region: region as string,
    day: `${y}-${mo}-${d}`,
    deliveredAt,
    suffix: suffix as string,
  };
}

function matchesLocation(
  location: Omit<LogLocation, 'bucket'>,
  keyPrefix: string,
  organizationId: string | undefined,
): boolean {
  if (keyPrefix !== location.keyPrefix) return false;
  if (location.layout === 'organization')
    return organizationId !== undefined && organizationId === location.organizationId;
  return organizationId === undefined;
}
