import { Duration, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/** Properties of {@link AuditSchedule}. */
export interface AuditScheduleProps {
  /** The state machine to start. */
  readonly stateMachine: sfn.IStateMachine;
  /** An EventBridge Scheduler expression: `cron(m h dom mon dow yr)` or `rate(N unit)`. */
  readonly expression: string;
  /** The IANA time zone the cron expression is read in, e.g. `Europe/Paris`. */
  readonly timeZone: string;
  /**
   * Whether the schedule starts runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How many times Scheduler retries a StartExecution that failed.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler keeps retrying before the event goes to the dead-letter queue.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

/**
 * The input the schedule starts the workflow with: the whole organization, default checks, and a marker that says
 * the run is a scheduled one (`remediation.afterScheduledAudit` applies to those only).
 */
export const SCHEDULED_INPUT = { trigger: 'schedule' } as const;

/** The daily run: an EventBridge Scheduler schedule that starts the workflow with {@link SCHEDULED_INPUT}. */
export class AuditSchedule extends Construct {
  /** The schedule. */
  readonly schedule: scheduler.Schedule;
  /** Where a start that failed after every retry ends up, so that a missed run is visible. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AuditScheduleProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the schedule; nothing consumes it, so it needs none of its own.',
    );

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'control-tower-audit: audits every account of the organization',
      schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      enabled: props.enabled ?? true,
      target: new targets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_INPUT),
        retryAttempts: props.retryAttempts ?? 3,
        maxEventAge: props.maxEventAge ?? Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }
}
