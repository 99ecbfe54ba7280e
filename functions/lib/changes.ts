import type { Finding, FindingState, Severity, Status } from './types';

/** A mute as it is recorded on the finding it applies to (or applied to, before it expired). */
export interface MuteInfo {
  readonly reason: string;
  readonly owner: string;
  readonly expires: string;
}

/**
 * A finding as compared with the previous comparable run: the account and check it belongs to, its state and when
 * it was first and last seen. `findings/<accountId>.json` in the run folder holds them.
 */
export interface TrackedFinding extends Finding {
  readonly accountId: string;
  readonly check: string;
  readonly fingerprint: string;
  readonly state: FindingState;
  readonly firstSeen: string;
  /** The start of the last run that saw it open. */
  readonly lastSeen: string;
  /** For `NOT_ASSESSED` and `MUTED`: the state it had before (`NEW`, `STILL_OPEN`, `REOPENED`). */
  readonly previousState?: FindingState;
  /** For `RESOLVED`: the start of the run that no longer found it. */
  readonly resolvedAt?: string;
  /** The mute that applies (state `MUTED`). */
  readonly mute?: MuteInfo;
  /** A mute that matched but has expired: the finding counts again, and the report says so. */
  readonly expiredMute?: MuteInfo;
}

/** A finding resolved in an earlier run, remembered so that its return is `REOPENED`, not `NEW`. */
export interface ResolvedMemory {
  readonly fingerprint: string;
  readonly firstSeen: string;
  readonly resolvedAt: string;
}

/** `findings/<accountId>.json`: one account's findings with their states, and the resolved ones remembered. */
export interface AccountFindings {
  readonly schemaVersion: 2;
  readonly accountId: string;
  readonly runId: string;
  readonly status: Status;
  /** This run's findings, the ones it resolved, and the ones it could not assess (carried forward). */
  readonly findings: readonly TrackedFinding[];
  readonly resolved: readonly ResolvedMemory[];
}

/** One line of a change list in summary.json. */
export interface ChangeLine {
  readonly accountId: string;
  readonly accountName?: string;
  readonly check: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly title: string;
  readonly resource?: string;
  readonly fingerprint: string;
  readonly firstSeen: string;
}

/** Counts of finding states in a run. */
export interface ChangeCounts {
  readonly new: number;
  readonly stillOpen: number;
  readonly resolved: number;
  readonly reopened: number;
  readonly notAssessed: number;
  readonly muted: number;
}

/** `summary.json`'s `changes`: what differs from the previous comparable run, with capped lists. */
export interface ChangeSummary {
  /** Whether any audited account had an earlier comparable run (same checks) to compare with. */
  readonly compared: boolean;
  /** The runs compared with (most accounts compare with one run; a partial run in between makes it several). */
  readonly previousRunIds: readonly string[];
  readonly counts: ChangeCounts;
  /** Accounts ERROR now that were not ERROR in their previous run (or are new to the comparison). */
  readonly newlyUnreachable: readonly string[];
  readonly new: readonly ChangeLine[];
  readonly reopened: readonly ChangeLine[];
  readonly resolved: readonly ChangeLine[];
  /** Mutes that matched a finding but have expired. */
  readonly expiredMutes: readonly (MuteInfo & { readonly accountId: string; readonly rule: string })[];
  /** Each list holds at most this many lines; the counts are complete. */
  readonly listCap: number;
}

/** Whether a state is an open finding (something to fix, or accepted for now). */
export function isOpen(state: FindingState): boolean {
  return state !== 'RESOLVED';
}
