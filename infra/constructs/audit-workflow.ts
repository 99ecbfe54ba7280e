import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TASK_IDS, TASKS, type TaskId } from '../../statemachine/tasks';
import { STATE_MACHINE_DEFINITION } from '../paths';
import type { AuditFunctions } from './audit-functions';
import { distributedMapPolicy, logsAndTracing } from './state-machine-policies';

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

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromFile(STATE_MACHINE_DEFINITION),
      definitionSubstitutions: this.definitionSubstitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'control-tower-audit: checks that every account of the organization can be audited',
    });
    for (const fn of functions.all) {
      fn.grantInvokeLatestVersion(this.stateMachine);
    }
    logsAndTracing(this, this.stateMachine, logGroup);
    distributedMapPolicy(this, this.stateMachine);
  }
}
