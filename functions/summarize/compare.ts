import type { AccountFindings, MuteInfo, ResolvedMemory, TrackedFinding } from '../lib/changes';
import { fingerprintOf, isEventFinding } from '../lib/fingerprint';
import { gapOfFinding, incompleteRule } from '../lib/gaps';
import { muteExpiry, muteMatches } from '../lib/mutes';
import type { Mute } from '../lib/outputs-settings';
import type { AccountRecord, Finding, FindingState, Status } from '../lib/types';

/** How long a resolved finding is remembered, so that its return is REOPENED rather than NEW. */
export const RESOLVED_MEMORY_DAYS = 90;

/** What {@link compareAccount} needs about one account. */
export interface CompareInput {
  readonly accountId: string;
  /** This run's record; `undefined` when none was written (the account is ERROR, nothing was assessed). */
  readonly record: AccountRecord | undefined;
  /** The account's status in this run's summary. */
  readonly status: Status;
  /** `findings/<id>.json` of the previous comparable run that audited this account, if any. */
  readonly previous: AccountFindings | undefined;
  readonly mutes: readonly Mute[];
  readonly runId: string;
  /** This run's start (ISO-8601): a NEW finding's first seen, a resolved one's resolved-at. */
  readonly runStartedAt: string;
  readonly now: Date;
}

/**
 * Gives each finding of one account its state against the previous comparable run, matching by fingerprint:
 * NEW, STILL_OPEN (first seen carried), REOPENED (resolved before, found again), RESOLVED (open before, not found by
 * a check that ran). A check that could not run (ERROR, SKIPPED, or no record at all) resolves nothing: its previous
 * open findings are carried forward as NOT_ASSESSED. Nor does a check that ran but could not read a region or part
 * (a gap, kept as its `<check>/incomplete` finding): its previous open findings there (in that region, or anywhere
 * for an account-wide gap or a finding without a region) are NOT_ASSESSED. A matching mute makes an open finding
 * MUTED.
 */
export function compareAccount(input: CompareInput): AccountFindings {
  const { accountId, record, previous, runStartedAt } = input;
  const previousOpen = new Map<string, TrackedFinding>();
  for (const finding of previous?.findings ?? []) {
    if (finding.state !== 'RESOLVED') previousOpen.set(finding.fingerprint, finding);
  }
  const memory = new Map<string, ResolvedMemory>((previous?.resolved ?? []).map((entry) => [entry.fingerprint, entry]));
  const assessed = new Set(
    Object.entries(record?.checks ?? {})
      .filter(([, result]) => result.status === 'PASS' || result.status === 'FAIL')
      .map(([check]) => check),
  );

  // The parts an assessed check could not read (its `<check>/incomplete` gaps), by region: a finding there was not
  // looked for, so its absence resolves nothing.
  const unread = new Map<string, Set<string>>();
  for (const check of assessed) {
    for (const finding of record?.checks[check]?.findings ?? []) {
      const gap = gapOfFinding(check, finding);
      if (gap) unread.set(check, (unread.get(check) ?? new Set()).add(gap.region));
    }
  }
  const lookedFor = (before: TrackedFinding): boolean => {
    const regions = unread.get(before.check);
    // A gap of the last run that is not one now was read this time: the check states its gaps afresh every run.
    if (!regions || before.rule === incompleteRule(before.check)) return true;
    const region = before.resource?.region;
    return !regions.has('global') && region !== undefined && !regions.has(region);
  };

  const findings: TrackedFinding[] = [];
  const seen = new Set<string>();
  for (const [check, result] of Object.entries(record?.checks ?? {})) {
    if (!assessed.has(check)) continue;
    for (const finding of result.findings ?? []) {
      const fingerprint = finding.fingerprint ?? fingerprintOf(accountId, finding);
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      findings.push(withMute(current(input, check, finding, fingerprint, previousOpen, memory), input));
    }
  }

  const resolvedNow: ResolvedMemory[] = [];
  for (const [fingerprint, before] of previousOpen) {
    // A CloudTrail event finding is reported by the run that scans its file, and the cursor never scans that file
    // again: its absence resolves nothing, and it is not carried forward (an event cannot be "still open"; what it
    // left behind is the current-state checks' to tell). Security Hub's sink archives it at the next import.
    if (seen.has(fingerprint) || isEventFinding(before)) continue;
    if (assessed.has(before.check) && lookedFor(before)) {
      const { mute: _mute, expiredMute: _expired, previousState: _state, ...rest } = before;
      findings.push({ ...rest, state: 'RESOLVED', resolvedAt: runStartedAt });
      resolvedNow.push({ fingerprint, firstSeen: before.firstSeen, resolvedAt: runStartedAt });
    } else {
      findings.push(notAssessed(before));
    }
  }

  const horizon = input.now.getTime() - RESOLVED_MEMORY_DAYS * 86_400_000;
  const resolved = [
    ...resolvedNow,
    ...[...memory.values()].filter((entry) => !seen.has(entry.fingerprint) && Date.parse(entry.resolvedAt) >= horizon),
  ];
  return { schemaVersion: 2, accountId, runId: input.runId, status: input.status, findings, resolved };
}

function current(
  input: CompareInput,
  check: string,
  finding: Finding,
  fingerprint: string,
  previousOpen: ReadonlyMap<string, TrackedFinding>,
  memory: ReadonlyMap<string, ResolvedMemory>,
): TrackedFinding {
  const base = { ...finding, accountId: input.accountId, check, fingerprint, lastSeen: input.runStartedAt };
  const before = previousOpen.get(fingerprint);
  if (before) return { ...base, state: 'STILL_OPEN', firstSeen: before.firstSeen };
  const resolvedBefore = memory.get(fingerprint);
  if (resolvedBefore) return { ...base, state: 'REOPENED', firstSeen: resolvedBefore.firstSeen };
  return { ...base, state: 'NEW', firstSeen: input.runStartedAt };
}

/** A previous open finding of a check that did not run this time: its state travels on, under NOT_ASSESSED. */
function notAssessed(before: TrackedFinding): TrackedFinding {
  const { expiredMute: _expired, ...rest } = before;
  const previousState: FindingState | undefined =
    before.state === 'NOT_ASSESSED' || before.state === 'MUTED' ? before.previousState : before.state;
  return { ...rest, state: 'NOT_ASSESSED', ...(previousState ? { previousState } : {}) };
}

// Kept importable from here: the mute rules live in lib/mutes.ts, which the remediation plan shares.
export { muteExpiry, muteMatches };

function withMute(finding: TrackedFinding, input: CompareInput): TrackedFinding {
  const matching = input.mutes.filter((mute) => muteMatches(mute, finding));
  if (matching.length === 0) return finding;
  const now = input.now.getTime();
  const active = matching.find((mute) => muteExpiry(mute) >= now);
  if (active) return { ...finding, state: 'MUTED', previousState: finding.state, mute: muteInfo(active) };
  return { ...finding, expiredMute: muteInfo(matching[0] as Mute) };
}

function muteInfo(mute: Mute): MuteInfo {
  return { reason: mute.reason, owner: mute.owner, expires: mute.expires };
}
