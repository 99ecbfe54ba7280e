import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { Match } from 'aws-cdk-lib/assertions';
import { REMEDIATION_OUTCOMES, SUCCESSFUL_OUTCOMES } from '../../functions/remediations/summarize';
import { REMEDIATION_DEFINITION, type RemediationWorkflow } from '../../infra/constructs/remediation-workflow';
import {
  allPolicyStatements,
  asList,
  importedRoleArn,
  keyPolicyStatements,
  logicalIdsOf,
  objectsArn,
  refersTo,
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
  test('Compliance: Summarize Remediation may read and write the state documents of the audit runs’ remediation runs', () => {
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

    const state = statements.filter((statement) =>
      JSON.stringify(statement.Resource).includes('/state/remediation/by-audit-run/*'),
    );
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

    expect(statements).toHaveLength(3);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: 'ApproversReadApprovalTokens',
          Effect: 'Allow',
          Principal: { AWS: APPROVER },
          Action: 's3:GetObject',
          Resource: objectsArn(bucketId, TOKENS),
        },
        // The tokens' folder only: a missing token is then NoSuchKey ("not waiting"), not AccessDenied.
        {
          Sid: 'ApproversListApprovalTokens',
          Effect: 'Allow',
          Principal: { AWS: APPROVER },
          Action: 's3:ListBucket',
          Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
          Condition: { StringLike: { 's3:prefix': [TOKENS] } },
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

  /** The template's rules that check the approvers' account, by logical ID. */
  function approverRules(template: ReturnType<typeof synthesize>['template']): unknown[] {
    const rules = (template.toJSON().Rules ?? {}) as Record<string, unknown>;
    return Object.entries(rules)
      .filter(([id]) => id.startsWith('RemediationApproversInAuditAccount'))
      .map(([, rule]) => rule);
  }

  test('Noncompliance 2: an approver of another account fails the deployment before any resource is made', () => {
    const other = 'arn:aws:iam::222222222222:role/RemediationApprover';
    const { template } = synthesize({ adminEnabled: true, remediation: { approverRoleArns: [APPROVER, other] } });

    // Environment-agnostic, as infra/app.ts builds it: the account is known only when CloudFormation deploys.
    expect(approverRules(template)).toEqual([
      {
        Assertions: ['111111111111', '222222222222'].map((account) => ({
          Assert: { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, account] },
          AssertDescription: expect.stringContaining(`names a role of account ${account}: approvers must be roles`),
        })),
      },
    ]);
    expect(approverRules(synthesize({ adminEnabled: true }).template)).toEqual([]);
  });

  test("Noncompliance 3: with the stack's account known, an approver of another account is refused at synth", () => {
    const settings = {
      adminEnabled: true,
      remediation: { approverRoleArns: [APPROVER, 'arn:aws:iam::222222222222:role/Other'] },
    };

    expect(() => synthesize(settings, { account: '111111111111' })).toThrow(
      'ctAudit.remediation.approverRoleArns[1]: arn:aws:iam::222222222222:role/Other is a role of account ' +
        '222222222222, not of 111111111111, the account this stack is deployed to',
    );
    // The Audit account's own approvers pass, with no rule left for CloudFormation.
    const audit = synthesize(
      { ...settings, remediation: { approverRoleArns: [APPROVER] } },
      { account: '111111111111' },
    );
    expect(approverRules(audit.template)).toEqual([]);
  });

  test('Noncompliance 1: without approvers, or without the remediation workflow, no statement names them', () => {
    expect(forApprover(synthesize({ adminEnabled: true }))).toEqual([]);
    expect(forApprover(synthesize({ adminEnabled: false, remediation: { approverRoleArns: [APPROVER] } }))).toEqual([]);
    expect(JSON.stringify(synthesize({ adminEnabled: true }).template.toJSON()).includes('ApprovalTokens')).toBe(false);
  });
});

describe('remediation workflow: what the shared Control Tower roles may read and write', () => {
  const READ_ONLY = 'aws-controltower-AuditReadOnlyRole';
  const ADMIN = 'aws-controltower-AuditAdministratorRole';
  let statements: Statement[];

  beforeAll(() => {
    const { template } = synthesize({ adminEnabled: true });
    statements = [...allPolicyStatements(template).map(({ statement }) => statement), ...keyPolicyStatements(template)];
  });

  /** The key pattern of an object ARN or an encryption context, as the template writes them (`runs/*\/accounts/*`). */
  function keyPattern(value: unknown): string {
    const parts = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1] ?? [];
    const last = parts[parts.length - 1];
    if (typeof last !== 'string') throw new Error(`not an object ARN: ${JSON.stringify(value)}`);
    return last.replace(/^(:s3:::\*)?\//, '');
  }

  /** `action pattern` for every Allow of the role on the bucket and the key (listings as `s3:ListBucket <prefix>`). */
  function allowed(roleName: string): string[] {
    const role = JSON.stringify(importedRoleArn(roleName));
    return statements
      .filter((statement) => statement.Effect === 'Allow' && JSON.stringify(statement.Principal ?? null).includes(role))
      .flatMap((statement) => {
        const context = statement.Condition?.StringLike?.['kms:EncryptionContext:aws:s3:arn'];
        const prefix = statement.Condition?.StringLike?.['s3:prefix'];
        const patterns =
          context !== undefined
            ? asList(context).map(keyPattern)
            : prefix !== undefined
              ? asList(prefix as string | string[])
              : asList(statement.Resource).map(keyPattern);
        return asList(statement.Action).flatMap((action) => patterns.map((pattern) => `${action} ${pattern}`));
      })
      .sort();
  }

  const matches = (pattern: string, key: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(key);

  /** What Audit Account (and Audit Account As Admin) may use, on either role: its account records and the cursors. */
  const AUDIT_ACCOUNT_KEYS = [
    'kms:GenerateDataKey runs/*/accounts/*',
    'kms:GenerateDataKey state/cloudtrail-cursors/*',
    's3:PutObject runs/*/accounts/*',
    's3:PutObject state/cloudtrail-cursors/*',
    'kms:Decrypt state/cloudtrail-cursors/*',
    's3:GetObject state/cloudtrail-cursors/*',
    's3:ListBucket state/cloudtrail-cursors/*',
  ];

  test('Compliance: the read-only role (Audit Account, Plan Account) may use exactly the keys they read and write', () => {
    expect(allowed(READ_ONLY)).toEqual(
      [
        ...AUDIT_ACCOUNT_KEYS,
        // Plan Account: reads the audit run's record and what was remediated, writes its plan.
        'kms:Decrypt runs/*/accounts/*',
        's3:GetObject runs/*/accounts/*',
        's3:ListBucket runs/*/accounts/*',
        'kms:Decrypt state/remediation/remediated/*',
        's3:GetObject state/remediation/remediated/*',
        's3:ListBucket state/remediation/remediated/*',
        'kms:GenerateDataKey runs/*/remediation/plan/*',
        's3:PutObject runs/*/remediation/plan/*',
      ].sort(),
    );
  });

  test('Compliance: the administrator role (Audit Account As Admin, Apply Account) may use exactly the keys they read and write', () => {
    expect(allowed(ADMIN)).toEqual(
      [
        ...AUDIT_ACCOUNT_KEYS,
        // Apply Account: reads the plan, reads and writes its record and what was remediated.
        'kms:Decrypt runs/*/remediation/plan/*',
        's3:GetObject runs/*/remediation/plan/*',
        's3:ListBucket runs/*/remediation/plan/*',
        ...['runs/*/remediation/accounts/*', 'state/remediation/remediated/*'].flatMap((pattern) => [
          `kms:Decrypt ${pattern}`,
          `kms:GenerateDataKey ${pattern}`,
          `s3:GetObject ${pattern}`,
          `s3:PutObject ${pattern}`,
          `s3:ListBucket ${pattern}`,
        ]),
      ].sort(),
    );
  });

  test('Noncompliance 1: neither shared role may read or decrypt a summary, a report, the targets, the findings, the remediation run documents or an approval token', () => {
    const secret = [
      'runs/2026-12-01/run-1/summary.json',
      'runs/2026-12-01/run-1/report.html',
      'runs/2026-12-01/run-1/targets.json',
      'runs/2026-12-01/run-1/findings/111111111111.json',
      'runs/2026-12-01/rem-1/remediation/run.json',
      'runs/2026-12-01/rem-1/remediation/plan.json',
      'runs/2026-12-01/rem-1/remediation/approval.json',
      'runs/2026-12-01/rem-1/remediation/summary.json',
      'state/remediation/approvals/rem-1.json',
      'state/remediation/runs/rem-1.json',
      'state/remediation/by-audit-run/run-1.json',
      'state/last-run/read-only.json',
    ];
    const reads = [...allowed(READ_ONLY), ...allowed(ADMIN)]
      .filter((entry) => /^(s3:GetObject|kms:Decrypt) /.test(entry))
      .map((entry) => entry.split(' ')[1] as string);

    expect(secret.filter((key) => reads.some((pattern) => matches(pattern, key)))).toEqual([]);
  });
});

describe('what each function of the stack may write: the files it writes, not the run folder', () => {
  /** `s3:PutObject` and `kms:GenerateDataKey` patterns of the role of the function whose description starts so. */
  function writesOf({ template }: ReturnType<typeof synthesize>, description: string): Record<string, string[]> {
    const functions = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp(`^control-tower-audit ${description}`) },
      }),
    );
    expect(functions).toHaveLength(1);
    const roleId = (
      (functions[0] as { Properties: { Role: unknown } }).Properties.Role as { 'Fn::GetAtt': [string, string] }
    )['Fn::GetAtt'][0];
    const policies = allPolicyStatements(template)
      .filter(
        ({ logicalId, type }) =>
          type === 'AWS::IAM::Policy' && refersTo(template.toJSON().Resources[logicalId].Properties.Roles, roleId),
      )
      .map(({ statement }) => statement);
    const pattern = (value: unknown) => {
      const parts = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      return (parts[parts.length - 1] as string).replace(/^(:s3:::\*)?\//, '');
    };
    return {
      's3:PutObject': policies
        .filter((statement) => asList(statement.Action).includes('s3:PutObject'))
        .flatMap((statement) => asList(statement.Resource).map(pattern))
        .sort(),
      'kms:GenerateDataKey': keyPolicyStatements(template)
        .filter(
          (statement) =>
            asList(statement.Action).includes('kms:GenerateDataKey') && refersTo(statement.Principal, roleId),
        )
        .flatMap((statement) =>
          asList(statement.Condition?.StringLike?.['kms:EncryptionContext:aws:s3:arn']).map(pattern),
        )
        .sort(),
    };
  }

  const exactly = (...patterns: string[]) => ({
    's3:PutObject': [...patterns].sort(),
    'kms:GenerateDataKey': [...patterns].sort(),
  });

  test('Compliance: Publish Report and the remediation functions write only their own files', () => {
    const admin = synthesize({ adminEnabled: true });

    expect(writesOf(admin, 'Publish Report')).toEqual(exactly('runs/*/report.html'));
    expect(writesOf(admin, 'Start Remediation')).toEqual(
      exactly('runs/*/remediation/run.json', 'state/remediation/runs/*'),
    );
    expect(writesOf(admin, 'Review Plan')).toEqual(exactly('runs/*/remediation/plan.json'));
    expect(writesOf(admin, 'Approve Remediations')).toEqual(
      exactly('runs/*/remediation/approval.json', 'state/remediation/approvals/*'),
    );
    expect(writesOf(admin, 'Summarize Remediation')).toEqual(
      exactly('runs/*/remediation/summary.json', 'runs/*/report.html', 'state/remediation/by-audit-run/*'),
    );
  });

  test('Compliance: with dedicated roles, Plan Account and Apply Account write only their own files', () => {
    const dedicated = synthesize({
      adminEnabled: true,
      organizationId: 'o-a1b2c3d4e5',
      roles: { createDedicatedRoles: true },
    });

    expect(writesOf(dedicated, 'Plan Account')).toEqual(exactly('runs/*/remediation/plan/*'));
    expect(writesOf(dedicated, 'Apply Account')).toEqual(
      exactly('runs/*/remediation/accounts/*', 'state/remediation/remediated/*'),
    );
  });
});
