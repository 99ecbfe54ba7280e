import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { type Synthesized, synthesize } from './support';

/** Every acknowledgement recorded on the construct tree: which rule, where, and why. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** The rule packs the app registers (infra/app.ts). */
const PACKS = {
  AwsSolutions: () => new AwsSolutionsChecks(),
  'NIST 800-53 R5': () => new NIST80053R5Checks(),
} as const;

describe('cdk-nag AwsSolutions and NIST 800-53 R5', () => {
  const variants: Record<string, Synthesized> = {};

  beforeAll(() => {
    variants['Control Tower roles'] = synthesize();
    variants['Control Tower roles with the admin path'] = synthesize({ adminEnabled: true });
    variants['dedicated roles inside an organization'] = synthesize({
      adminEnabled: true,
      organizationId: 'o-a1b2c3d4e5',
      roles: { createDedicatedRoles: true },
      remediation: { approverRoleArns: ['arn:aws:iam::111111111111:role/Approver'] },
    });
    variants['named report readers'] = synthesize({ reportReaders: ['arn:aws:iam::111111111111:role/Reader'] });
  });

  const cases = Object.keys(PACKS).flatMap((pack) =>
    [
      'Control Tower roles',
      'Control Tower roles with the admin path',
      'dedicated roles inside an organization',
      'named report readers',
    ].map((variant) => [pack, variant] as const),
  );

  test.each(cases)('Compliance: no unacknowledged %s finding (%s)', (pack, variant) => {
    const { app } = variants[variant] as Synthesized;

    const { violations } = PACKS[pack as keyof typeof PACKS]().validateScope(app);

    expect(
      violations.map(
        (violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath)}`,
      ),
    ).toEqual([]);
  });

  test('Compliance: each acknowledgement names one finding and gives a reason', () => {
    const { app } = variants['dedicated roles inside an organization'] as Synthesized;
    const all = acknowledgements(app);

    expect(all.length).toBeGreaterThan(0);
    for (const { id, reason } of all) {
      expect(id).toMatch(/^(AwsSolutions-[A-Z]+\d+(\[.+\])?|NIST\.800\.53\.R5-[A-Za-z0-9]+)$/);
      if (id.startsWith('AwsSolutions-IAM5')) expect(id).toMatch(/\[(Resource|Action)::.+\]$/);
      expect(typeof reason === 'string' && reason.length > 40).toBe(true);
    }
  });

  test('Noncompliance 3: no reason claims what nothing enforces (remediation runs one at a time) or miscounts runs', () => {
    const { app } = variants['dedicated roles inside an organization'] as Synthesized;
    const reasons = acknowledgements(app).map(({ reason }) => String(reason));

    expect(reasons.filter((reason) => /one at a time|twice a run/.test(reason))).toEqual([]);
  });

  test('Compliance: IAM5[Resource::*] is acknowledged only on policies of their own, never on a role', () => {
    const { app } = variants['dedicated roles inside an organization'] as Synthesized;

    const wildcardAcknowledged = acknowledgements(app).filter(({ id }) => id === 'AwsSolutions-IAM5[Resource::*]');

    expect(wildcardAcknowledged.length).toBeGreaterThan(0);
    for (const { path } of wildcardAcknowledged) {
      const construct = app.node.findAll().find((c) => c.node.path === path);
      expect(construct).toBeInstanceOf(iam.Policy);
      expect((construct as iam.Policy).document.statementCount).toBe(1);
    }
  });

  test("Noncompliance 2: a wildcard added later to a function role is reported, not covered by X-Ray's acknowledgement", () => {
    const { app, stack } = synthesize();
    stack.functions.resolveTargets.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
    );

    const { violations } = new AwsSolutionsChecks().validateScope(app);

    expect(violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-IAM5[Resource::*]');
  });

  test('Noncompliance 1: a finding that is not acknowledged is reported', () => {
    const { stack } = synthesize();
    new s3.Bucket(stack, 'UnencryptedInTransit');

    const { violations } = new AwsSolutionsChecks().validateScope(stack);

    expect(violations.map((violation) => violation.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
  });
});
