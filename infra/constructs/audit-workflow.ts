import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TASK_IDS, TASKS, type TaskId } from '../../statemachine/tasks';
import { acknowledge, wildcardResourceFinding } from '../nag';
import { STATE_MACHINE_DEFINITION } from '../paths';
import type { AuditFunctions } from './audit-functions';

/** Properties of {@link AuditWorkflow}. */
export interface AuditWorkflowProps {
  /** The functions the workflow's tasks invoke. */
  readonly functions: AuditFunctions;
  /** Days the state machine's log group keeps its events; one of the periods CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
}

/** The state machine of `statemachine/audit.asl.json`, with its logs, tracing and the permissions it runs with. */
export class AuditWorkflow extends Construct {
  /** The state machine. */
  readonly stateMachine: sfn.StateMachine;
  /** What each `${Key}` in the ASL file is replaced with. */
  readonly definitionSubstitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: AuditWorkflowProps) {
    super(scope, id);
    const { functions } = props;

    const byTask = functions.byTask;
    this.definitionSubstitutions = Object.fromEntries(
      // Publish Report's function belongs to the outputs construct, which adds its substitution (it needs the
      // state machine for its alarms, so it is made after it).
      TASK_IDS.filter((id) => id !== 'publishReport').map((id) => [
        TASKS[id].substitutionKey,
        byTask[id as Exclude<TaskId, 'publishReport'>].functionArn,
      ]),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's CloudWatch Logs resource policy.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-AuditWorkflow`,
      retention: props.logRetentionDays as logs.RetentionDays,
      // A named log group left behind by a deleted stack would block the next deploy of a stack of the same name.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    acknowledge(
      logGroup,
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'The state machine logs without execution data (no inputs, outputs or account lists); CloudWatch Logs ' +
        'encrypts the log group at rest with its own keys. The findings are in the KMS-encrypted report bucket.',
    );
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromFile(STATE_MACHINE_DEFINITION),
      definitionSubstitutions: this.definitionSubstitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'control-tower-audit: checks that every account of the organization can be audited',
    });
    for (const fn of functions.all) {
      fn.grantInvokeLatestVersion(this.stateMachine);
    }
    this.enableLogsAndTracing(logGroup);

    // The Distributed Map starts child executions of this very state machine. In a policy of its own, attached to
    // the role, because the role's default policy referring to the state machine would be a dependency cycle.
    const childExecutions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const distributedMap = new iam.Policy(this, 'DistributedMapPolicy', {
      statements: [
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [this.stateMachine.stateMachineArn],
        }),
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [childExecutions],
        }),
      ],
    });
    distributedMap.attachToRole(this.stateMachine.role);
    acknowledge(
      distributedMap,
      wildcardResourceFinding(this, childExecutions),
      'Child executions of the Distributed Map get their names at run time; the ARN is limited to executions of ' +
        'this state machine.',
    );
  }

  /**
   * Logging (no execution data: it would put account lists and findings into the logs; the reports in S3 hold
   * those) and X-Ray tracing, set on the resource rather than through the construct's props so that their
   * wildcard statements go into policies of their own, each acknowledged there. The role's default policy carries
   * no acknowledgement: a wildcard added to it later is reported.
   */
  private enableLogsAndTracing(logGroup: logs.ILogGroup): void {
    const logDelivery = new iam.Policy(this, 'LogDeliveryPolicy', {
      statements: [
        new iam.PolicyStatement({
          actions: [
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ],
          resources: ['*'],
        }),
      ],
    });
    acknowledge(
      logDelivery,
      'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs delivery for Step Functions (logs:*LogDelivery, PutResourcePolicy, DescribeResourcePolicies, ' +
        'DescribeLogGroups) has no resource-level permissions; this policy holds only those calls.',
    );
    const xray = new iam.Policy(this, 'XRayPolicy', {
      statements: [
        new iam.PolicyStatement({
          actions: [
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
          ],
          resources: ['*'],
        }),
      ],
    });
    acknowledge(
      xray,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments, PutTelemetryRecords and GetSampling* have no resource-level permissions; this policy ' +
        "holds only those calls, for the state machine's tracing.",
    );
    const cfn = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    for (const policy of [logDelivery, xray]) {
      policy.attachToRole(this.stateMachine.role);
      // Step Functions checks the role's log-delivery rights when the state machine is created.
      cfn.addResourceDependency(policy.node.defaultChild as iam.CfnPolicy);
    }
    cfn.loggingConfiguration = {
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: logGroup.logGroupArn } }],
      level: sfn.LogLevel.ALL,
      includeExecutionData: false,
    };
    cfn.tracingConfiguration = { enabled: true };
  }
}
