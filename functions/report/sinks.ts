import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { newlyUnreachableCount } from '../lib/changes';
import type { ReportStore } from '../lib/report-store';
import { summaryHasIssues } from '../lib/verdict';
import { REPORT_FILE, renderReportHtml } from './html';
import { bodyOf, shouldNotify, subjectOf } from './message';
import { remediationLines } from './remediation-results';
import type { PublishContext, ReportSink } from './sink';

export { REPORT_FILE };

/**
 * report.html in the run's folder of the report store: the bucket when deployed, a local folder for ct-audit. With
 * `withRemediations` (`ct-audit report --run`), the results of the remediation runs of this audit run are shown per
 * finding; Publish Report leaves it off: a run being published has not been remediated yet.
 */
export class ReportFileSink implements ReportSink {
  readonly name = 'report.html';
  constructor(
    private readonly store: ReportStore,
    private readonly options: { readonly withRemediations?: boolean } = {},
  ) {}

  async publish(context: PublishContext): Promise<string> {
    const remediations = this.options.withRemediations
      ? await remediationLines(this.store, context.summary.runId)
      : undefined;
    const html = renderReportHtml({
      summary: context.summary,
      findings: context.findings,
      now: context.now,
      ...(remediations ? { remediations } : {}),
    });
    await this.store.putText(context.run, REPORT_FILE, html, 'text/html; charset=utf-8');
    return `written to ${context.reportLocation}`;
  }
}

/** One short message per run to the run topic when something changed, or every run with `notify.always`. */
export class SnsSink implements ReportSink {
  readonly name = 'sns';
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly always: boolean,
  ) {}

  async publish(context: PublishContext): Promise<string> {
    if (!shouldNotify(context.summary, this.always)) return 'nothing changed: no message';
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subjectOf(context.summary),
        Message: bodyOf(context.summary, context.reportLocation),
      }),
    );
    return 'message published';
  }
}

/** The detail type of the run-completed event on the default bus. */
export const RUN_COMPLETED = 'Control Tower Audit Run Completed';
/** The event's source (custom sources cannot start with `aws.`). */
export const EVENT_SOURCE = 'ct-audit';

/** "Control Tower Audit Run Completed" on the default bus, with the counts. */
export class EventBridgeSink implements ReportSink {
  readonly name = 'eventbridge';
  constructor(
    private readonly events: EventBridgeClient,
    private readonly busName = 'default',
  ) {}

  async publish(context: PublishContext): Promise<string> {
    const { summary } = context;
    const detail = {
      runId: summary.runId,
      mode: summary.mode,
      checks: summary.checks,
      startedAt: summary.startedAt,
      finishedAt: summary.finishedAt,
      totals: summary.totals,
      // Summarize's verdict, the one the workflow ended on (a failed map or an account asked for and not audited
      // is an issue with no account FAIL or ERROR).
      hasIssues: summaryHasIssues(summary),
      ...(summary.mapError ? { mapError: summary.mapError } : {}),
      changes: summary.changes?.counts,
      newlyUnreachable: summary.changes ? newlyUnreachableCount(summary.changes) : 0,
      report: context.reportLocation,
    };
    const result = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: RUN_COMPLETED,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      throw new Error(`PutEvents refused the event: ${result.Entries?.[0]?.ErrorCode ?? 'unknown error'}`);
    }
    return 'event put';
  }
}

/** The namespace of the run metrics. */
export const METRICS_NAMESPACE = 'ControlTowerAudit';

/**
 * Run metrics in CloudWatch's embedded metric format (Powertools Metrics): accounts audited, with issues,
 * unreachable; findings new and resolved; errors by kind; RunCompleted, the heartbeat the "no run" alarm watches.
 * No account ID is ever a dimension.
 */
export class MetricsSink implements ReportSink {
  readonly name = 'metrics';
  constructor(private readonly metrics: Metrics) {}

  async publish(context: PublishContext): Promise<string> {
    const { totals, changes, accounts } = context.summary;
    const m = this.metrics;
    m.addMetric('AccountsAudited', MetricUnit.Count, totals.accounts);
    m.addMetric('AccountsWithIssues', MetricUnit.Count, totals.fail + totals.error);
    m.addMetric('AccountsUnreachable', MetricUnit.Count, totals.error);
    m.addMetric('FindingsNew', MetricUnit.Count, (changes?.counts.new ?? 0) + (changes?.counts.reopened ?? 0));
    m.addMetric('FindingsResolved', MetricUnit.Count, changes?.counts.resolved ?? 0);
    m.addMetric('RunCompleted', MetricUnit.Count, 1);
    m.publishStoredMetrics();
    const byKind = new Map<string, number>();
    for (const account of accounts) {
      const kinds = new Set<string>();
      if (account.error) kinds.add(account.error.kind);
      for (const check of Object.values(account.checks)) if (check.error) kinds.add(check.error.kind);
      for (const kind of kinds) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    for (const [kind, count] of byKind) {
      const single = m.singleMetric();
      single.addDimension('ErrorKind', kind);
      single.addMetric('AccountErrors', MetricUnit.Count, count);
    }
    return `${6 + byKind.size} metrics`;
  }
}

/** The environment variable that holds the remediation state machine's ARN in Publish Report. */
export const REMEDIATION_STATE_MACHINE_ENV = 'REMEDIATION_STATE_MACHINE_ARN';

/** The name of the plan a scheduled audit run starts: `plan-<auditRunId>`, within Step Functions' 80 characters. */
export function planExecutionName(auditRunId: string): string {
  return `plan-${auditRunId}`.slice(0, 80);
}

/** The states of a finding that is open in this run (not resolved, muted or carried forward unassessed). */
const OPEN_STATES: ReadonlySet<string> = new Set(['NEW', 'STILL_OPEN', 'REOPENED']);

/**
 * `remediation.afterScheduledAudit: "plan"`: at the end of a scheduled audit with the read-only role that found open
 * issues some remediation action fixes, starts the remediation workflow with `{ auditRunId, mode: "plan" }`. A plan
 * changes nothing; applying it still takes `ct-audit remediate --apply` and a person's approval. Deployed only: the
 * local engine has no remediation state machine to start, so `ct-audit run` never starts a plan (`ct-audit
 * remediate --run <id> --plan` does it by hand).
 */
export class RemediationPlanSink implements ReportSink {
  readonly name = 'remediation-plan';
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
    /** Whether a remediation action fixes findings of this rule (the remediation registry, given by the handler). */
    private readonly fixable: (rule: string) => boolean,
  ) {}

  async publish(context: PublishContext): Promise<string> {
    const { run } = context;
    if (run.trigger !== 'schedule') return 'not a scheduled run: no plan';
    if (run.role !== 'readOnly') return 'not a read-only audit: no plan';
    const issues = [...context.findings.values()]
      .flatMap((account) => account.findings)
      .filter((finding) => OPEN_STATES.has(finding.state) && finding.severity !== 'INFO' && this.fixable(finding.rule));
    if (issues.length === 0) return 'no open issue a remediation fixes: no plan';
    const result = await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        // Named after the audit run (names are unique per state machine), so that a retried Publish Report starts no
        // second plan; not the same name, so that the two runs never share a run folder.
        name: planExecutionName(run.id),
        input: JSON.stringify({ auditRunId: run.id, auditRunStartedAt: run.startedAt, mode: 'plan' }),
      }),
    );
    return `remediation plan started for ${issues.length} open issue(s): ${result.executionArn ?? 'no execution ARN'}`;
  }
}
