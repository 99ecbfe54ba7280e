import type { Finding, Severity } from '../lib/types';
import { parseLogKey } from './key-layout';
import { principalFilter } from './principal-filter';
import type { CloudTrailRecord } from './record';
import { LOG_FILE_UNREADABLE } from './rules/ids';
import { enabledRules } from './rules/registry';
import type { Aggregator, EventRule } from './rules/types';
import type { CloudTrailSettings } from './settings';

/** Findings kept per rule per account, so that an account record never balloons; the counts stay exact. */
export const MAX_FINDINGS_PER_RULE = 100;

/** Severities from the worst down. */
export const SEVERITY_ORDER: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];

/** The time span whose events count: records outside it are skipped. */
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
  /** Records inside the window that the rules saw. */
  readonly records: number;
}

/** Options of {@link RuleEngine}. */
export interface RuleEngineOptions {
  readonly settings: CloudTrailSettings;
  /** Records outside are skipped; no window: every record counts. */
  readonly window?: ScanWindow;
  /** @default MAX_FINDINGS_PER_RULE */
  readonly maxFindingsPerRule?: number;
}

/** `2026-11-14T05:12:33Z`: the form of `eventTime`, so that the window test is a string comparison. */
function eventTimeForm(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

/**
 * Applies the enabled rules to records fed one at a time (in any order, from any number of files), skipping
 * ignored principals and records outside the window, and keeps the findings within the per-rule cap.
 */
export class RuleEngine {
  private readonly byEventName = new Map<string, EventRule[]>();
  private readonly everyEvent: EventRule[] = [];
  private readonly aggregators: Aggregator[] = [];
  private readonly ignored: (record: CloudTrailRecord) => boolean;
  private readonly start: string | undefined;
  private readonly end: string | undefined;
  private readonly cap: number;
  private readonly kept = new Map<string, Finding[]>();
  private readonly counts: Record<string, number> = {};
  private readonly seen = new Set<string>();
  private recordCount = 0;

  constructor(options: RuleEngineOptions) {
    this.cap = options.maxFindingsPerRule ?? MAX_FINDINGS_PER_RULE;
    this.start = options.window ? eventTimeForm(options.window.start) : undefined;
    this.end = options.window ? eventTimeForm(options.window.end) : undefined;
    this.ignored = principalFilter(options.settings.ignorePrincipals);
    for (const rule of enabledRules(options.settings)) {
      if (rule.kind === 'aggregate') {
        this.aggregators.push(rule.create(options.settings));
      } else if (rule.eventNames) {
        for (const name of rule.eventNames) this.byEventName.set(name, [...(this.byEventName.get(name) ?? []), rule]);
      } else {
        this.everyEvent.push(rule);
      }
    }
  }

  /** Judges one record read from the file at `s3Key`. */
  add(record: CloudTrailRecord, s3Key?: string): void {
    const time = record.eventTime;
    if (this.start !== undefined && (typeof time !== 'string' || time < this.start || time > (this.end as string))) {
      return;
    }
    this.recordCount++;
    const named = record.eventName === undefined ? undefined : this.byEventName.get(record.eventName);
    if (named) for (const rule of named) this.judge(rule, record, s3Key);
    for (const rule of this.everyEvent) this.judge(rule, record, s3Key);
    for (const aggregator of this.aggregators) {
      if (aggregator.accepts(record) && !this.ignored(record)) aggregator.add(record, s3Key);
    }
  }

  /** Records a file that could not be read to its end; the scan goes on. */
  unreadable(s3Key: string, reason: string): void {
    const parsed = parseLogKey(s3Key);
    this.keep({
      rule: LOG_FILE_UNREADABLE,
      severity: 'MEDIUM',
      title: 'Log file unreadable',
      ...(parsed ? { region: parsed.region, eventTime: parsed.deliveredAt.toISOString() } : {}),
      s3Key,
      detail: `${reason}; events in this file may be missed`,
    });
  }

  /** The findings so far, with the aggregating rules' findings added. Call once, after the last record. */
  result(): EngineResult {
    for (const aggregator of this.aggregators) for (const finding of aggregator.findings()) this.keep(finding);
    const rank = (finding: Finding) => SEVERITY_ORDER.indexOf(finding.severity);
    const findings = [...this.kept.values()]
      .flat()
      .sort((a, b) => rank(a) - rank(b) || (a.eventTime ?? '').localeCompare(b.eventTime ?? ''));
    const capped = Object.keys(this.counts).filter((rule) => (this.counts[rule] ?? 0) > this.cap);
    return { findings, counts: { ...this.counts }, capped, records: this.recordCount };
  }

  private judge(rule: EventRule, record: CloudTrailRecord, s3Key: string | undefined): void {
    const finding = rule.evaluate(record);
    if (!finding || this.ignored(record)) return;
    // CloudTrail may deliver an event twice; one finding per event and rule.
    if (record.eventID) {
      const id = `${rule.id}|${record.eventID}`;
      if (this.seen.has(id)) return;
      if (this.seen.size < this.cap * 20) this.seen.add(id);
    }
    this.keep(s3Key ? { ...finding, s3Key } : finding);
  }

  private keep(finding: Finding): void {
    const count = (this.counts[finding.rule] ?? 0) + 1;
    this.counts[finding.rule] = count;
    if (count > this.cap) return;
    const list = this.kept.get(finding.rule);
    if (list) list.push(finding);
    else this.kept.set(finding.rule, [finding]);
  }
}
