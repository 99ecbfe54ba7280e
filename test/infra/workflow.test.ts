import aslValidator from 'asl-validator';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import {
  aslSubstitutionKeys,
  aslText,
  fileAssetText,
  logicalIdsOf,
  onlyLogicalIdOf,
  onlyPropertiesOf,
  type Synthesized,
  synthesize,
} from './support';

interface StateMachineProperties {
  readonly DefinitionS3Location: { readonly Key: string };
  readonly DefinitionSubstitutions: Record<string, unknown>;
  readonly RoleArn: { readonly 'Fn::GetAtt': [string, string] };
}

function stateMachineProperties(template: Template): StateMachineProperties {
  return onlyPropertiesOf<StateMachineProperties>(template, 'AWS::StepFunctions::StateMachine');
}

describe('Workflow', () => {
  let synthesized: Synthesized;
  let template: Template;
  let stateMachineId: string;
  let roleId: string;

  beforeAll(() => {
    synthesized = synthesize({ logRetentionDays: 30 });
    ({ template } = synthesized);
    stateMachineId = onlyLogicalIdOf(template, 'AWS::StepFunctions::StateMachine');
    roleId = stateMachineProperties(template).RoleArn['Fn::GetAtt'][0];
  });

  test('Compliance: a Standard state machine whose definition is statemachine/audit.asl.json as it is', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' });
    const { DefinitionS3Location } = stateMachineProperties(template);

    expect(fileAssetText(synthesized, DefinitionS3Location.Key)).toBe(aslText());
  });

  test('Compliance: logs every event to its own log group, without execution data, with the retention of the settings', () => {
    const [logGroupId] = logicalIdsOf(template, 'AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
      RetentionInDays: 30,
    });
    expect(logGroupId).toBeDefined();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      },
    });
  });

  test('Compliance: X-Ray tracing is on', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
  });

  test('Compliance: every substitution key of the ASL file has a value, and every substitution is used', () => {
    const substituted = Object.keys(stateMachineProperties(template).DefinitionSubstitutions).sort();

    expect(aslSubstitutionKeys().length).toBeGreaterThan(0);
    expect(substituted).toEqual(aslSubstitutionKeys());
  });

  test('Compliance: every substitution is the ARN of a function of the stack', () => {
    const functionArns = logicalIdsOf(template, 'AWS::Lambda::Function').map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    for (const value of Object.values(stateMachineProperties(template).DefinitionSubstitutions)) {
      expect(functionArns).toContainEqual(value);
    }
  });

  test('Compliance: the ASL file, with its substitutions made, passes asl-validator', () => {
    const definition = aslText().replace(
      /\$\{(\w+)\}/g,
      (_, key: string) => `arn:aws:lambda:eu-west-1:111111111111:function:control-tower-audit-${key}`,
    );

    const result = aslValidator(JSON.parse(definition));

    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('Compliance: the state machine may invoke each of its functions', () => {
    for (const functionId of logicalIdsOf(template, 'AWS::Lambda::Function')) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: roleId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'lambda:InvokeFunction',
              Resource: Match.arrayWith([{ 'Fn::GetAtt': [functionId, 'Arn'] }]),
            }),
          ]),
        },
      });
    }
  });

  test('Compliance: the Distributed Map may start, describe and stop child executions of this state machine only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: stateMachineId } },
          {
            Effect: 'Allow',
            Action: ['states:DescribeExecution', 'states:StopExecution'],
            Resource: {
              'Fn::Join': ['', Match.arrayWith([':execution:', { 'Fn::GetAtt': [stateMachineId, 'Name'] }, '/*'])],
            },
          },
        ],
      },
    });
  });
});
