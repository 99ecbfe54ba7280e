import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { InvalidSettingsError } from '../functions/lib/errors';
import type { Settings } from '../functions/lib/settings';
import { AuditFunctions } from './constructs/audit-functions';
import { AuditOutputs } from './constructs/audit-outputs';
import { AuditSchedule } from './constructs/audit-schedule';
import { AuditWorkflow } from './constructs/audit-workflow';
import { RemediationWorkflow } from './constructs/remediation-workflow';
import { ReportBucket } from './constructs/report-bucket';
import { acknowledge } from './nag';

/** Properties of {@link ControlTowerAuditStack}. */
export interface ControlTowerAuditStackProps extends StackProps {
  /** The validated settings (cdk.json context `ctAudit`). */
  readonly settings: Settings;
}

/** control-tower-audit, deployed in the Control Tower Audit account: report bucket, functions, workflow, schedule. */
export class ControlTowerAuditStack extends Stack {
  /** Where the runs' reports go. */
  readonly reportBucket: ReportBucket;
  /** The workflow's functions. */
  readonly functions: AuditFunctions;
  /** The state machine and its permissions. */
  readonly workflow: AuditWorkflow;
  /** The daily run. */
  readonly schedule: AuditSchedule;

  constructor(scope: Construct, id: string, props: ControlTowerAuditStackProps) {
    super(scope, id, props);
    const { settings } = props;
    if (settings.remediation.afterScheduledAudit === 'plan' && !settings.adminEnabled) {
      throw new InvalidSettingsError(
        'invalid settings: ctAudit.remediation.afterScheduledAudit is "plan", but the remediation workflow exists ' +
          'only with the admin path; set ctAudit.adminEnabled to true, or set afterScheduledAudit to "none"',
      );
    }
    acknowledge(
      this,
      'NIST.800.53.R5-IAMNoInlinePolicy',
      'Each policy belongs to exactly one role and is made next to the grant it carries (CDK grants), so that no ' +
        'permission is shared by accident; customer managed policies would be reusable by other roles.',
    );

    this.reportBucket = new ReportBucket(this, 'ReportBucket', {
      retentionDays: settings.reportRetentionDays,
      readerRoleArns: settings.reportReaders,
    });
    this.functions = new AuditFunctions(this, 'Functions', { settings, reportBucket: this.reportBucket });
    this.workflow = new AuditWorkflow(this, 'Workflow', {
      functions: this.functions,
      logRetentionDays: settings.logRetentionDays,
    });
    this.schedule = new AuditSchedule(this, 'Schedule', {
      stateMachine: this.workflow.stateMachine,
      expression: settings.schedule.expression,
      timeZone: settings.schedule.timeZone,
      enabled: settings.schedule.enabled,
    });
    const outputs = new AuditOutputs(this, 'Outputs', {
      settings,
      reportBucket: this.reportBucket,
      stateMachine: this.workflow.stateMachine,
      functions: this.functions,
      deadLetterQueue: this.schedule.deadLetterQueue,
    });

    if (settings.adminEnabled) {
      const remediation = new RemediationWorkflow(this, 'Remediation', { settings, reportBucket: this.reportBucket });
      if (settings.remediation.afterScheduledAudit === 'plan') outputs.startPlansOn(remediation.stateMachine);
    }

    new CfnOutput(this, 'StateMachineArn', {
      description: "Start a run: aws stepfunctions start-execution --state-machine-arn <this> --input '{}'",
      value: this.workflow.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'ReportBucketName', {
      description: 'Run reports: s3://<this>/runs/<date>/<runId>/summary.json',
      value: this.reportBucket.bucket.bucketName,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Scheduled starts that failed after every retry',
      value: this.schedule.deadLetterQueue.queueUrl,
    });
  }
}
