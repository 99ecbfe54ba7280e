import type { Template } from 'aws-cdk-lib/assertions';
import { importedRoleArn, logicalIdsOf, synthesize } from './support';

describe('Audit Account concurrency', () => {
  let defaults: Template;

  beforeAll(() => {
    ({ template: defaults } = synthesize({ adminEnabled: true }));
  });

  test('Compliance: Audit Account and Audit Account As Admin reserve concurrencyLimit (50 by default)', () => {
    for (const roleName of ['aws-controltower-AuditReadOnlyRole', 'aws-controltower-AuditAdministratorRole']) {
      defaults.hasResourceProperties('AWS::Lambda::Function', {
        Role: importedRoleArn(roleName),
        ReservedConcurrentExecutions: 50,
      });
    }
  });

  test('Compliance: a raised concurrencyLimit is the reservation', () => {
    const { template } = synthesize({ concurrencyLimit: 200, maxConcurrency: 100 });

    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: importedRoleArn('aws-controltower-AuditReadOnlyRole'),
      ReservedConcurrentExecutions: 200,
    });
  });

  test('Noncompliance 1: only the Audit Account functions reserve concurrency from the shared pool', () => {
    const reserving = logicalIdsOf(defaults, 'AWS::Lambda::Function').filter(
      (id) =>
        defaults.findResources('AWS::Lambda::Function')[id]?.Properties.ReservedConcurrentExecutions !== undefined,
    );

    expect(reserving).toHaveLength(2);
  });

  test('Noncompliance 2: maxConcurrency above concurrencyLimit is refused at synth', () => {
    expect(() => synthesize({ maxConcurrency: 80 })).toThrow(
      /ctAudit\.maxConcurrency: must be at most concurrencyLimit \(50\)/,
    );
  });

  test('Noncompliance 3: with adminEnabled, two reservations over 900 are refused at synth, not at deploy', () => {
    expect(() => synthesize({ adminEnabled: true, concurrencyLimit: 900, maxConcurrency: 40 })).toThrow(
      /ctAudit\.concurrencyLimit: with adminEnabled.*2 x 900 is more than the 900.*lower it to 450 or less/,
    );
  });
});

describe('X-Ray rights in a policy of their own', () => {
  test('Compliance: each actively traced function role gets X-Ray from a one-statement policy, not its default policy', () => {
    const { template } = synthesize({ organizationId: 'o-a1b2c3d4e5', roles: { createDedicatedRoles: true } });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown }[],
    );
    const withXRay = policies.filter((statements) => JSON.stringify(statements).includes('xray:'));
    const traced = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.TracingConfig?.Mode === 'Active',
    );

    expect(traced.length).toBeGreaterThan(0);
    // One per traced function, and the state machine's.
    expect(withXRay).toHaveLength(traced.length + 1);
    for (const statements of withXRay) expect(statements).toHaveLength(1);
  });
});
