import type { Finding } from '../../lib/types';
import { asObject, asString, type CloudTrailRecord, isServiceActor, principalArn } from '../record';
import { type AggregateRule, findingOf, type RuleInfo } from './types';

/** Minute buckets kept per scan across all principals: a bound on memory whatever the volume of denials. */
export const MAX_TRACKED_MINUTES = 100_000;
const MAX_CALLS_PER_PRINCIPAL = 10;

const DENIED = /(^|\.)(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedAccess)$/;

const info: RuleInfo = {
  id: 'access-denied-burst',
  severity: 'MEDIUM',
  title: 'Burst of AccessDenied errors',
  description: 'One principal was refused many calls within minutes: probing for permissions, or stolen credentials.',
};

interface Denials {
  total: number;
  /** Denials per minute since the epoch. */
  minutes: Map<number, number>;
  sample: CloudTrailRecord;
  sampleKey: string | undefined;
  calls: Map<string, number>;
}

/** Whether a call was refused for lack of permission (`AccessDenied*`, EC2's `Client.UnauthorizedOperation`). */
export function isAccessDenied(record: CloudTrailRecord): boolean {
  return typeof record.errorCode === 'string' && DENIED.test(record.errorCode);
}

function who(record: CloudTrailRecord): string {
  const identity = asObject(record.userIdentity);
  return principalArn(record) ?? asString(identity?.userName) ?? asString(identity?.principalId) ?? 'unknown principal';
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
  create(settings) {
    const threshold = settings.accessDeniedBurstThreshold;
    const window = settings.accessDeniedBurstWindowMinutes;
    const byPrincipal = new Map<string, Denials>();
    let trackedMinutes = 0;
    return {
      accepts: (record) => isAccessDenied(record) && !isServiceActor(record),
      add(record, s3Key) {
        const time = record.eventTime ? Date.parse(record.eventTime) : Number.NaN;
        if (Number.isNaN(time)) return;
        const principal = who(record);
        let denials = byPrincipal.get(principal);
        if (!denials) {
          denials = { total: 0, minutes: new Map(), sample: record, sampleKey: s3Key, calls: new Map() };
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
        const call = `${(record.eventSource ?? '').replace('.amazonaws.com', '')}:${record.eventName ?? '?'}`;
        if (denials.calls.has(call) || denials.calls.size < MAX_CALLS_PER_PRINCIPAL) {
          denials.calls.set(call, (denials.calls.get(call) ?? 0) + 1);
        }
        if ((record.eventTime ?? '') < (denials.sample.eventTime ?? '')) {
          denials.sample = record;
          denials.sampleKey = s3Key;
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
            findingOf(info, denials.sample, {
              title: `${info.title}: ${burst.count} in ${window} min for ${principal}`,
              eventTime: new Date(burst.start * 60_000).toISOString(),
              detail:
                `${burst.count} denied calls within ${window} min from ${new Date(burst.start * 60_000).toISOString()}` +
                ` (${denials.total} in the look-back window); most denied: ${top.join(', ')}`,
              ...(denials.sampleKey ? { s3Key: denials.sampleKey } : {}),
            }),
          );
        }
        return findings;
      },
    };
  },
};
