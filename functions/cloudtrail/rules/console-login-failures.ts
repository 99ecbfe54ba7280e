import { cleanOptional, cleanText } from '../../lib/text';
import type { Finding } from '../../lib/types';
import { asObject, asString, type CloudTrailRecord, isServiceActor, recordSummary } from '../record';
import { type AggregateRule, findingOf, type RuleInfo } from './types';

/** At most this many users are tracked per scan, so that a password spray cannot grow memory without end. */
export const MAX_TRACKED_USERS = 10_000;
const MAX_SOURCE_IPS = 20;

const info: RuleInfo = {
  id: 'console-login-failures',
  severity: 'MEDIUM',
  title: 'Repeated failed console sign-ins',
  description: 'One user failed to sign in to the console many times in the look-back window: guessing or spraying.',
};

interface Failures {
  count: number;
  first: string;
  lastTime: string;
  /** A small stand-in for the latest failure: never the record itself. */
  last: CloudTrailRecord;
  lastKey: string | undefined;
  sourceIps: Set<string>;
}

/** Whether a record is a failed console sign-in. */
export function isFailedConsoleLogin(record: CloudTrailRecord): boolean {
  return (
    record.eventName === 'ConsoleLogin' &&
    record.eventSource === 'signin.amazonaws.com' &&
    (asObject(record.responseElements)?.ConsoleLogin === 'Failure' || typeof record.errorMessage === 'string')
  );
}

/** Who tried: the ARN, else the user name CloudTrail gives (`HIDDEN_DUE_TO_SECURITY_REASONS` for unknown users). */
function who(record: CloudTrailRecord): string {
  const identity = asObject(record.userIdentity);
  return cleanText(
    asString(identity?.arn) ||
      asString(identity?.userName) ||
      asString(asObject(record.additionalEventData)?.UserName) ||
      'unknown user',
    256,
  );
}

/** `console-login-failures`: at least `failedSignInThreshold` failed console sign-ins by one user. */
export const consoleLoginFailures: AggregateRule = {
  ...info,
  kind: 'aggregate',
  // Pre-filter: it accepts failed console sign-ins only, whose eventName is ConsoleLogin.
  needs: { eventNames: ['ConsoleLogin'] },
  create(settings) {
    const threshold = settings.failedSignInThreshold;
    const byUser = new Map<string, Failures>();
    let untracked = 0;
    return {
      accepts: (record) => isFailedConsoleLogin(record) && !isServiceActor(record),
      size: () => byUser.size,
      add(record, s3Key) {
        const user = who(record);
        let failures = byUser.get(user);
        const time = cleanText(asString(record.eventTime) ?? '', 64);
        if (!failures) {
          if (byUser.size >= MAX_TRACKED_USERS) {
            untracked++;
            return;
          }
          failures = {
            count: 0,
            first: time,
            lastTime: time,
            last: recordSummary(record),
            lastKey: cleanOptional(s3Key, 1024),
            sourceIps: new Set(),
          };
          byUser.set(user, failures);
        }
        failures.count++;
        if (time < failures.first) failures.first = time;
        if (time > failures.lastTime) {
          failures.lastTime = time;
          failures.last = recordSummary(record);
          failures.lastKey = cleanOptional(s3Key, 1024);
        }
        const ip = asString(record.sourceIPAddress);
        if (ip && failures.sourceIps.size < MAX_SOURCE_IPS) failures.sourceIps.add(cleanText(ip, 64));
      },
      findings() {
        const findings: Finding[] = [];
        for (const [user, failures] of byUser) {
          if (failures.count < threshold) continue;
          const ips = failures.sourceIps.size;
          findings.push(
            findingOf(info, failures.last, {
              title: `${info.title}: ${failures.count} for ${user}`,
              detail:
                `${failures.count} failed console sign-ins by ${user} from ${ips} source IP${ips === 1 ? '' : 's'}` +
                ` between ${failures.first} and ${failures.lastTime || '?'}`,
              ...(failures.lastKey ? { s3Key: failures.lastKey } : {}),
            }),
          );
        }
        if (untracked > 0) {
          findings.push({
            rule: info.id,
            severity: info.severity,
            title: `${info.title}: more than ${MAX_TRACKED_USERS} users`,
            detail: `${untracked} failed sign-ins by users beyond the first ${MAX_TRACKED_USERS} were not judged (a password spray)`,
          });
        }
        return findings;
      },
    };
  },
};
