import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { Match } from 'aws-cdk-lib/assertions';
import { REMEDIATION_OUTCOMES, SUCCESSFUL_OUTCOMES } from '../../functions/remediations/summarize';
import { REMEDIATION_DEFINITION, type RemediationWorkflow } from '../../infra/constructs/remediation-workflow';
import {
  allPolicyStatements,
  importedRoleArn,
  keyPolicyStatements,
  logicalIdsOf,
  objectsArn,
  reportBucketIdOf,
  type Statement,
  synthesize,
} from './support';

const aslText = () => readFileSync(REMEDIATION_DEFINITION, 'utf8');
const keys = () => [...new Set([...aslText().matchAll(/\$\{(\w+)\}/g)].map((match) => match[1] as string))].sort();

function remediation(stack: ReturnType<typeof synthesize>['stack']): RemediationWorkflow {
  return stack.node.findChild('Remediation') as RemediationWorkflow;
}

describe('remediation workflow', () => {
  const admin = synthesize({ adminEnabled: true });

  test('Compliance: without the admin path there is no remediation workflow at all', () => {
    const { template } = synthesize({ adminEnabled: false });

    expect(logicalIdsOf(template, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
  });

  test('Compliance: with the admin path there is a second state machine', () => {
    expect(logicalIdsOf(admin.template, 'AWS::StepFunctions::StateMachine')).toHaveLength(2);
  });

  test('Compliance: Apply Account runs as the imported Control Tower Audit administrator role', () => {
    admin.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^control-tower-audit Apply Account'),
      Role: importedRoleArn('aws-controltower-AuditAdministratorRole'),
    });
  });

  test('Compliance: Plan Account runs as the imported Control Tower Audit read-only role', () => {
    admin.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^control-tower-audit Plan Account'),
      Role: importedRoleArn('aws-controltower-AuditReadOnlyRole'),
    });
  });

  test('Compliance: every substitution key of remediate.asl.json has a substitution and every substitution is used', () => {
    expect(Object.keys(remediation(admin.stack).definitionSubstitutions).sort()).toEqual(keys());
  });

  test('Compliance: remediate.asl.json, with its substitutions made, passes asl-validator', () => {
    const definition = aslText().replace(
      /\$\{(\w+)\}/g,
      (_, key: string) => `arn:aws:lambda:eu-west-1:111111111111:function:control-tower-audit-${key}`,
    );

    const result = aslValidator(JSON.parse(definition));

    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('Compliance: the approval waits with a timeout from the settings, and no answer is a rejection', () => {
    const approve = JSON.parse(aslText()).States['Approve Remediations'];

    expect(approve.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(approve.TimeoutSecondsPath).toBe('$.run.approvalTimeoutSeconds');
    expect(approve.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.rejection', Next: 'Summarize Remediation' },
    ]);
  });

  test('Compliance: each outcome ends in a state of its own; only PLANNED, NOTHING_TO_DO and APPLIED succeed', () => {
    const states = JSON.parse(aslText()).States;
    const choice = states['Outcome?'] as { Choices: { StringEquals: string; Next: string }[]; Default: string };
    const endOf = new Map(choice.Choices.map((branch) => [branch.StringEquals, branch.Next]));

    for (const outcome of REMEDIATION_OUTCOMES) {
      const end = states[endOf.get(outcome) ?? choice.Default];
      expect({ outcome, type: end.Type }).toEqual({
        outcome,
        type: SUCCESSFUL_OUTCOMES.has(outcome) ? 'Succeed' : 'Fail',
      });
    }
    // An outcome the Choice does not name (a new one, a typo) fails the run: fail closed.
    expect(states[choice.Default].Type).toBe('Fail');
    expect(new Set([...endOf.values(), choice.Default]).size).toBe(REMEDIATION_OUTCOMES.length);
    expect(states['Remediation Incomplete']).toMatchObject({
      Type: 'Fail',
      Error: 'RemediationIncomplete',
      CausePath: '$.cause',
    });
    expect(endOf.get('INCOMPLETE')).toBe('Remediation Incomplete');
  });

  test('Compliance: the approval function may publish only to the configured topic', () => {
    const topic = 'arn:aws:sns:us-east-1:123456789012:ct-audit-approvals';
    const { template } = synthesize({ adminEnabled: true, remediation: { approvalTopicArn: topic } });

    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Resource: topic })]) },
    });
  });
});

describe('remediation workflow: the audit report', () => {
  test('Compliance: Summarize Remediation may read and write the remediation state (the audit run’s remediation runs)', () => {
    const { template } = synthesize({ adminEnabled: true });
    const [summarize] = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('^control-tower-audit Summarize Remediation') },
      }),
    );
    if (!summarize) throw new Error('no Summarize Remediation function');
    const roleId = (summarize.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } }),
    ).flatMap(
      (policy) =>
        (policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );

    const state = statements.filter((statement) => JSON.stringify(statement.Resource).includes('/state/remediation/*'));
    expect(state).toHaveLength(1);
    expect(state[0]?.Action).toEqual(['s3:GetObject', 's3:PutObject']);
  });
});

describe('remediation workflow: the approvers', () => {
  const APPROVER = 'arn:aws:iam::111111111111:role/RemediationApprover';
  const TOKENS = 'state/remediation/approvals/*';

  function forApprover(synthesized: ReturnType<typeof synthesize>): Statement[] {
    const { template } = synthesized;
    return [
      ...allPolicyStatements(template).map(({ statement }) => statement),
      ...keyPolicyStatements(template),
    ].filter((statement) => JSON.stringify(statement.Principal ?? null).includes('RemediationApprover'));
  }

  test('Compliance: an approver may read the task tokens and decrypt them through S3 in this account, nothing else', () => {
    const synthesized = synthesize({ adminEnabled: true, remediation: { approverRoleArns: [APPROVER] } });
    const bucketId = reportBucketIdOf(synthesized.template);
    const statements = forApprover(synthesized);

    expect(statements).toHaveLength(2);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: 'ApproversReadApprovalTokens',
          Effect: 'Allow',
          Principal: { AWS: APPROVER },
          Action: 's3:GetObject',
          Resource: objectsArn(bucketId, TOKENS),
        },
        {
          Sid: 'ApproversDecryptApprovalTokens',
          Effect: 'Allow',
          Principal: { AWS: APPROVER },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: {
            StringEquals: {
              'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
              'kms:CallerAccount': { Ref: 'AWS::AccountId' },
            },
            StringLike: {
              'kms:EncryptionContext:aws:s3:arn': [
                { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::*/${TOKENS}`]] },
              ],
            },
          },
        },
      ]),
    );
  });

  test('Noncompliance 1: without approvers, or without the remediation workflow, no statement names them', () => {
    expect(forApprover(synthesize({ adminEnabled: true }))).toEqual([]);
    expect(forApprover(synthesize({ adminEnabled: false, remediation: { approverRoleArns: [APPROVER] } }))).toEqual([]);
    expect(JSON.stringify(synthesize({ adminEnabled: true }).template.toJSON()).includes('ApprovalTokens')).toBe(false);
  });
});
