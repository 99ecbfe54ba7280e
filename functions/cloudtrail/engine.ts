import { errorMessage, errorName } from '../lib/errors';
import { cleanText } from '../lib/text';
import type { Finding, Severity } from '../lib/types';
import { parseLogKey } from './key-layout';
import { type RecordFilter, recordFilter } from './prefilter';
import { ignoreFilter } from './principal-filter';
import type { CloudTrailRecord } from './record';
import { LOG_FILE_UNREADABLE } from './rules/ids';
import { enabledRules } from './rules/registry';
import { type Aggregator, cleanFinding, type EventRule } from './rules/types';
import type { CloudTrailSettings } from './settings';

/** Findings kept per rule per account, so that an account record never balloons; the counts stay exact. */
export const MAX_FINDINGS_PER_RULE = 100;

/** Severities from the worst down. */
export const SEVERITY_ORDER: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];

/** The finding for a rule that threw on some records: reported once per rule, the scan goes on. */
export const RULE_FAILED = 'RuleFailed';

/** The span of delivery times a scan lists files in (from the key's time stamp, not the events' times). */
export interface ScanWindow {
  readonly start: Date;
  readonly end: Date;
}

/** What the engine found in one account. */
export interface EngineResult {
  /** Kept findings, worst severity first, then by time. */
  readonly findings: Finding[];
  /** Findings found per rule, including those beyond the cap. */
  readonly counts: Readonly<Record<string, number>>;
  /** Rules whose findings were cut at {@link MAX_FINDINGS_PER_RULE}. */
  readonly capped: string[];
  /** Records the rules saw. */
  readonly records: number;
}

/** Options of {@link RuleEngine}. */
export interface RuleEngineOptions {
  readonly settings: CloudTrailSettings;
  /** @default MAX_FINDINGS_PER_RULE */
  readonly maxFindingsPerRule?: number;
  /** `<rule>|<eventID>` already reported by the previous run (the seam of the cursor): not reported again. */
  readonly reported?: ReadonlySet<string>;
}

/** How a rule failed: counted, and the first error kept for the finding. */
interface RuleFailure {
  count: number;
  first: string;
  s3Key: string | undefined;
}

/**
 * Applies the enabled rules to records fed one at a time (in any order, from any number of files), skipping
 * ignored principals, and keeps the findings within the per-rule cap. Events are never dropped by their time: the
 * scan chooses files by delivery. A rule that throws on a record is counted and reported once; the others go on.
 */
export class RuleEngine {
  private readonly byEventName = new Map<string, EventRule[]>();
  private readonly everyEvent: EventRule[] = [];
  private readonly aggregators: (Aggregator & { readonly id: string })[] = [];
  private readonly ignored: (record: CloudTrailRecord, ruleId?: string) => boolean;
  private readonly cap: number;
  private readonly reported: ReadonlySet<string>;
  private readonly failures = new Map<string, RuleFailure>();
  private readonly kept = new Map<string, Finding[]>();
  private readonly counts: Record<string, number> = {};
  private readonly seen = new Set<string>();
  private recordCount = 0;
  private readonly filter: RecordFilter | undefined;

  constructor(options: RuleEngineOptions) {
    this.cap = options.maxFindingsPerRule ?? MAX_FINDINGS_PER_RULE;
    this.reported = options.reported ?? new Set();
    this.ignored = ignoreFilter(options.settings.ignorePrincipals);
    const rules = enabledRules(options.settings);
    this.filter = recordFilter(rules.map((rule) => rule.needs));
    for (const rule of rules) {
      if (rule.kind === 'aggregate') {
        this.aggregators.push({ id: rule.id, ...rule.create(options.settings) });
      } else if (rule.eventNames) {
        for (const name of rule.eventNames) this.byEventName.set(name, [...(this.byEventName.get(name) ?? []), rule]);
      } else {
        this.everyEvent.push(rule);
      }
    }
  }

  /** Judges one record read from the file at `s3Key`. */
  add(record: CloudTrailRecord, s3Key?: string): void {
    this.recordCount++;
    const named = typeof record.eventName === 'string' ? this.byEventName.get(record.eventName) : undefined;
    if (named) for (const rule of named) this.judge(rule, record, s3Key);
    for (const rule of this.everyEvent) this.judge(rule, record, s3Key);
    for (const aggregator of this.aggregators) {
      try {
        if (aggregator.accepts(record) && !this.ignored(record)) aggregator.add(record, s3Key);
      } catch (error) {
        this.failed(aggregator.id, error, s3Key);
      }
    }
  }

  /**
   * The pre-filter for the enabled rules: records it rules out can match no rule, so the scan need not parse
   * them (it counts them with {@link skipped}). Undefined when an enabled rule may match any record.
   */
  recordFilter(): RecordFilter | undefined {
    return this.filter;
  }

  /** Counts records the pre-filter ruled out: seen, and matched by no rule. */
  skipped(count: number): void {
    this.recordCount += count;
  }

  /** Entries held by the aggregating rules, by rule ID: bounded whatever the input. */
  stateSizes(): Record<string, number> {
    return Object.fromEntries(this.aggregators.map((aggregator) => [aggregator.id, aggregator.size()]));
  }

  /** Records a file that could not be read to its end; the scan goes on. */
  unreadable(s3Key: string, reason: string): void {
    const parsed = parseLogKey(s3Key);
    const region = parsed?.region ?? 'unknown';
    this.keep({
      rule: LOG_FILE_UNREADABLE,
      severity: 'MEDIUM',
      title: 'Log file unreadable',
      resource: { type: 'LogFile', id: s3Key, region },
      ...(parsed ? { region: parsed.region, eventTime: parsed.deliveredAt.toISOString() } : {}),
      s3Key,
      detail: `${cleanText(reason, 768)}; events in this file may be missed`,
    });
  }

  /** The findings so far, with the aggregating rules' findings added. Call once, after the last record. */
  result(): EngineResult {
    for (const aggregator of this.aggregators) {
      try {
        for (const finding of aggregator.findings()) this.keep(finding);
      } catch (error) {
        this.failed(aggregator.id, error, undefined);
      }
    }
    for (const [rule, failure] of this.failures) {
      this.keep({
        rule: RULE_FAILED,
        severity: 'MEDIUM',
        title: `Rule ${rule} failed on ${failure.count} record${failure.count === 1 ? '' : 's'}`,
        ...(failure.s3Key
          ? {
              s3Key: failure.s3Key,
              resource: { type: 'LogFile', id: failure.s3Key, region: parseLogKey(failure.s3Key)?.region ?? 'unknown' },
            }
          : {}),
        detail: `${rule} could not judge ${failure.count} record${failure.count === 1 ? '' : 's'} (first: ${failure.first}); the other rules judged them`,
      });
    }
    this.failures.clear();
    const rank = (finding: Finding) => SEVERITY_ORDER.indexOf(finding.severity);
    const findings = [...this.kept.values()]
      .flat()
      .sort((a, b) => rank(a) - rank(b) || (a.eventTime ?? '').localeCompare(b.eventTime ?? ''));
    const capped = Object.keys(this.counts).filter((rule) => (this.counts[rule] ?? 0) > this.cap);
    return { findings, counts: { ...this.counts }, capped, records: this.recordCount };
  }

  private judge(rule: EventRule, record: CloudTrailRecord, s3Key: string | undefined): void {
    let finding: Finding | undefined;
    try {
      finding = rule.evaluate(record);
      if (!finding || this.ignored(record, rule.id)) return;
    } catch (error) {
      this.failed(rule.id, error, s3Key);
      return;
    }
    // CloudTrail may deliver an event twice, and the previous run may have reported it at the seam: once only.
    if (finding.eventId) {
      const id = `${rule.id}|${finding.eventId}`;
      if (this.seen.has(id) || this.reported.has(id)) return;
      if (this.seen.size < this.cap * 20) this.seen.add(id);
    }
    this.keep(s3Key ? { ...finding, s3Key } : finding);
  }

  private failed(rule: string, error: unknown, s3Key: string | undefined): void {
    const failure = this.failures.get(rule);
    if (failure) {
      failure.count++;
      return;
    }
    const name = errorName(error) ?? 'Error';
    this.failures.set(rule, { count: 1, first: cleanText(`${name}: ${errorMessage(error)}`, 256), s3Key });
  }

  private keep(raw: Finding): void {
    const finding = cleanFinding(raw);
    const count = (this.counts[finding.rule] ?? 0) + 1;
    this.counts[finding.rule] = count;
    if (count > this.cap) return;
    const list = this.kept.get(finding.rule);
    if (list) list.push(finding);
    else this.kept.set(finding.rule, [finding]);
  }
}
