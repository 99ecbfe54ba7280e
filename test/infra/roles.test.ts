import { isDeepStrictEqual } from 'node:util';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import {
  allPolicyStatements,
  asList,
  importedRoleArn,
  logicalIdsOf,
  objectsArn,
  onlyLogicalIdOf,
  refersTo,
  reportBucketIdOf,
  type Statement,
  synthesize,
} from './support';

const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const READ_ONLY_AUDIT_ROLE = 'aws-controltower-AuditReadOnlyRole';
const ADMIN_AUDIT_ROLE = 'aws-controltower-AuditAdministratorRole';

function functionIdsWithRole(template: Template, roleName: string): string[] {
  return logicalIdsOf(template, 'AWS::Lambda::Function', { Role: importedRoleArn(roleName) });
}

/** A substitution of the state machine that has it (with the admin path there is a remediation workflow too). */
function substitution(template: Template, key: string): unknown {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map(
    (machine) => machine.Properties.DefinitionSubstitutions as Record<string, unknown>,
  );
  return machines.find((substitutions) => key in substitutions)?.[key];
}

/** Every string inside a template value (the literal parts of an ARN built with Fn::Join). */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(stringsIn);
}

/** `arn:<partition>:iam::*:role/<name>` as the template writes it. */
function anyAccountRoleArn(roleName: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::*:role/${roleName}`]] };
}

describe('Control Tower roles', () => {
  let readOnly: Template;
  let withAdmin: Template;
  let dedicated: Template;

  beforeAll(() => {
    ({ template: readOnly } = synthesize());
    ({ template: withAdmin } = synthesize({ adminEnabled: true }));
    ({ template: dedicated } = synthesize({
      adminEnabled: true,
      organizationId: ORGANIZATION_ID,
      roles: { createDedicatedRoles: true },
    }));
  });

  test('Compliance: Audit Account runs as the imported Control Tower Audit read-only role', () => {
    const [auditAccount] = functionIdsWithRole(readOnly, READ_ONLY_AUDIT_ROLE);

    expect(auditAccount).toBeDefined();
    expect(substitution(readOnly, 'AuditAccountFunctionArn')).toEqual({ 'Fn::GetAtt': [auditAccount, 'Arn'] });
  });

  test('Compliance: without the admin path there is no admin function, and the admin branch points at the read-only one', () => {
    const [auditAccount] = functionIdsWithRole(readOnly, READ_ONLY_AUDIT_ROLE);

    expect(functionIdsWithRole(readOnly, ADMIN_AUDIT_ROLE)).toEqual([]);
    // Resolve Targets, Audit Account, Record Account Error, Summarize, Publish Report.
    expect(logicalIdsOf(readOnly, 'AWS::Lambda::Function')).toHaveLength(5);
    expect(substitution(readOnly, 'AuditAccountAdminFunctionArn')).toEqual({ 'Fn::GetAtt': [auditAccount, 'Arn'] });
  });

  test('Compliance: with the admin path, Audit Account As Admin runs as the Control Tower Audit administrator role', () => {
    const {
      'Fn::GetAtt': [admin],
    } = substitution(withAdmin, 'AuditAccountAdminFunctionArn') as { 'Fn::GetAtt': [string] };

    // With the admin path the remediation workflow's Apply Account and Plan Account run as these roles too.
    expect(functionIdsWithRole(withAdmin, ADMIN_AUDIT_ROLE)).toContain(admin);
    expect(functionIdsWithRole(withAdmin, READ_ONLY_AUDIT_ROLE)).toHaveLength(2);
  });

  test('Compliance: the functions that run as Control Tower roles pass traces through (their role cannot get X-Ray rights)', () => {
    // Every such function, not any one of them (hasResourceProperties passes when one resource matches).
    const functions = withAdmin.findResources('AWS::Lambda::Function');
    for (const roleName of [READ_ONLY_AUDIT_ROLE, ADMIN_AUDIT_ROLE]) {
      const ids = functionIdsWithRole(withAdmin, roleName);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids)
        expect([id, functions[id]?.Properties.TracingConfig]).toEqual([id, { Mode: 'PassThrough' }]);
    }
  });

  test('Compliance: the bucket policy lets the Control Tower Audit roles write account records and state, nothing else', () => {
    const bucketId = reportBucketIdOf(withAdmin);
    const bucketStatements = allPolicyStatements(withAdmin)
      .filter(({ type }) => type === 'AWS::S3::BucketPolicy')
      .map(({ statement }) => statement);
    // Audit Account (both roles) writes account records and CloudTrail cursors; with the admin path, Plan Account
    // (read-only role) writes the plans and Apply Account (admin role) its records and what was remediated.
    const common = ['runs/*/accounts/*', 'state/cloudtrail-cursors/*'];
    const writesOf = {
      [READ_ONLY_AUDIT_ROLE]: [...common, 'runs/*/remediation/plan/*'],
      [ADMIN_AUDIT_ROLE]: [...common, 'runs/*/remediation/accounts/*', 'state/remediation/remediated/*'],
    };

    for (const [roleName, patterns] of Object.entries(writesOf)) {
      const writes = patterns.map((pattern) => objectsArn(bucketId, pattern));
      const names = (statement: Statement) =>
        asList((statement.Principal as { AWS?: unknown } | undefined)?.AWS).some((arn) =>
          isDeepStrictEqual(arn, importedRoleArn(roleName)),
        );
      // AWSLambdaExecute lets the shared role put objects in every bucket: one Deny of every other key, whatever the
      // Allows say (they may be broader: reading and writing run files is granted as one).
      const denies = bucketStatements.filter((statement) => statement.Effect === 'Deny' && names(statement));
      expect(denies).toEqual([
        expect.objectContaining({
          Action: expect.arrayContaining(['s3:PutObject', 's3:DeleteObject', 's3:BypassGovernanceRetention']),
          NotResource: writes,
        }),
      ]);
      const allowedWrites = bucketStatements
        .filter((statement) => statement.Effect === 'Allow' && names(statement))
        .filter((statement) => asList(statement.Action).includes('s3:PutObject'))
        .flatMap((statement) => asList(statement.Resource));
      expect(allowedWrites).toEqual(expect.arrayContaining(writes));
    }
  });

  test('Noncompliance 1: the stack never changes a Control Tower role (no role, policy or attachment of its own)', () => {
    for (const template of [readOnly, withAdmin]) {
      const roles = template.findResources('AWS::IAM::Role', {
        Properties: { RoleName: Match.stringLikeRegexp('^aws-controltower-') },
      });
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: Match.arrayWith([Match.stringLikeRegexp('^aws-controltower-')]) },
      });

      expect(Object.keys(roles)).toEqual([]);
      expect(Object.keys(policies)).toEqual([]);
    }
  });

  test('Noncompliance 2: no policy allows sts:AssumeRole on every role', () => {
    for (const template of [readOnly, withAdmin, dedicated]) {
      const assumeAnything = allPolicyStatements(template).filter(
        ({ statement }) =>
          statement.Effect === 'Allow' &&
          asList(statement.Action).some(
            (action) => action === 'sts:AssumeRole' || action === 'sts:*' || action === '*',
          ) &&
          asList(statement.Resource).some((resource) => resource === '*'),
      );

      expect(assumeAnything).toEqual([]);
    }
  });

  test('Compliance: dedicated roles may assume only the execution role of their kind, inside the organization', () => {
    const assumeStatements = allPolicyStatements(dedicated)
      .map(({ statement }) => statement)
      .filter((statement) => asList(statement.Action).includes('sts:AssumeRole'));
    const orgCondition = { StringEquals: { 'aws:ResourceOrgID': ORGANIZATION_ID } };

    expect(assumeStatements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: anyAccountRoleArn('aws-controltower-ReadOnlyExecutionRole'),
          Condition: orgCondition,
        },
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: anyAccountRoleArn('aws-controltower-AdministratorExecutionRole'),
          Condition: orgCondition,
        },
      ]),
    );
    // The audit and the remediation functions of one kind share the same statement.
    const distinct = assumeStatements.filter(
      (statement, index) => assumeStatements.findIndex((other) => isDeepStrictEqual(other, statement)) === index,
    );
    expect(distinct).toHaveLength(2);
  });

  test('Noncompliance 3: dedicated roles without organizationId are refused at synth, saying what to set', () => {
    expect(() => synthesize({ roles: { createDedicatedRoles: true } })).toThrow(
      /ctAudit\.roles\.createDedicatedRoles: needs organizationId: without it the dedicated role could assume the execution role in any AWS account/,
    );
  });

  test('Compliance: with dedicated roles no function runs as a Control Tower role, and each role trusts only Lambda', () => {
    expect(functionIdsWithRole(dedicated, READ_ONLY_AUDIT_ROLE)).toEqual([]);
    expect(functionIdsWithRole(dedicated, ADMIN_AUDIT_ROLE)).toEqual([]);
    const roles = Object.values(dedicated.findResources('AWS::IAM::Role')).map(
      (role) => role.Properties.AssumeRolePolicyDocument.Statement,
    );
    const lambdaRoles = roles.filter((statements) =>
      statements.some(
        (statement: { Principal: { Service?: string } }) => statement.Principal.Service === 'lambda.amazonaws.com',
      ),
    );

    // The audit's five functions, Publish Report and, with the admin path, the remediation workflow's six.
    expect(lambdaRoles).toHaveLength(5 + 1 + 6);
    for (const statements of lambdaRoles) {
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  test('Compliance: with dedicated roles, both Audit Account functions read the settings parameter, ssm:GetParameter on it alone', () => {
    const parameterId = onlyLogicalIdOf(dedicated, 'AWS::SSM::Parameter');
    const auditFunctions = dedicated.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('^control-tower-audit Audit Account') },
    });
    const ssmStatements = allPolicyStatements(dedicated)
      .map(({ statement }) => statement)
      .filter((statement) => asList(statement.Action).some((action) => action.startsWith('ssm:')));

    expect(Object.keys(auditFunctions)).toHaveLength(2);
    for (const { Properties: properties } of Object.values(auditFunctions)) {
      expect(properties.Environment.Variables.CT_AUDIT_SETTINGS_PARAMETER).toEqual({ Ref: parameterId });
      expect(properties.Environment.Variables.CT_AUDIT_SETTINGS).toBeUndefined();
    }
    // Resolve Targets, the two Audit Account functions, Summarize and Publish Report, each with one statement naming
    // the parameter only.
    expect(ssmStatements).toHaveLength(5);
    for (const statement of ssmStatements) {
      expect(statement.Action).toBe('ssm:GetParameter');
      expect(refersTo(statement.Resource, parameterId)).toBe(true);
      expect(stringsIn(statement.Resource).filter((part) => part.includes('*'))).toEqual([]);
    }
  });
});
