import { Match, type Template } from 'aws-cdk-lib/assertions';
import { onlyLogicalIdOf, synthesize } from './support';

describe('Schedule', () => {
  let template: Template;
  let stateMachineId: string;
  let queueId: string;
  let custom: Template;

  beforeAll(() => {
    ({ template } = synthesize());
    stateMachineId = onlyLogicalIdOf(template, 'AWS::StepFunctions::StateMachine');
    queueId = onlyLogicalIdOf(template, 'AWS::SQS::Queue');
    ({ template: custom } = synthesize({
      schedule: { expression: 'cron(30 5 ? * MON-FRI *)', timeZone: 'Europe/Paris', enabled: false },
    }));
  });

  test('Compliance: by default, daily at 06:00 UTC, enabled', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
    });
  });

  test('Compliance: expression, time zone and state come from the settings', () => {
    custom.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 5 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'DISABLED',
    });
  });

  test('Compliance: starts the audit state machine for the whole organization, default checks, marked as scheduled', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ Arn: { Ref: stateMachineId }, Input: '{"trigger":"schedule"}' }),
    });
  });

  test('Compliance: retries a failed start, for a bounded time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } }),
    });
  });

  test('Compliance: a start that failed every retry goes to an encrypted, TLS-only dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } } }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('Compliance: the schedule role may start this state machine and write to its queue, nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: stateMachineId } },
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        ],
      },
    });
  });
});
