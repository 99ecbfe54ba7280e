import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from '../nag';

/**
 * The permissions of a state machine whose Distributed Map starts child executions of itself: StartExecution on the
 * state machine, Describe/StopExecution on its executions.
 */
export function distributedMapPolicy(scope: Construct, stateMachine: sfn.StateMachine): void {
  // The Distributed Map starts child executions of this very state machine. In a policy of its own, attached to
  // the role, because the role's default policy referring to the state machine would be a dependency cycle.
  const childExecutions = Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}/*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const distributedMap = new iam.Policy(scope, 'DistributedMapPolicy', {
    statements: [
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [stateMachine.stateMachineArn],
      }),
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [childExecutions],
      }),
    ],
  });
  distributedMap.attachToRole(stateMachine.role);
  acknowledge(
    distributedMap,
    wildcardResourceFinding(scope, childExecutions),
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
export function logsAndTracing(scope: Construct, stateMachine: sfn.StateMachine, logGroup: logs.ILogGroup): void {
  const logDelivery = new iam.Policy(scope, 'LogDeliveryPolicy', {
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
  const xray = new iam.Policy(scope, 'XRayPolicy', {
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
  const cfn = stateMachine.node.defaultChild as sfn.CfnStateMachine;
  for (const policy of [logDelivery, xray]) {
    policy.attachToRole(stateMachine.role);
    // Step Functions checks the role's log-delivery rights when the state machine is created.
    cfn.addResourceDependency(policy.node.defaultChild as iam.CfnPolicy);
  }
  cfn.loggingConfiguration = {
    destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: logGroup.logGroupArn } }],
    level: sfn.LogLevel.ALL,
    includeExecutionData: false,
  };
  cfn.tracingConfiguration = { enabled: true };
  acknowledge(
    logGroup,
    'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
    'The state machine logs without execution data (no inputs, outputs, account lists or task tokens); CloudWatch ' +
      'Logs encrypts the log group at rest with its own keys. The findings are in the KMS-encrypted report bucket.',
  );
}
