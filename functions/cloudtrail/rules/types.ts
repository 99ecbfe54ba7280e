import type { Finding, Severity } from '../../lib/types';
import { type CloudTrailRecord, isFailedCall, isServiceActor, principalArn } from '../record';
import type { CloudTrailSettings } from '../settings';
import type { RuleId } from './ids';

/** What every rule declares: ID, severity, a title and a one-line explanation for the person reading the finding. */
export interface RuleInfo {
  readonly id: RuleId;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
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
}

/** The finding fields every rule takes from the record. */
export function findingOf(rule: RuleInfo, record: CloudTrailRecord, extra: Partial<Finding> = {}): Finding {
  const arn = principalArn(record);
  return {
    rule: rule.id,
    severity: rule.severity,
    title: record.eventName ? `${rule.title}: ${record.eventName}` : rule.title,
    ...(record.eventTime ? { eventTime: record.eventTime } : {}),
    ...(record.eventName ? { eventName: record.eventName } : {}),
    ...(record.eventSource ? { eventSource: record.eventSource } : {}),
    ...(record.awsRegion ? { region: record.awsRegion } : {}),
    ...(arn ? { principalArn: arn } : {}),
    ...(record.sourceIPAddress ? { sourceIp: record.sourceIPAddress } : {}),
    ...extra,
  };
}

/** How an event rule is written: which calls it looks at, and what makes one of them a finding. */
export interface EventRuleDefinition extends RuleInfo {
  /** `eventSource → eventNames` the rule looks at; other calls never match. */
  readonly events?: Readonly<Record<string, readonly string[]>>;
  /** Whether a call that failed still counts (marked `attempt: true`): tampering and tooling rules. */
  readonly countsAttempts?: boolean;
  /** True or details when the record is a finding. */
  match(record: CloudTrailRecord): MatchDetail | boolean | undefined;
}

/**
 * Makes an event rule with the guards every rule shares: only the listed calls; never calls made by AWS services
 * (service events, service principals, service-linked roles); failed calls only when `countsAttempts`.
 */
export function eventRule(definition: EventRuleDefinition): EventRule {
  const { events, countsAttempts = false, match, ...info } = definition;
  const sourcesByName = new Map<string, Set<string>>();
  for (const [source, names] of Object.entries(events ?? {})) {
    for (const name of names) sourcesByName.set(name, (sourcesByName.get(name) ?? new Set()).add(source));
  }
  return {
    ...info,
    kind: 'event',
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
      if (failed && !countsAttempts) return undefined;
      const detail = typeof matched === 'object' ? matched.detail : undefined;
      return findingOf(info, record, {
        ...(failed
          ? { attempt: true, title: `${info.title} (attempt, ${record.errorCode ?? 'failed'}): ${record.eventName}` }
          : {}),
        ...(detail ? { detail } : {}),
      });
    },
  };
}
