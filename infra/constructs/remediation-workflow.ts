import * as path from 'node:path';
import { Aws, CfnOutput, CfnRule, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { InvalidSettingsError } from '../../functions/lib/errors';
import type { Settings } from '../../functions/lib/settings';
import { acknowledge, wildcardResourceFinding } from '../nag';
import { REPO_ROOT } from '../paths';
import { settingsVariables } from '../settings-schema-id';
import { AuditFunction } from './audit-function';
import {
  assertEnvironmentFits,
  assumeExecutionRoleStatement,
  executionRoleArnPattern,
  REPORT_BUCKET_ENV,
} from './audit-functions';
import { ReportBucket } from './report-bucket';
import { distributedMapPolicy, logsAndTracing } from './state-machine-policies';

/** The remediation workflow's definition: the file the local engine runs too. */
export const REMEDIATION_DEFINITION = path.join(REPO_ROOT, 'statemachine', 'remediate.asl.json');

/** Every run file: what Start Remediation and Summarize Remediation read (summaries, findings, other runs' records). */
const RUN_FILES = `${ReportBucket.RUNS_PREFIX}*`;
/** The remediation state documents' folder. */
const REMEDIATION_STATE = `${ReportBucket.STATE_PREFIX}remediation`;
/** A file of a remediation run's folder, `runs/<date>/<runId>/remediation/<name>`, as a key pattern. */
const remediationFile = (name: string) => `${ReportBucket.RUNS_PREFIX}*/remediation/${name}`;
/** The audit run's account records: Plan Account reads its account's. */
const AUDIT_ACCOUNT_RECORDS = `${ReportBucket.RUNS_PREFIX}*/accounts/*`;
/** `remediation/plan/<accountId>.json` of a remediation run: Plan Account writes it, Review Plan and Apply read it. */
const ACCOUNT_PLANS = `${ReportBucket.RUNS_PREFIX}*/remediation/plan/*`;
/** `remediation/accounts/<accountId>.json`: Apply Account's record of one account. */
const ACCOUNT_REMEDIATION_RECORDS = `${ReportBucket.RUNS_PREFIX}*/remediation/accounts/*`;
/** What was remediated in each account (`state/remediation/remediated/<accountId>.json`): loop safety. */
const REMEDIATED_STATE = `${REMEDIATION_STATE}/remediated/*`;

/** Properties of {@link RemediationWorkflow}. */
export interface RemediationWorkflowProps {
  /** The validated settings; the workflow exists only when `adminEnabled` is set. */
  readonly settings: Settings;
  /** Where the audit runs are read and the remediation records written. */
  readonly reportBucket: ReportBucket;
}

/**
 * The remediation state machine (statemachine/remediate.asl.json) and its functions, each with the least privilege
 * its step needs. Plan Account runs as the Control Tower Audit read-only role, Apply Account as the Audit
 * administrator role (imported, never changed); the stack creates it only when the admin path is enabled.
 */
export class RemediationWorkflow extends Construct {
  /** The remediation state machine. */
  readonly stateMachine: sfn.StateMachine;
  /** What each `${Key}` in the ASL file is replaced with. */
  readonly definitionSubstitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: RemediationWorkflowProps) {
    super(scope, id);
    const { settings, reportBucket } = props;
    const common = {
      environment: {
        ...settingsVariables(JSON.stringify(settings)),
        [REPORT_BUCKET_ENV]: reportBucket.bucket.bucketName,
      },
      logRetentionDays: settings.logRetentionDays,
    };
    // Every remediation function gets the settings in its environment, whatever its role.
    assertEnvironmentFits(common.environment, 'the remediation functions get them (adminEnabled)', '');

    const start = new AuditFunction(this, 'StartRemediation', {
      ...common,
      handlerName: 'remediation-start',
      description: 'control-tower-audit Start Remediation: validates the input and lists the accounts with findings',
      timeout: Duration.seconds(100),
    });
    // Reads the audit run's summary.json; writes remediation/run.json and the run's pointer (state).
    reportBucket.grantReadListed(start, RUN_FILES);
    reportBucket.grantWriteRuns(start, [remediationFile('run.json'), `${REMEDIATION_STATE}/runs/*`]);

    const plan = this.memberFunction('PlanAccount', {
      settings,
      common,
      auditRoleName: settings.roles.auditReadOnlyRoleName,
      executionRoleName: settings.roles.readOnlyExecutionRoleName,
      handlerName: 'remediation-plan',
      description: 'control-tower-audit Plan Account: plans one account from its current state (read-only role)',
      // The task gives it 90 seconds (three attempts fit the Express child's 5 minutes).
      timeout: Duration.seconds(80),
    });
    // The audit run's record of its account, what earlier runs remediated there (loop safety); it writes its plan.
    reportBucket.grantReadListed(plan, AUDIT_ACCOUNT_RECORDS);
    reportBucket.grantReadListed(plan, REMEDIATED_STATE);
    this.grantMemberWrites(reportBucket, plan, settings, ACCOUNT_PLANS, { read: false });

    const review = new AuditFunction(this, 'ReviewPlan', {
      ...common,
      handlerName: 'remediation-review',
      description: 'control-tower-audit Review Plan: joins the plans and enforces the cap',
      timeout: Duration.seconds(280),
    });
    // Reads the accounts' plans; writes remediation/plan.json.
    reportBucket.grantReadListed(review, ACCOUNT_PLANS);
    reportBucket.grantWriteRuns(review, [remediationFile('plan.json')]);

    const approval = new AuditFunction(this, 'RequestApproval', {
      ...common,
      handlerName: 'remediation-approval',
      description: 'control-tower-audit Approve Remediations: records the task token and asks for approval',
      timeout: Duration.seconds(30),
      memorySize: 256,
    });
    // Writes remediation/approval.json and the task token (state, never the run folder); reads nothing.
    reportBucket.grantWriteRuns(approval, [remediationFile('approval.json'), `${REMEDIATION_STATE}/approvals/*`]);
    // The people who answer a waiting run read its task token; nobody else outside the stack can decrypt it.
    requireAuditAccountApprovers(this, settings.remediation.approverRoleArns);
    reportBucket.grantApprovers(settings.remediation.approverRoleArns);
    if (settings.remediation.approvalTopicArn) {
      approval.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [settings.remediation.approvalTopicArn] }),
      );
    }

    const apply = this.memberFunction('ApplyAccount', {
      settings,
      common,
      auditRoleName: settings.roles.auditAdminRoleName,
      executionRoleName: settings.roles.adminExecutionRoleName,
      handlerName: 'remediation-apply',
      description: 'control-tower-audit Apply Account: re-checks, applies and verifies one account (admin role)',
      // The task gives it 140 seconds (two attempts fit the Express child's 5 minutes).
      timeout: Duration.seconds(130),
    });
    // The account's plan; its record of the apply (an earlier attempt's too) and what was remediated there.
    reportBucket.grantReadListed(apply, ACCOUNT_PLANS);
    this.grantMemberWrites(reportBucket, apply, settings, ACCOUNT_REMEDIATION_RECORDS, { read: true });
    this.grantMemberWrites(reportBucket, apply, settings, REMEDIATED_STATE, { read: true });

    const summarize = new AuditFunction(this, 'SummarizeRemediation', {
      ...common,
      handlerName: 'remediation-summarize',
      description: 'control-tower-audit Summarize Remediation: remediation/summary.json and the outcome',
      timeout: Duration.seconds(280),
    });
    // Run files: its own, and the audit run's report.html rendered again with the results; the state document
    // remediation/by-audit-run/<auditRunId>.json lists an audit run's remediation runs for that report.
    reportBucket.grantReadListed(summarize, RUN_FILES);
    reportBucket.grantWriteRuns(summarize, [
      remediationFile('summary.json'),
      `${ReportBucket.RUNS_PREFIX}*/report.html`,
    ]);
    reportBucket.grantReadWrite(summarize, `${REMEDIATION_STATE}/by-audit-run/*`);

    this.definitionSubstitutions = {
      StartRemediationFunctionArn: start.functionArn,
      PlanAccountFunctionArn: plan.functionArn,
      ReviewPlanFunctionArn: review.functionArn,
      RequestApprovalFunctionArn: approval.functionArn,
      ApplyAccountFunctionArn: apply.functionArn,
      SummarizeRemediationFunctionArn: summarize.functionArn,
    };

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-RemediationWorkflow`,
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromFile(REMEDIATION_DEFINITION),
      definitionSubstitutions: this.definitionSubstitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'control-tower-audit remediation: plan, approve, apply, verify',
    });
    for (const fn of [start, plan, review, approval, apply, summarize]) {
      fn.grantInvokeLatestVersion(this.stateMachine);
      acknowledge(
        fn,
        'NIST.800.53.R5-LambdaConcurrency',
        'Remediation runs are started by a person (or after a scheduled audit), rarely; nothing stops two from ' +
          'overlapping, and each Distributed Map of Plan and Apply runs at most 10 children at once (MaxConcurrency in ' +
          'the ASL), so a few runs at once stay far below the shared pool and no reservation is needed.',
      );
    }
    // Without execution data: it would carry the task token and the plan; the records in S3 hold what a person needs.
    logsAndTracing(this, this.stateMachine, logGroup);
    distributedMapPolicy(this, this.stateMachine);

    // The output key the README names, not the construct path with a hash (RemediationRemediationStateMachineArn…).
    new CfnOutput(this, 'RemediationStateMachineArn', {
      description:
        'Plan remediations: aws stepfunctions start-execution --state-machine-arn <this> --input ' +
        '\'{"auditRunId":"<run>","mode":"plan"}\'',
      value: this.stateMachine.stateMachineArn,
    }).overrideLogicalId('RemediationStateMachineArn');
  }

  /**
   * Plan Account and Apply Account may run as a Control Tower role that other functions of the Audit account share:
   * then their writes go in the bucket policy and are excepted from the Deny of every other write by that role (see
   * ReportBucket), and each reads only what it uses, so that the shared role cannot read the summaries, the reports
   * or the approval tokens. `read`: Get and list under `pattern` too.
   */
  private grantMemberWrites(
    reportBucket: ReportBucket,
    fn: AuditFunction,
    settings: Settings,
    pattern: string,
    options: { readonly read: boolean },
  ): void {
    const shared = !settings.roles.createDedicatedRoles && fn.role ? fn.role : undefined;
    if (options.read) {
      if (shared) reportBucket.grantSharedRoleReadWrite(shared, pattern);
      else reportBucket.grantReadWrite(fn, pattern);
    } else if (shared) {
      reportBucket.grantSharedRoleWrites(shared, [pattern]);
    } else {
      reportBucket.grantWriteRuns(fn, [pattern]);
    }
  }

  /** A function that acts in member accounts: as the Control Tower Audit role, or a dedicated role. */
  private memberFunction(
    id: string,
    options: {
      readonly settings: Settings;
      readonly common: { readonly environment: Record<string, string>; readonly logRetentionDays: number };
      readonly auditRoleName: string;
      readonly executionRoleName: string;
      readonly handlerName: string;
      readonly description: string;
      readonly timeout: Duration;
    },
  ): AuditFunction {
    const { settings, common, auditRoleName, executionRoleName, handlerName, description, timeout } = options;
    if (settings.roles.createDedicatedRoles) {
      const fn = new AuditFunction(this, id, { ...common, handlerName, description, timeout });
      fn.addToRolePolicy(assumeExecutionRoleStatement(this, executionRoleName, settings.organizationId));
      if (fn.role) {
        acknowledge(
          fn.role,
          wildcardResourceFinding(this, executionRoleArnPattern(this, executionRoleName)),
          `The function assumes ${executionRoleName} in every enrolled account, so the account ID is the wildcard; ` +
            'the role name is fixed and, when organizationId is set, aws:ResourceOrgID keeps it inside the organization.',
        );
      }
      return fn;
    }
    // Control Tower's execution roles trust only its Audit roles: run as one, imported immutable.
    const role = iam.Role.fromRoleName(this, `${id}ControlTowerRole`, auditRoleName, {
      mutable: false,
      addGrantsToResources: true,
    });
    return new AuditFunction(this, id, {
      ...common,
      handlerName,
      description,
      timeout,
      role,
      tracing: lambda.Tracing.PASS_THROUGH,
    });
  }
}

/** The account of a role ARN that `roleArnSchema` accepted (`arn:<partition>:iam::<account>:role/<name>`). */
function roleAccount(arn: string): string {
  return arn.split(':')[4] as string;
}

/**
 * Approvers must be roles of the account the stack is deployed to, the Audit account: the report key lets them
 * decrypt a task token only as callers of this account (`kms:CallerAccount`), and they answer this account's state
 * machine. A role of another account would deploy and then get AccessDenied on the first run that waits for it, so it
 * is refused before: at synth when the stack's account is known, else by a CloudFormation rule, which fails the
 * deployment before any resource is created or changed.
 */
function requireAuditAccountApprovers(scope: Construct, roleArns: readonly string[]): void {
  if (roleArns.length === 0) return;
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.account)) {
    const index = roleArns.findIndex((arn) => roleAccount(arn) !== stack.account);
    const arn = roleArns[index];
    if (arn === undefined) return;
    throw new InvalidSettingsError(
      `invalid settings: ctAudit.remediation.approverRoleArns[${index}]: ${arn} is a role of account ` +
        `${roleAccount(arn)}, not of ${stack.account}, the account this stack is deployed to; approvers must be ` +
        'roles of the Audit account (the report key lets only its callers decrypt the approval token)',
    );
  }
  new CfnRule(scope, 'ApproversInAuditAccount', {
    assertions: [...new Set(roleArns.map(roleAccount))].map((account) => ({
      assert: Fn.conditionEquals(Aws.ACCOUNT_ID, account),
      assertDescription:
        `ctAudit.remediation.approverRoleArns names a role of account ${account}: approvers must be roles of the ` +
        'account this stack is deployed to, the Audit account (the report key lets only its callers decrypt the ' +
        'approval token)',
    })),
  });
}
