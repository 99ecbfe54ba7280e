import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { SECURITY_HUB_STATE_FOLDER } from '../../functions/report/security-hub-sink';
import { SECURITY_HUB_FOLDER } from '../../infra/constructs/audit-outputs';
import type { RemediationWorkflow } from '../../infra/constructs/remediation-workflow';
import { allPolicyStatements, asList, logicalIdsOf, onlyLogicalIdOf, type Synthesized, synthesize } from './support';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

interface PolicyStatement extends Statement {
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The properties these tests read, of any resource. */
interface CfnResource {
  readonly Type: string;
  readonly Properties: {
    readonly AlarmActions?: { Ref: string }[];
    readonly Topics?: unknown;
    readonly KmsMasterKeyId?: { 'Fn::GetAtt': [string, string] };
    readonly PolicyDocument?: { Statement: PolicyStatement[] };
    readonly KeyPolicy?: { Statement: PolicyStatement[] };
  };
}

/** The function whose description starts with "control-tower-audit Publish Report:". */
function publishReportRoleId(template: Template): string {
  const [entry] = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('^control-tower-audit Publish Report:') },
    }),
  );
  if (!entry) throw new Error('no Publish Report function');
  return (entry.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

function statementsOf(template: Template, roleId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) => asList(statement.Action)).sort();
}

describe('Outputs: the stack outputs have the names the README gives them', () => {
  const described = (template: Template) =>
    Object.fromEntries(
      Object.entries(template.findOutputs('*')).map(([key, output]) => [key, Object.keys(output.Value)[0]]),
    );

  test('Compliance: the audit stack outputs its state machine, bucket, dead-letter queue and both topics by name', () => {
    const { template } = synthesize();

    expect(described(template)).toEqual({
      StateMachineArn: 'Ref',
      ReportBucketName: 'Ref',
      DeadLetterQueueUrl: 'Ref',
      RunTopicArn: 'Ref',
      OperationsTopicArn: 'Ref',
    });
  });

  test('Compliance: with adminEnabled, the remediation state machine is the output RemediationStateMachineArn', () => {
    const { template } = synthesize({ adminEnabled: true });

    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      [
        'DeadLetterQueueUrl',
        'OperationsTopicArn',
        'RemediationStateMachineArn',
        'ReportBucketName',
        'RunTopicArn',
        'StateMachineArn',
      ].sort(),
    );
    const stateMachines = logicalIdsOf(template, 'AWS::StepFunctions::StateMachine');
    expect(stateMachines).toContainEqual(
      template.findOutputs('RemediationStateMachineArn').RemediationStateMachineArn?.Value.Ref,
    );
  });

  test('Compliance: the topic outputs name the topics they say (the run topic has the email subscriptions)', () => {
    const { template } = synthesize({ notify: { emails: ['secops@example.com'] } });
    const subscribed = Object.values(template.findResources('AWS::SNS::Subscription'))[0]?.Properties.TopicArn;

    expect(template.findOutputs('RunTopicArn').RunTopicArn?.Value).toEqual(subscribed);
    expect(template.findOutputs('OperationsTopicArn').OperationsTopicArn?.Value).not.toEqual(subscribed);
  });
});

describe('Outputs: topics', () => {
  const { template } = synthesize({ notify: { emails: ['secops@example.com', 'platform@example.com'] } });

  test('Compliance: the run topic and the operations topic are encrypted with a rotated customer key', () => {
    expect(logicalIdsOf(template, 'AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() })).toHaveLength(2);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('Compliance: each address of notify.emails is an email subscription of the run topic', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
  });

  test('Compliance: the run topic ARN and the operations topic ARN are stack outputs', () => {
    const outputs = Object.values(template.findOutputs('*'));
    const topics = logicalIdsOf(template, 'AWS::SNS::Topic');
    for (const topic of topics) expect(outputs).toContainEqual(expect.objectContaining({ Value: { Ref: topic } }));
  });

  test('Compliance: EventBridge publishes to the operations topic only for the failed-execution rule of this account', () => {
    const resources = template.toJSON().Resources as Record<string, CfnResource>;
    const operations = logicalIdsOf(template, 'AWS::SNS::Topic', { DisplayName: 'Control Tower audit operations' });
    const rule = onlyLogicalIdOf(template, 'AWS::Events::Rule');
    const publishing = Object.values(resources)
      .filter(
        (r) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties.Topics).includes(`"${operations[0]}"`),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument?.Statement ?? [])
      .filter((statement) => JSON.stringify(statement.Principal) === '{"Service":"events.amazonaws.com"}');

    expect(publishing).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } },
        },
      }),
    ]);
  });

  test('Noncompliance 1: no topic policy allows a service without a condition on the source', () => {
    const unconditioned = allPolicyStatements(template).filter(
      ({ type, statement }) =>
        type === 'AWS::SNS::TopicPolicy' &&
        statement.Effect === 'Allow' &&
        JSON.stringify(statement.Principal ?? {}).includes('"Service"') &&
        !['aws:SourceArn', 'aws:SourceAccount'].every((key) => JSON.stringify(statement.Condition ?? {}).includes(key)),
    );

    expect(unconditioned).toEqual([]);
  });

  test('Noncompliance 2: the key has one EventBridge statement, with no source condition (AWS does not pass one to KMS)', () => {
    const resources = template.toJSON().Resources as Record<string, CfnResource>;
    const topicKeys = new Set(
      Object.values(resources).flatMap((r) =>
        r.Type === 'AWS::SNS::Topic' && r.Properties.KmsMasterKeyId
          ? [r.Properties.KmsMasterKeyId['Fn::GetAtt'][0]]
          : [],
      ),
    );
    for (const keyId of topicKeys) {
      const events = (resources[keyId]?.Properties.KeyPolicy?.Statement ?? []).filter((statement) =>
        JSON.stringify(statement.Principal).includes('events.amazonaws.com'),
      );
      expect(events).toEqual([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]);
      expect(events[0]?.Condition).toBeUndefined();
    }
  });
});

describe('Outputs: every alarm can publish to its topic', () => {
  const { template } = synthesize();
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  const alarms = Object.keys(resources).filter((id) => resources[id]?.Type === 'AWS::CloudWatch::Alarm');
  const byCloudWatch = (statement: PolicyStatement, action: string) =>
    statement.Effect === 'Allow' &&
    JSON.stringify(statement.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }) &&
    asList(statement.Action).includes(action);

  test('Compliance: the stack has alarms, and each has an action', () => {
    expect(alarms.length).toBeGreaterThanOrEqual(2);
    for (const id of alarms) expect(resources[id]?.Properties.AlarmActions?.length).toBeGreaterThan(0);
  });

  test.each(alarms)(
    'Compliance: %s — its topic lets CloudWatch publish for it, and the topic key lets CloudWatch use it',
    (alarmId) => {
      for (const { Ref: topicId } of resources[alarmId]?.Properties.AlarmActions ?? []) {
        const publishing = Object.values(resources)
          .filter(
            (r) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties.Topics).includes(`"${topicId}"`),
          )
          .flatMap((policy) => policy.Properties.PolicyDocument?.Statement ?? [])
          .filter((statement) => byCloudWatch(statement, 'sns:Publish'));
        expect(publishing).toHaveLength(1);
        expect(publishing[0]?.Resource).toEqual({ Ref: topicId });
        expect(publishing[0]?.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
        expect(asList(publishing[0]?.Condition?.ArnLike?.['aws:SourceArn'])).toContainEqual({
          'Fn::GetAtt': [alarmId, 'Arn'],
        });

        const keyArn = resources[topicId]?.Properties.KmsMasterKeyId;
        if (keyArn === undefined) continue;
        const using = (resources[keyArn['Fn::GetAtt'][0]]?.Properties.KeyPolicy?.Statement ?? []).filter(
          (statement) =>
            byCloudWatch(statement, 'kms:Decrypt') && asList(statement.Action).includes('kms:GenerateDataKey*'),
        );
        expect(using).toHaveLength(1);
        expect(using[0]?.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
        expect(JSON.stringify(using[0]?.Condition?.ArnLike?.['aws:SourceArn'])).toMatch(/:cloudwatch:.*:alarm:\*"/);
      }
    },
  );
});

describe('Outputs: alarms and the failed-execution rule', () => {
  const { template } = synthesize();
  const operationsTopic = () =>
    logicalIdsOf(template, 'AWS::SNS::Topic', { DisplayName: 'Control Tower audit operations' })[0] as string;

  test('Compliance: no completed run in 26 hours alarms the operations topic, missing data breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ControlTowerAudit',
      MetricName: 'RunCompleted',
      Dimensions: [{ Name: 'service', Value: 'ct-audit' }],
      Statistic: 'Sum',
      Period: 7200,
      EvaluationPeriods: 13,
      DatapointsToAlarm: 13,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: operationsTopic() }],
    });
  });

  test('Compliance: a message in the schedule dead-letter queue alarms the operations topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: operationsTopic() }],
    });
  });

  test('Compliance: an execution that fails for any reason but AuditFoundIssues goes to the operations topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: Match.anyValue() }],
          $or: [
            { status: ['TIMED_OUT', 'ABORTED'] },
            { status: ['FAILED'], error: [{ 'anything-but': ['AuditFoundIssues'] }] },
          ],
        },
      },
      Targets: [Match.objectLike({ Arn: { Ref: operationsTopic() } })],
    });
  });
});

/** The alarms on Publish Report's RunCompleted heartbeat. */
function noCompletedRunAlarms(template: Template) {
  return Object.values(
    template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'RunCompleted' } }),
  );
}

/** The NoCompletedRun alarm's window in hours (period × evaluation periods), and that it needs every period. */
function noCompletedRunWindowHours(template: Template): number {
  const alarms = noCompletedRunAlarms(template);
  expect(alarms).toHaveLength(1);
  const { Period, EvaluationPeriods, DatapointsToAlarm } = (alarms[0]?.Properties ?? {}) as Record<string, number>;
  expect(DatapointsToAlarm).toBe(EvaluationPeriods);
  // PutMetricAlarm: Period × EvaluationPeriods at most 7 days, and at most 1 day for a period under an hour.
  expect(Period).toBeGreaterThanOrEqual(3600);
  const seconds = (Period ?? 0) * (EvaluationPeriods ?? 0);
  expect(seconds).toBeLessThanOrEqual(7 * 24 * 3600);
  return seconds / 3600;
}

describe('Outputs: the NoCompletedRun alarm follows the schedule', () => {
  test('Compliance: with schedule.enabled false, no NoCompletedRun alarm (no run is due, so every window would alarm)', () => {
    const { template } = synthesize({ schedule: { enabled: false } });

    expect(noCompletedRunAlarms(template)).toEqual([]);
    // The dead-letter alarm stays, and CloudWatch may still publish for it.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible' });
  });

  test('Compliance: a daily cron, in any time zone and at any times of the day, keeps 26 hours', () => {
    const { template } = synthesize({ schedule: { expression: 'cron(0/30 7,19 ? * * *)', timeZone: 'Europe/Paris' } });

    expect(noCompletedRunWindowHours(template)).toBe(26);
  });

  test.each([
    ['rate(12 hours)', 14],
    ['rate(90 minutes)', 4],
    ['rate(6 days)', 146],
    ['rate(166 hours)', 168],
  ])(
    'Compliance: %s — the interval and 2 hours for the run, in whole 2-hour periods (%i hours)',
    (expression, hours) => {
      const { template } = synthesize({ schedule: { expression } });

      expect(noCompletedRunWindowHours(template)).toBe(hours);
    },
  );

  test('Compliance: schedule.alarmAfterHours overrides the derived window, rounded up to whole periods', () => {
    const { template } = synthesize({ schedule: { expression: 'rate(1 day)', alarmAfterHours: 31 } });

    expect(noCompletedRunWindowHours(template)).toBe(32);
  });

  test('Compliance: a weekday cron with schedule.alarmAfterHours gets that window (74: the weekend and the run)', () => {
    const { template } = synthesize({ schedule: { expression: 'cron(0 6 ? * MON-FRI *)', alarmAfterHours: 74 } });

    expect(noCompletedRunWindowHours(template)).toBe(74);
  });

  test('Compliance: a weekly cron with schedule.alarmAfterHours 0 deploys, without the alarm', () => {
    const { template } = synthesize({ schedule: { expression: 'cron(0 6 ? * MON *)', alarmAfterHours: 0 } });

    expect(noCompletedRunAlarms(template)).toEqual([]);
  });

  test('Noncompliance 1: a cron that does not run every day, without schedule.alarmAfterHours, fails the synth saying what to set', () => {
    expect(() => synthesize({ schedule: { expression: 'cron(0 6 ? * MON *)' } })).toThrow(
      expect.objectContaining({
        name: 'InvalidSettings',
        message: expect.stringMatching(
          /^invalid settings: ctAudit\.schedule\.alarmAfterHours: ctAudit\.schedule\.expression "cron\(0 6 \? \* MON \*\)" does not run every day.*set ctAudit\.schedule\.alarmAfterHours to the longest time between two runs.*or to 0 for no such alarm/,
        ),
      }),
    );
    expect(() => synthesize({ schedule: { expression: 'cron(0 6 1 * ? *)' } })).toThrow(/does not run every day/);
  });

  test('Noncompliance 2: a weekly rate needs a window longer than CloudWatch allows: the synth fails naming the setting', () => {
    expect(() => synthesize({ schedule: { expression: 'rate(7 days)' } })).toThrow(
      expect.objectContaining({
        name: 'InvalidSettings',
        message: expect.stringMatching(
          /^invalid settings: ctAudit\.schedule\.alarmAfterHours: .*"rate\(7 days\)" starts a run every 168 hours.*look back 170 hours.*at most 168 \(7 days\): set ctAudit\.schedule\.alarmAfterHours to 0/,
        ),
      }),
    );
  });

  test('Noncompliance 3: schedule.alarmAfterHours over 168 fails the synth naming the setting', () => {
    expect(() => synthesize({ schedule: { expression: 'cron(0 6 ? * MON *)', alarmAfterHours: 170 } })).toThrow(
      /ctAudit\.schedule\.alarmAfterHours: must be a whole number of hours from 1 to 168 .*\(got 170\)/,
    );
  });
});

describe('Outputs: Publish Report permissions', () => {
  test('Compliance: publish to the run topic, put events on the default bus, read and write run files; nothing else', () => {
    const { template } = synthesize();
    const statements = statementsOf(template, publishReportRoleId(template));

    expect(actionsOf(statements)).toEqual(
      [
        'events:PutEvents',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'sns:Publish',
        'ssm:GetParameter',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const putEvents = statements.find((s) => asList(s.Action).includes('events:PutEvents'));
    expect(JSON.stringify(putEvents?.Resource)).toMatch(/:event-bus\/default"/);
  });

  test('Compliance: with securityHub.enabled, BatchImportFindings on the Audit account’s own default product only', () => {
    const { template } = synthesize({ securityHub: { enabled: true } });
    const statements = statementsOf(template, publishReportRoleId(template));

    const importing = statements.filter((s) => asList(s.Action).includes('securityhub:BatchImportFindings'));
    expect(importing).toHaveLength(1);
    expect(asList(importing[0]?.Action)).toEqual(['securityhub:BatchImportFindings']);
    expect(JSON.stringify(importing[0]?.Resource)).toMatch(/:product\/",\{"Ref":"AWS::AccountId"\},"\/default"/);
  });

  test('Compliance: with securityHub.enabled, it reads and writes its archive queue under state/securityhub/ only', () => {
    const { template } = synthesize({ securityHub: { enabled: true } });
    const text = JSON.stringify(template.toJSON());

    expect(SECURITY_HUB_FOLDER).toBe(SECURITY_HUB_STATE_FOLDER);
    expect(text).toContain('/state/securityhub/*');
    expect(text).toContain('"s3:prefix":["state/securityhub/*"]');
    expect(JSON.stringify(synthesize().template.toJSON())).not.toContain('state/securityhub/');
  });

  test('Noncompliance 1: without securityHub.enabled, no Security Hub permission at all', () => {
    const { template } = synthesize();

    expect(
      actionsOf(statementsOf(template, publishReportRoleId(template))).some((a) => a.startsWith('securityhub:')),
    ).toBe(false);
  });
});

describe('Outputs: remediation.afterScheduledAudit "plan"', () => {
  /** The logical ID of the remediation workflow's state machine. */
  function remediationStateMachineId({ stack }: Synthesized): string {
    const remediation = stack.node.findChild('Remediation') as RemediationWorkflow;
    return stack.getLogicalId(remediation.stateMachine.node.defaultChild as CfnElement);
  }

  test('Compliance: Publish Report may start exactly the remediation state machine, and has its ARN', () => {
    const synthesized = synthesize({ adminEnabled: true, remediation: { afterScheduledAudit: 'plan' } });
    const { template } = synthesized;
    const remediationId = remediationStateMachineId(synthesized);
    const starting = statementsOf(template, publishReportRoleId(template)).filter((s) =>
      asList(s.Action).some((action) => action.startsWith('states:')),
    );

    expect(starting).toHaveLength(1);
    expect(asList(starting[0]?.Action)).toEqual(['states:StartExecution']);
    expect(starting[0]?.Resource).toEqual({ Ref: remediationId });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^control-tower-audit Publish Report:'),
      Environment: { Variables: Match.objectLike({ REMEDIATION_STATE_MACHINE_ARN: { Ref: remediationId } }) },
    });
  });

  test('Noncompliance 1: with the default "none", Publish Report can start no state machine', () => {
    const { template } = synthesize({ adminEnabled: true });

    expect(actionsOf(statementsOf(template, publishReportRoleId(template))).some((a) => a.startsWith('states:'))).toBe(
      false,
    );
  });

  test('Noncompliance 2: without adminEnabled, "plan" is refused at synth and says what to set', () => {
    expect(() => synthesize({ adminEnabled: false, remediation: { afterScheduledAudit: 'plan' } })).toThrow(
      /afterScheduledAudit is "plan", but the remediation workflow exists only with the admin path; set ctAudit.adminEnabled to true/,
    );
  });
});
