import { cleanOptional, cleanText } from '../../lib/text';
import type { Finding } from '../../lib/types';
import {
  asObject,
  asString,
  type CloudTrailRecord,
  isDenialCode,
  isDenied,
  isServiceActor,
  principalArn,
  recordSummary,
} from '../record';
import { type AggregateRule, findingOf, type RuleInfo } from './types';

/** Minute buckets kept per scan across all principals: a bound on memory whatever the volume of denials. */
export const MAX_TRACKED_MINUTES = 100_000;
/** Principals tracked per scan; denials by more principals are counted, and the overflow is a finding of its own. */
export const MAX_TRACKED_PRINCIPALS = 10_000;
const MAX_CALLS_PER_PRINCIPAL = 10;
/** Untracked principals named in the overflow finding. */
const MAX_UNTRACKED_SAMPLES = 3;

const info: RuleInfo = {
  id: 'access-denied-burst',
  severity: 'MEDIUM',
  title: 'Burst of AccessDenied errors',
  description: 'One principal was refused many calls within minutes: probing for permissions, or stolen credentials.',
};

/** The few fields kept of one record: never the record itself. */
interface Sample {
  readonly eventTime: string;
  readonly record: CloudTrailRecord;
  readonly s3Key: string | undefined;
}

interface Denials {
  total: number;
  /** Denials per minute since the epoch. */
  minutes: Map<number, number>;
  sample: Sample;
  calls: Map<string, number>;
}

/**
 * Whether a call was refused for lack of permission: `AccessDenied*`, `*UnauthorizedOperation` (EC2's
 * `Client.UnauthorizedOperation`), SNS's `AuthorizationError`, `NotAuthorized` (see `isDenialCode` in `../record`).
 */
export function isAccessDenied(record: CloudTrailRecord): boolean {
  return isDenied(record);
}

function who(record: CloudTrailRecord): string {
  const identity = asObject(record.userIdentity);
  const name =
    principalArn(record) ?? asString(identity?.userName) ?? asString(identity?.principalId) ?? 'unknown principal';
  return cleanText(name, 256);
}

/** A stand-in record with only what the finding shows: who, where, which call, from where. */
function sampleOf(record: CloudTrailRecord, s3Key: string | undefined): Sample {
  const small = recordSummary(record, { withIssuer: true });
  return { eventTime: small.eventTime ?? '', record: small, s3Key: cleanOptional(s3Key, 1024) };
}

/** The largest number of denials inside any `window` consecutive minutes, and the first minute of that stretch. */
function densest(minutes: Map<number, number>, window: number): { count: number; start: number } {
  const sorted = [...minutes.keys()].sort((a, b) => a - b);
  let best = { count: 0, start: sorted[0] ?? 0 };
  let low = 0;
  let inWindow = 0;
  for (const minute of sorted) {
    inWindow += minutes.get(minute) ?? 0;
    while ((sorted[low] as number) <= minute - window) {
      inWindow -= minutes.get(sorted[low] as number) ?? 0;
      low++;
    }
    if (inWindow > best.count) best = { count: inWindow, start: sorted[low] as number };
  }
  return best;
}

/** `access-denied-burst`: at least `accessDeniedBurstThreshold` denials by one principal within the burst window. */
export const accessDeniedBurst: AggregateRule = {
  ...info,
  kind: 'aggregate',
  // Pre-filter: it accepts only records whose errorCode is a string that isAccessDenied accepts.
  needs: { errorCode: isDenialCode },
  create(settings) {
    const threshold = settings.accessDeniedBurstThreshold;
    const window = settings.accessDeniedBurstWindowMinutes;
    const byPrincipal = new Map<string, Denials>();
    let trackedMinutes = 0;
    let untracked = 0;
    const untrackedPrincipals = new Set<string>();
    return {
      accepts: (record) => isAccessDenied(record) && !isServiceActor(record),
      size: () => byPrincipal.size + untrackedPrincipals.size,
      add(record, s3Key) {
        const time = record.eventTime ? Date.parse(record.eventTime) : Number.NaN;
        if (Number.isNaN(time)) return;
        const principal = who(record);
        let denials = byPrincipal.get(principal);
        if (!denials) {
          // Bound first, then insert: a flood of distinct session names never grows the map past the cap.
          if (byPrincipal.size >= MAX_TRACKED_PRINCIPALS) {
            untracked++;
            if (untrackedPrincipals.size < MAX_UNTRACKED_SAMPLES) untrackedPrincipals.add(principal);
            return;
          }
          denials = { total: 0, minutes: new Map(), sample: sampleOf(record, s3Key), calls: new Map() };
          byPrincipal.set(principal, denials);
        }
        const minute = Math.floor(time / 60_000);
        const count = denials.minutes.get(minute);
        if (count === undefined) {
          if (trackedMinutes >= MAX_TRACKED_MINUTES) return;
          trackedMinutes++;
        }
        denials.minutes.set(minute, (count ?? 0) + 1);
        denials.total++;
        const source = cleanText(asString(record.eventSource) ?? '', 128).replace('.amazonaws.com', '');
        const call = `${source}:${cleanText(asString(record.eventName) ?? '?', 128)}`;
        if (denials.calls.has(call) || denials.calls.size < MAX_CALLS_PER_PRINCIPAL) {
          denials.calls.set(call, (denials.calls.get(call) ?? 0) + 1);
        }
        if (typeof record.eventTime === 'string' && record.eventTime < denials.sample.eventTime) {
          denials.sample = sampleOf(record, s3Key);
        }
      },
      findings() {
        const findings: Finding[] = [];
        for (const [principal, denials] of byPrincipal) {
          const burst = densest(denials.minutes, window);
          if (burst.count < threshold) continue;
          const top = [...denials.calls.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
            .map(([call, n]) => `${call} ×${n}`);
          findings.push(
            findingOf(info, denials.sample.record, {
              title: `${info.title}: ${burst.count} in ${window} min for ${principal}`,
              eventTime: new Date(burst.start * 60_000).toISOString(),
              detail:
                `${burst.count} denied calls within ${window} min from ${new Date(burst.start * 60_000).toISOString()}` +
                ` (${denials.total} in the look-back window); most denied: ${top.join(', ')}`,
              ...(denials.sample.s3Key ? { s3Key: denials.sample.s3Key } : {}),
            }),
          );
        }
        if (untracked > 0) {
          findings.push({
            rule: info.id,
            severity: info.severity,
            title: `${info.title}: more than ${MAX_TRACKED_PRINCIPALS} principals denied`,
            detail:
              `${untracked} denied calls by principals beyond the first ${MAX_TRACKED_PRINCIPALS} were not judged` +
              ` (a flood of distinct sessions hides bursts), e.g. ${[...untrackedPrincipals].join(', ')}`,
          });
        }
        return findings;
      },
    };
  },
};
