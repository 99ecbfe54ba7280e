import type { AccountFindings } from '../lib/changes';
import type { RunInfo, RunSummary } from '../lib/types';

/** What every sink gets: the run, its summary, each account's findings with their states, and the report's place. */
export interface PublishContext {
  readonly run: RunInfo;
  readonly summary: RunSummary;
  readonly findings: ReadonlyMap<string, AccountFindings>;
  /** Where report.html is, for people: `s3://…/report.html` or a local path. */
  readonly reportLocation: string;
  readonly now: Date;
}

/**
 * One output of a run (a report file, SNS, EventBridge, Security Hub, metrics). `publish` resolves to one line
 * that says what it did; a sink that throws is reported by Publish Report and never changes the run's verdict.
 */
export interface ReportSink {
  readonly name: string;
  publish(context: PublishContext): Promise<string>;
}
