import { cleanOptional, cleanText } from '../../lib/text';
import type { Finding, ResourceRef, Severity } from '../../lib/types';
import type { RecordNeeds } from '../prefilter';
import {
  type CloudTrailRecord,
  isDenied,
  isFailedCall,
  isServiceActor,
  principalArn,
  principalResource,
} from '../record';
import type { CloudTrailSettings } from '../settings';
import type { RuleId } from './ids';

/** What every rule declares: ID, severity, a title and a one-line explanation for the person reading the finding. */
export interface RuleInfo {
  readonly id: RuleId;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  /**
   * A necessary condition on the raw record for the rule to match it, for the scan's byte-level pre-filter (see
   * `../prefilter.ts`); undefined: the rule may match any record, and the pre-filter is off while it is enabled.
   */
  readonly needs?: RecordNeeds;
}

/** A rule that judges one record on its own: pure `(record) → Finding | undefined`. */
export interface EventRule extends RuleInfo {
  readonly kind: 'event';
  /** The event names the rule can match, so that the engine calls it only for those; undefined: every event. */
  readonly eventNames?: readonly string[];
  evaluate(record: CloudTrailRecord): Finding | undefined;
}

/** The state of an aggregating rule during one account's scan, fed record by record in any order. */
export interface Aggregator {
  /** A cheap first test: whether the record can matter at all (the engine checks ignored principals after it). */
  accepts(record: CloudTrailRecord): boolean;
  add(record: CloudTrailRecord, s3Key?: string): void;
  /** The findings once every record was added. */
  findings(): Finding[];
  /** Entries the state holds (principals, users): bounded whatever the input, and tests hold it so. */
  size(): number;
}

/** A rule that needs many records (bursts, repeats): makes a fresh {@link Aggregator} per scan. */
export interface AggregateRule extends RuleInfo {
  readonly kind: 'aggregate';
  create(settings: CloudTrailSettings): Aggregator;
}

/** Any CloudTrail rule. */
export type Rule = EventRule | AggregateRule;

/** What a matching record adds to its finding. */
export interface MatchDetail {
  readonly detail?: string;
  /** What the event acted on; the principal when undefined. */
  readonly resource?: ResourceRef;
  /** The finding's title, when the rule's (`<rule title>: <event name>`) would not say what happened. */
  readonly title?: string;
  /** Structured evidence (small values; strings are bounded and cleaned like every other field). */
  readonly evidence?: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * The title of a refused attempt: `<rule title> (attempt, <code>): <the rest>`, where the rest is what the title of a
 * successful call says after the rule's title (the event name, unless the match gave a title of its own).
 */
function attemptTitle(info: RuleInfo, record: CloudTrailRecord, title: string | undefined): string {
  const code = cleanText(record.errorCode ?? 'failed', 128);
  const head = `${info.title}: `;
  if (title === undefined) return `${info.title} (attempt, ${code}): ${cleanText(record.eventName, 128)}`;
  return title.startsWith(head)
    ? `${info.title} (attempt, ${code}): ${title.slice(head.length)}`
    : `${title} (attempt, ${code})`;
}

/** The longest ID kept (an S3 key is up to 1,024 bytes; ARNs and names are shorter). */
const MAX_ID = 1024;

/** A resource with every part bounded and stripped of control characters. */
function cleanResource(resource: ResourceRef): ResourceRef {
  const arn = cleanOptional(resource.arn, MAX_ID);
  const part = cleanOptional(resource.part, MAX_ID);
  return {
    type: resource.type,
    id: cleanText(resource.id, MAX_ID) || 'unknown',
    region: cleanText(resource.region, 64) || 'unknown',
    ...(arn ? { arn } : {}),
    ...(part ? { part } : {}),
  };
}

/**
 * A finding whose every text field is bounded and stripped of control characters (see `lib/text.ts`): records are
 * written by whoever controls a member account. Idempotent; the engine applies it to every finding it keeps.
 */
export function cleanFinding(finding: Finding): Finding {
  const out: Record<string, unknown> = { ...finding };
  for (const field of [
    'eventTime',
    'eventName',
    'eventSource',
    'region',
    'principalArn',
    'sourceIp',
    'eventId',
  ] as const) {
    if (field in out) out[field] = cleanOptional(out[field], 256);
  }
  if ('s3Key' in out) out.s3Key = cleanOptional(out.s3Key, MAX_ID);
  if ('detail' in out) out.detail = cleanOptional(out.detail);
  out.title = cleanText(finding.title) || finding.rule;
  if (finding.resource) out.resource = cleanResource(finding.resource);
  if (finding.evidence) {
    out.evidence = Object.fromEntries(
      Object.entries(finding.evidence).map(([key, value]) => [
        cleanText(key, 64),
        typeof value === 'string' ? cleanText(value) : value,
      ]),
    );
  }
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as unknown as Finding;
}

/**
 * The finding fields every rule takes from the record: bounded, clean text; the record's `eventID`; and the
 * resource (`extra.resource`, else the principal who made the call).
 */
export function findingOf(rule: RuleInfo, record: CloudTrailRecord, extra: Partial<Finding> = {}): Finding {
  const eventName = cleanOptional(record.eventName, 128);
  const resource = extra.resource ?? principalResource(record);
  return cleanFinding({
    rule: rule.id,
    severity: rule.severity,
    title: eventName ? `${rule.title}: ${eventName}` : rule.title,
    ...(resource ? { resource } : {}),
    ...(record.eventID !== undefined ? { eventId: cleanOptional(record.eventID, 128) } : {}),
    eventTime: cleanOptional(record.eventTime, 64),
    eventName,
    eventSource: cleanOptional(record.eventSource, 128),
    region: cleanOptional(record.awsRegion, 64),
    principalArn: cleanOptional(principalArn(record)),
    sourceIp: cleanOptional(record.sourceIPAddress, 256),
    ...extra,
  } as Finding);
}

/** How an event rule is written: which calls it looks at, and what makes one of them a finding. */
export interface EventRuleDefinition extends RuleInfo {
  /** `eventSource → eventNames` the rule looks at; other calls never match. */
  readonly events?: Readonly<Record<string, readonly string[]>>;
  /**
   * Whether a call refused for lack of permission still counts (marked `attempt: true`): tampering and tooling rules.
   * Only a denial (`isDenied`: `AccessDenied*`, `*UnauthorizedOperation`, ...) is an attempt worth reporting; a call
   * that failed otherwise (`TrailNotFoundException`, a validation error) changed nothing and is no finding.
   */
  readonly countsAttempts?: boolean;
  /** True or details when the record is a finding. */
  match(record: CloudTrailRecord): MatchDetail | boolean | undefined;
}

/**
 * Makes an event rule with the guards every rule shares: only the listed calls; never calls made by AWS services
 * (service events, service principals, service-linked roles); failed calls only when `countsAttempts`, and then
 * only those refused for lack of permission.
 */
export function eventRule(definition: EventRuleDefinition): EventRule {
  const { events, countsAttempts = false, match, ...info } = definition;
  const sourcesByName = new Map<string, Set<string>>();
  for (const [source, names] of Object.entries(events ?? {})) {
    for (const name of names) sourcesByName.set(name, (sourcesByName.get(name) ?? new Set()).add(source));
  }
  // A rule that lists its calls can match only records whose eventName is one of them.
  const needs = info.needs ?? (events ? { eventNames: [...sourcesByName.keys()] } : undefined);
  return {
    ...info,
    kind: 'event',
    ...(needs ? { needs } : {}),
    ...(events ? { eventNames: [...sourcesByName.keys()] } : {}),
    evaluate(record) {
      if (events) {
        const sources = record.eventName === undefined ? undefined : sourcesByName.get(record.eventName);
        if (!sources || record.eventSource === undefined || !sources.has(record.eventSource)) return undefined;
      }
      // match first: it is the cheap, selective test for the rules that see every event.
      const matched = match(record);
      if (!matched || isServiceActor(record)) return undefined;
      const failed = isFailedCall(record);
      if (failed && !(countsAttempts && isDenied(record))) return undefined;
      const { detail, resource, title, evidence } = typeof matched === 'object' ? matched : ({} as MatchDetail);
      return findingOf(info, record, {
        ...(title ? { title } : {}),
        ...(failed ? { attempt: true, title: attemptTitle(info, record, title) } : {}),
        ...(detail ? { detail } : {}),
        ...(resource ? { resource } : {}),
        ...(evidence ? { evidence } : {}),
      });
    },
  };
}
