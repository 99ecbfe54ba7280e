import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
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

describe('cdk-nag AwsSolutions', () => {
  const variants: Record<string, Synthesized> = {};

  beforeAll(() => {
    variants['Control Tower roles'] = synthesize();
    variants['Control Tower roles with the admin path'] = synthesize({ adminEnabled: true });
    variants['dedicated roles inside an organization'] = synthesize({
      adminEnabled: true,
      organizationId: 'o-a1b2c3d4e5',
      roles: { createDedicatedRoles: true },
    });
  });

  test.each([
    'Control Tower roles',
    'Control Tower roles with the admin path',
    'dedicated roles inside an organization',
  ])('Compliance: no unacknowledged finding (%s)', (variant) => {
    const { app } = variants[variant] as Synthesized;

    const { violations } = new AwsSolutionsChecks().validateScope(app);

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
      expect(id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      if (id.startsWith('AwsSolutions-IAM5')) expect(id).toMatch(/\[(Resource|Action)::.+\]$/);
      expect(typeof reason === 'string' && reason.length > 40).toBe(true);
    }
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
