import type { TrackedFinding } from './changes';
import type { Mute } from './outputs-settings';

/** The end of a mute: a date means the end of that day (UTC). */
export function muteExpiry(mute: Pick<Mute, 'expires'>): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(mute.expires)
    ? Date.parse(`${mute.expires}T23:59:59.999Z`)
    : Date.parse(mute.expires);
}

/** Whether a mute names this finding (account, check, rule, resource ID or ARN: every field given must match). */
export function muteMatches(mute: Mute, finding: Pick<TrackedFinding, 'accountId' | 'check' | 'rule' | 'resource'>) {
  return (
    (mute.account === undefined || mute.account === finding.accountId) &&
    (mute.check === undefined || mute.check === finding.check) &&
    (mute.rule === undefined || mute.rule === finding.rule) &&
    (mute.resource === undefined || mute.resource === finding.resource?.id || mute.resource === finding.resource?.arn)
  );
}

/**
 * The mute that holds for the finding at `now`, if any. Summarize marks such a finding MUTED; a remediation plan
 * leaves it alone. One read of the settings' mutes for both, so that the report and the plan never disagree on
 * what is accepted.
 */
export function activeMute(
  mutes: readonly Mute[],
  finding: Pick<TrackedFinding, 'accountId' | 'check' | 'rule' | 'resource'>,
  now: Date,
): Mute | undefined {
  return mutes.find((mute) => muteMatches(mute, finding) && muteExpiry(mute) >= now.getTime());
}
