import { ArnFormat, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Settings } from '../../functions/lib/settings';
import { METRICS_NAMESPACE, REMEDIATION_STATE_MACHINE_ENV } from '../../functions/report/sinks';
import { TASKS } from '../../statemachine/tasks';
import { acknowledge } from '../nag';
import { noCompletedRunHours } from '../no-completed-run-window';
import { AuditFunction, SERVICE_NAME } from './audit-function';
import { type AuditFunctions, REPORT_BUCKET_ENV } from './audit-functions';
import type { ReportBucket } from './report-bucket';

/** Properties of {@link AuditOutputs}. */
export interface AuditOutputsProps {
  /** The validated settings: `notify`, `securityHub`, `mutes` among them. */
  readonly settings: Settings;
  /** Where the run files are; Publish Report reads them and writes report.html there. */
  readonly reportBucket: ReportBucket;
  /** The audit workflow: its Publish Report state invokes the function made here; its failures are alerted. */
  readonly stateMachine: sfn.StateMachine;
  /** The workflow's functions: Summarize reads and moves the previous-run pointer; the settings parameter. */
  readonly functions: AuditFunctions;
  /** The schedule's dead-letter queue: a message there is a run that never started. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * What a person gets from each run: the Publish Report function (report.html, the run message, the run-completed
 * event, Security Hub findings, metrics), the run topic and its email subscriptions, and the operations topic with
 * the alarms that say the audit itself is not working.
 */
export class AuditOutputs extends Construct {
  /** One short message per run that changed something (or every run with `notify.always`). */
  readonly runTopic: sns.Topic;
  /** Alarms about the audit itself: no completed run, a failed execution, a schedule that could not start. */
  readonly operationsTopic: sns.Topic;
  /** Publish Report. */
  readonly publishReport: AuditFunction;
  /**
   * No completed run within the window {@link noCompletedRunHours} derives from `schedule` (missing data is
   * breaching); none when `schedule.enabled` is false or `schedule.alarmAfterHours` is 0.
   */
  readonly noCompletedRunAlarm?: cloudwatch.Alarm;
  /** The schedule's dead-letter queue holds a message. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** An execution that failed, timed out or was aborted for any reason other than AuditFoundIssues. */
  readonly executionFailedRule: events.Rule;

  /**
   * `remediation.afterScheduledAudit: "plan"`: Publish Report may start exactly this state machine (the remediation
   * workflow, made after this construct) and finds its ARN in its environment.
   */
  startPlansOn(remediation: sfn.IStateMachine): void {
    this.publishReport.addEnvironment(REMEDIATION_STATE_MACHINE_ENV, remediation.stateMachineArn);
    this.publishReport.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [remediation.stateMachineArn] }),
    );
  }

  constructor(scope: Construct, id: string, props: AuditOutputsProps) {
    super(scope, id);
    const { settings, reportBucket, stateMachine } = props;
    const stack = Stack.of(this);

    // One key for both topics: CloudWatch alarms and EventBridge cannot publish to a topic under the AWS managed key.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'control-tower-audit: encrypts the run and operations topics',
      enableKeyRotation: true,
    });
    // `enforceSSL` gives each topic a policy of its own, which replaces SNS's default one: every publisher that is
    // not an IAM principal of this account must be allowed by name. CloudWatch alarms publish as
    // cloudwatch.amazonaws.com and, on a topic under a customer key, need the key too (SNS developer guide, "Key
    // management"; Knowledge Center "cloudwatch-receive-sns-for-alarm-trigger"). Only alarms of this account and Region.
    // The key policy cannot name the alarms themselves (each alarm names the topic, which names this key), so it
    // takes them all.
    const alarmsOfThisAccount = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': alarmsOfThisAccount },
        },
      }),
    );

    // EventBridge (the failed-execution rule) publishes to the operations topic as events.amazonaws.com. AWS does not
    // support aws:SourceAccount or aws:SourceArn in a key policy for EventBridge-to-encrypted-topic delivery (SNS
    // developer guide, "Key management"): with them the statement never matches. Which rules may publish is decided by
    // the topic policy below (aws:SourceArn = the rule).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeThroughTheTopicPolicy',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        resources: ['*'],
      }),
    );

    reportBucket.grantState(props.functions.summarize, LAST_RUN_FOLDER, { write: true });

    this.runTopic = new sns.Topic(this, 'RunTopic', {
      displayName: 'Control Tower audit',
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of settings.notify.emails) {
      this.runTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    this.operationsTopic = new sns.Topic(this, 'OperationsTopic', {
      displayName: 'Control Tower audit operations',
      masterKey: key,
      enforceSSL: true,
    });

    this.publishReport = new AuditFunction(this, 'PublishReport', {
      handlerName: 'publish-report',
      description: 'control-tower-audit Publish Report: report.html, the run message, event, Security Hub, metrics',
      environment: {
        [REPORT_BUCKET_ENV]: reportBucket.bucket.bucketName,
        RUN_TOPIC_ARN: this.runTopic.topicArn,
        AUDIT_ACCOUNT_ID: stack.account,
      },
      logRetentionDays: settings.logRetentionDays,
      // The task in the ASL gives it 300 seconds.
      timeout: Duration.minutes(4),
      memorySize: 1024,
    });
    props.functions.useSettings(this.publishReport);
    acknowledge(
      this.publishReport,
      'NIST.800.53.R5-LambdaConcurrency',
      'Invoked once per execution, after Summarize; a reservation would take concurrency from the Audit ' +
        "account's shared pool for a function that runs once a run.",
    );
    // Reads the run's summary and findings; writes only report.html.
    reportBucket.grantReadListed(this.publishReport, 'runs/*');
    reportBucket.grantWriteRuns(this.publishReport, ['runs/*/report.html']);
    this.runTopic.grantPublish(this.publishReport);
    this.publishReport.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      }),
    );
    if (settings.securityHub.enabled) {
      // The Security Hub sink's archive queue (ARCHIVED updates not yet confirmed, sent again by the next run).
      reportBucket.grantState(this.publishReport, SECURITY_HUB_FOLDER, { write: true });
      this.publishReport.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['securityhub:BatchImportFindings'],
          // The Audit account's own default product: the only one that imports without a partner integration.
          resources: [
            stack.formatArn({ service: 'securityhub', resource: 'product', resourceName: `${stack.account}/default` }),
          ],
        }),
      );
    }
    if (this.publishReport.role) {
      acknowledge(
        this.publishReport.role,
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        'SNS grantPublish on a topic under a customer key: GenerateDataKey* on that one key only.',
      );
    }

    // The state machine's definition names this function through its substitution (from the Task-state table); the
    // function is made here, after the state machine, so its substitution and invoke permission are added here.
    const cfnStateMachine = stateMachine.node.defaultChild as sfn.CfnStateMachine;
    cfnStateMachine.addPropertyOverride(
      `DefinitionSubstitutions.${TASKS.publishReport.substitutionKey}`,
      this.publishReport.functionArn,
    );
    this.publishReport.grantInvokeLatestVersion(stateMachine);

    const alarmAction = new cloudwatchActions.SnsAction(this.operationsTopic);
    // From the schedule: a window shorter than the time between two runs would alarm between any two of them; a
    // disabled schedule starts no runs, and the alarm would only say so, again after every window.
    const windowHours = noCompletedRunHours(settings.schedule);
    if (windowHours !== undefined) {
      // Whole periods of 2 hours, rounded up: at most 84 of them, the 7 days CloudWatch allows.
      const periods = Math.ceil(windowHours / NO_COMPLETED_RUN_PERIOD_HOURS);
      this.noCompletedRunAlarm = new cloudwatch.Alarm(this, 'NoCompletedRun', {
        alarmDescription: `control-tower-audit: no run completed in ${periods * NO_COMPLETED_RUN_PERIOD_HOURS} hours (Publish Report's RunCompleted heartbeat)`,
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'RunCompleted',
          dimensionsMap: { service: SERVICE_NAME },
          statistic: cloudwatch.Stats.SUM,
          period: Duration.hours(NO_COMPLETED_RUN_PERIOD_HOURS),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      this.noCompletedRunAlarm.addAlarmAction(alarmAction);
    }

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'ScheduleDeadLetters', {
      alarmDescription: 'control-tower-audit: a scheduled run could not be started (the schedule dead-letter queue)',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(alarmAction);
    letPublishFrom(this.operationsTopic, 'CloudWatchAlarmsOfThisStack', 'cloudwatch.amazonaws.com', {
      ArnLike: {
        'aws:SourceArn': [this.noCompletedRunAlarm, this.deadLetterAlarm].flatMap((alarm) =>
          alarm ? [alarm.alarmArn] : [],
        ),
      },
    });

    // AuditFoundIssues is the audit doing its job; any other end but success is the audit not working.
    this.executionFailedRule = new events.Rule(this, 'ExecutionFailed', {
      description: 'control-tower-audit: an execution failed for a reason other than AuditFoundIssues',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [stateMachine.stateMachineArn],
          $or: [
            { status: ['TIMED_OUT', 'ABORTED'] },
            { status: ['FAILED'], error: [{ 'anything-but': ['AuditFoundIssues'] }] },
          ],
        },
      },
      targets: [
        new TopicTarget(
          this.operationsTopic,
          events.RuleTargetInput.fromText(
            `control-tower-audit execution ${events.EventField.fromPath('$.detail.name')} ended ` +
              `${events.EventField.fromPath('$.detail.status')}: ${events.EventField.fromPath('$.detail.error')}`,
          ),
        ),
      ],
    });
    letPublishFrom(this.operationsTopic, 'TheFailedExecutionRule', 'events.amazonaws.com', {
      ArnEquals: { 'aws:SourceArn': this.executionFailedRule.ruleArn },
    });

    // The output keys the README names: made inside this construct, CDK would prefix its path and add a hash
    // (OutputsRunTopicArn8459EAD7), which no one can guess when looking for the topic to subscribe to.
    new CfnOutput(this, 'RunTopicArn', {
      description: 'Run notifications: subscribe here, or list emails in ctAudit.notify.emails',
      value: this.runTopic.topicArn,
    }).overrideLogicalId('RunTopicArn');
    new CfnOutput(this, 'OperationsTopicArn', {
      description: 'Alarms about the audit itself: no completed run, failed executions, schedule dead letters',
      value: this.operationsTopic.topicArn,
    }).overrideLogicalId('OperationsTopicArn');
  }
}

/**
 * An SNS topic as a rule target, without a grant: CDK's `SnsTopic` target adds a topic-policy statement for
 * events.amazonaws.com with no condition, which would let any rule of any account publish; {@link AuditOutputs}
 * allows the one rule by its ARN instead.
 */
class TopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly message: events.RuleTargetInput,
  ) {}

  bind(): events.RuleTargetConfig {
    return { arn: this.topic.topicArn, input: this.message, targetResource: this.topic };
  }
}

/**
 * Lets one AWS service publish to the topic, only from this account and only for the sources `sourceArn` names (the
 * stack's own alarms or rule): a topic policy replaces SNS's default one, so each publisher is named here.
 */
function letPublishFrom(
  topic: sns.ITopic,
  sid: string,
  service: string,
  sourceArn: Record<string, { 'aws:SourceArn': string | string[] }>,
): void {
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      actions: ['sns:Publish'],
      principals: [new iam.ServicePrincipal(service)],
      resources: [topic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(topic).account }, ...sourceArn },
    }),
  );
}

/** The period of the alarm NoCompletedRun: its window is a whole number of them. */
const NO_COMPLETED_RUN_PERIOD_HOURS = 2;

/** The folder under `state/` of the previous-run pointers (ReportStore state documents), which Summarize moves. */
export const LAST_RUN_FOLDER = 'last-run';

/**
 * The folder under `state/` of the Security Hub sink's archive queue (SECURITY_HUB_STATE_FOLDER in
 * functions/report/security-hub-sink.ts, which infra does not import: that module is loaded on first use only).
 */
export const SECURITY_HUB_FOLDER = 'securityhub';
