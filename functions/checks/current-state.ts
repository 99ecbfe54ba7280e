import { AssumeRoleError } from '../lib/assume-role';
import { mapLimit } from '../lib/concurrency';
import { errorName, isThrottle, toErrorInfo } from '../lib/errors';
import { type Gap, gapFinding, gapsError, partialText } from '../lib/gaps';
import { cleanText } from '../lib/text';
import type { CheckResult, Finding, Severity } from '../lib/types';
import type { CheckContext } from './types';

/**
 * What the current-state checks (`network-exposure`, `s3-public-access`, `kms-key-deletion`, `security-services`)
 * share: regions read a few at a time within the deadline, and one way to turn findings, failed regions and regions
 * not reached into a result.
 */

/** Regions read at once: a handful of light Describe/List calls each. */
export const REGION_CONCURRENCY = 4;

/** Resources (buckets, keys) read at once within one region or account. */
export const RESOURCE_CONCURRENCY = 8;

/** Findings named in a FAIL message before "+N more". */
const MESSAGE_FINDINGS = 3;

const SEVERITY_ORDER: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];

/** The deadline passed: the work left was not done. */
export class DeadlineReached extends Error {
  constructor(what: string) {
    super(`the check's deadline passed before ${what}`);
    this.name = 'DeadlineReached';
  }
}

/**
 * Options for an SDK call: aborted at the deadline so that no call outlives the check's time (`send(command,
 * callOptions(context))`). Throws {@link DeadlineReached} when the deadline has already passed.
 */
export function callOptions(
  context: Pick<CheckContext, 'deadline'>,
  what = 'the next call',
): { abortSignal: AbortSignal } {
  const left = context.deadline - Date.now();
  if (left <= 0) throw new DeadlineReached(what);
  return { abortSignal: AbortSignal.timeout(left) };
}

/** Whether an error means the deadline cut the work short (our own stop, or an aborted call). */
export function isDeadline(error: unknown, context: Pick<CheckContext, 'deadline'>): boolean {
  const name = errorName(error);
  return (
    error instanceof DeadlineReached ||
    ((name === 'AbortError' || name === 'TimeoutError') && Date.now() >= context.deadline - 50)
  );
}

export type { Gap } from '../lib/gaps';

/** What reading the regions gave: the values of the regions done, and the gaps. */
export interface RegionsRead<T> {
  readonly done: { readonly region: string; readonly value: T }[];
  readonly gaps: Gap[];
}

/**
 * Reads each region with `read`, {@link REGION_CONCURRENCY} at a time. A region that fails is a gap with its
 * error, a region the deadline reaches is a gap too: the other regions still count. Throttling beyond the SDK's
 * retries is thrown, so that the workflow retries the account.
 */
export async function readRegions<T>(
  context: Pick<CheckContext, 'regions' | 'deadline'>,
  read: (region: string) => Promise<T>,
): Promise<RegionsRead<T>> {
  const done: { region: string; value: T }[] = [];
  const gaps: Gap[] = [];
  await mapLimit(context.regions, REGION_CONCURRENCY, async (region) => {
    try {
      if (Date.now() >= context.deadline) throw new DeadlineReached(region);
      done.push({ region, value: await read(region) });
    } catch (error) {
      if (isThrottle(error)) throw error;
      gaps.push(gapOf(context, region, region, error));
    }
  });
  // In the order of the governed regions, whichever answered first.
  const order = (region: string) => context.regions.indexOf(region);
  done.sort((a, b) => order(a.region) - order(b.region));
  gaps.sort((a, b) => order(a.region) - order(b.region));
  return { done, gaps };
}

/** The gap an error leaves. */
export function gapOf(context: Pick<CheckContext, 'deadline'>, region: string, what: string, error: unknown): Gap {
  if (isDeadline(error, context)) return { region, what, reason: 'deadline' };
  return { region, what, reason: 'error', error: toErrorInfo(error) };
}

function severityCounts(findings: readonly Finding[]): string {
  return SEVERITY_ORDER.flatMap((severity) => {
    const count = findings.filter((finding) => finding.severity === severity).length;
    return count > 0 ? [`${count} ${severity}`] : [];
  }).join(', ');
}

/** Worst severity first, then by title: the order findings are kept and shown in. */
export function bySeverity(a: Finding, b: Finding): number {
  return SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || a.title.localeCompare(b.title);
}

/**
 * The result of a current-state check. FAIL when a finding is more than INFO; else ERROR when a region or part
 * could not be read (the deadline, or an error: what was not checked is not a pass); else PASS. Gaps are said in
 * the message and kept as INFO findings `<check>/incomplete`, so that a partial result is never silent.
 */
export function currentStateResult(
  checkId: string,
  context: Pick<CheckContext, 'accountId'>,
  found: readonly Finding[],
  gaps: readonly Gap[],
  passMessage: string,
): CheckResult {
  const incomplete = gaps.map((gap) => gapFinding(checkId, context.accountId, gap));
  // Titles hold names from the account (recorder names, bucket names): bounded and stripped like all outside text.
  const findings = found.map((finding) => ({ ...finding, title: cleanText(finding.title) })).sort(bySeverity);
  const issues = findings.filter((finding) => finding.severity !== 'INFO');
  const partial = partialText(gaps);
  const all = [...findings, ...incomplete];
  const withFindings = all.length > 0 ? { findings: all } : {};
  if (issues.length > 0) {
    const shown = issues.slice(0, MESSAGE_FINDINGS).map((finding) => finding.title);
    const more = issues.length > MESSAGE_FINDINGS ? `; +${issues.length - MESSAGE_FINDINGS} more` : '';
    return {
      status: 'FAIL',
      message: cleanText(`${severityCounts(issues)}: ${shown.join('; ')}${more}${partial}`),
      ...withFindings,
    };
  }
  if (gaps.length > 0) return { ...gapsError(gaps), ...withFindings };
  const info = findings.length > 0 ? ` (${severityCounts(findings)})` : '';
  return { status: 'PASS', message: cleanText(`${passMessage}${info}`), ...withFindings };
}

/**
 * Assumes the execution role before any region is read, so that an account the role cannot reach is one ERROR
 * (as the identity check says it), not one gap per region. Undefined when the session is there.
 */
export async function unreachable(context: Pick<CheckContext, 'target'>): Promise<CheckResult | undefined> {
  try {
    await context.target.ensure();
    return undefined;
  } catch (error) {
    if (isThrottle(error)) throw error;
    const info = toErrorInfo(error);
    return {
      status: 'ERROR',
      message: 'cannot assume the execution role',
      error: error instanceof AssumeRoleError && info.kind === 'UNKNOWN' ? { ...info, kind: 'ACCESS_DENIED' } : info,
    };
  }
}

/** `arn:<partition>:...`: the partition of the session's role ARN, for the ARNs of found resources. */
export function partitionOf(context: Pick<CheckContext, 'target'>): string {
  return context.target.roleArn.split(':')[1] ?? 'aws';
}
