import { cleanText } from './text';
import { ERROR_KINDS, type ErrorInfo, type ErrorKind, type Finding } from './types';

/**
 * The gaps of a current-state check: a region or part it could not read. The check keeps each as an INFO finding
 * `<check>/incomplete`; Summarize reads them back from the record when mutes take away the check's other findings,
 * so that what was not checked still counts (ERROR), never PASS. Both sides use this file, so they agree.
 */

/** A part of the work (a region, the bucket list) that could not be done, and why. */
export interface Gap {
  /** A region, or `global` for account-wide work. */
  readonly region: string;
  /** What was not done: `us-east-1`, `12 buckets`. */
  readonly what: string;
  /**
   * What the gap is, the same from run to run when `what` holds a count (`buckets not checked before the
   * deadline`): the finding's identity (`resource.part`, hence its fingerprint) is made of it, so that a count that
   * changes does not make a NEW finding, and a notification, of the same gap every run. Default: `what`.
   */
  readonly key?: string;
  /**
   * Why: the deadline came first, an error stopped it, or a bound on how much one run reads (the first 10,000 buckets)
   * left the rest out.
   */
  readonly reason: 'deadline' | 'error' | 'bound';
  readonly error?: ErrorInfo;
}

const KINDS: ReadonlySet<string> = new Set(ERROR_KINDS);

/** The rule of the finding that keeps a gap: `<check>/incomplete`. */
export function incompleteRule(checkId: string): string {
  return `${checkId}/incomplete`;
}

/**
 * The INFO finding that keeps a gap in the record. Its evidence says why (`gap`: deadline or error, and the error's
 * kind), which is what Summarize needs to say what the check was without its muted findings.
 */
export function gapFinding(checkId: string, accountId: string, gap: Gap): Finding {
  return {
    rule: incompleteRule(checkId),
    severity: 'INFO',
    title: cleanText(
      gap.reason === 'deadline'
        ? `Not checked before the deadline: ${gap.what}`
        : gap.reason === 'bound'
          ? `Not checked, past what one run reads: ${gap.what}`
          : `Could not be checked: ${gap.what}: ${gap.error?.kind ?? 'UNKNOWN'}`,
    ),
    resource: { type: 'AwsAccount', id: accountId, region: gap.region, part: `${checkId}: ${gap.key ?? gap.what}` },
    evidence: { gap: gap.reason, what: gap.what, ...(gap.error ? { errorKind: gap.error.kind } : {}) },
    ...(gap.error ? { detail: cleanText(gap.error.message) } : {}),
  };
}

/**
 * The gap an `<check>/incomplete` finding keeps; undefined for any other finding. A gap finding without evidence (or
 * with an error kind this code does not know) is an error gap of kind UNKNOWN: still a gap, never a pass.
 */
export function gapOfFinding(checkId: string, finding: Finding): Gap | undefined {
  if (finding.rule !== incompleteRule(checkId)) return undefined;
  const prefix = `${checkId}: `;
  const part = finding.resource?.part;
  const said = finding.evidence?.what;
  const what = cleanText(
    typeof said === 'string' ? said : part?.startsWith(prefix) ? part.slice(prefix.length) : (part ?? finding.title),
    256,
  );
  const region = cleanText(finding.resource?.region ?? 'global', 64);
  if (finding.evidence?.gap === 'deadline') return { region, what, reason: 'deadline' };
  if (finding.evidence?.gap === 'bound') return { region, what, reason: 'bound' };
  const kind = finding.evidence?.errorKind;
  return {
    region,
    what,
    reason: 'error',
    error: {
      kind: typeof kind === 'string' && KINDS.has(kind) ? (kind as ErrorKind) : 'UNKNOWN',
      message: cleanText(finding.detail ?? finding.title),
    },
  };
}

/** `; partial: eu-west-1: ACCESS_DENIED, 12 buckets not checked (deadline)`, or '' when there is no gap. */
export function partialText(gaps: readonly Gap[]): string {
  if (gaps.length === 0) return '';
  const parts = gaps.map((gap) =>
    gap.reason === 'error' ? `${gap.what}: ${gap.error?.kind}` : `${gap.what} not checked (${gap.reason})`,
  );
  return `; partial: ${parts.join(', ')}`;
}

/**
 * What a check with gaps and no issue found is: ERROR (what was not checked is not a pass), with the message that
 * lists the gaps and the error of the first gap that has one (TIMEOUT when only the deadline or a bound on what a run
 * reads cut the work short: both stand for the time a run has).
 */
export function gapsError(gaps: readonly Gap[]): { status: 'ERROR'; message: string; error: ErrorInfo } {
  const partial = partialText(gaps);
  const failed = gaps.find((gap) => gap.reason === 'error' && gap.error)?.error;
  return {
    status: 'ERROR',
    message: cleanText(partial.slice(2)),
    error: failed ?? {
      kind: 'TIMEOUT',
      message: cleanText(
        `${gaps.some((gap) => gap.reason === 'deadline') ? 'deadline reached' : 'bound reached'}${partial}`,
      ),
    },
  };
}
