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
  /**
   * Accounts ERROR now that were not ERROR in their previous run (or are new to the comparison): the first
   * {@link listCap}; {@link newlyUnreachableCount} counts them all.
   */
  readonly newlyUnreachable: readonly string[];
  /** How many accounts are newly unreachable (absent in summaries written before it was kept: the list's length). */
  readonly newlyUnreachableCount?: number;
  readonly new: readonly ChangeLine[];
  readonly reopened: readonly ChangeLine[];
  readonly resolved: readonly ChangeLine[];
  /** Findings matched by a mute that has expired, one line each (the first {@link listCap}). */
  readonly expiredMutes: readonly (MuteInfo & { readonly accountId: string; readonly rule: string })[];
  /** How many mutes expired: one rule-wide mute over 120 accounts is one (absent in older summaries). */
  readonly expiredMuteCount?: number;
  /** How many findings an expired mute matched, which count again (absent in older summaries). */
  readonly expiredMuteFindings?: number;
  /** Each list holds at most this many lines; the counts are complete. */
  readonly listCap: number;
}

/** A count as a summary holds it: a whole number ≥ 0, or undefined for anything else (absent, edited, corrupt). */
function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * How many accounts are newly unreachable: the full count Summarize kept, or, in a summary written before it kept
 * one, the length of the (capped) list.
 */
export function newlyUnreachableCount(changes: Pick<ChangeSummary, 'newlyUnreachable' | 'newlyUnreachableCount'>) {
  return countOf(changes.newlyUnreachableCount) ?? changes.newlyUnreachable.length;
}

/**
 * How many mutes expired, and how many findings they matched: the full counts Summarize kept, or, in a summary
 * written before it kept them, what the (capped) list says: its distinct mutes and its lines.
 */
export function expiredMuteCounts(
  changes: Pick<ChangeSummary, 'expiredMutes' | 'expiredMuteCount' | 'expiredMuteFindings'>,
): { readonly mutes: number; readonly findings: number } {
  const listed = new Set(changes.expiredMutes.map((mute) => JSON.stringify([mute.reason, mute.owner, mute.expires])));
  return {
    mutes: countOf(changes.expiredMuteCount) ?? listed.size,
    findings: countOf(changes.expiredMuteFindings) ?? changes.expiredMutes.length,
  };
}

/** Whether a state is an open finding (something to fix, or accepted for now). */
export function isOpen(state: FindingState): boolean {
  return state !== 'RESOLVED';
}
