import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ASFF_LIMITS, asffProblems, productArn, toAsff } from '../../../functions/report/asff';
import { SecurityHubSink } from '../../../functions/report/security-hub-sink';
import type { PublishContext } from '../../../functions/report/sink';
import { publishContext, trackedFinding } from '../../support/report-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const TARGET = { auditAccountId: '999999999999', region: 'eu-west-1', partition: 'aws' };
const NOW = new Date('2030-01-02T06:05:00.000Z');

describe('ASFF', () => {
  test('the Audit account imports; the member account and the resource are named in Resources', () => {
    const asff = toAsff(trackedFinding(), TARGET, NOW);

    expect(asff).toMatchObject({
      AwsAccountId: '999999999999',
      ProductArn: 'arn:aws:securityhub:eu-west-1:999999999999:product/999999999999/default',
      Id: 'ct-audit/0123456789abcdef0123456789abcdef',
      Resources: [
        { Type: 'AwsAccount', Id: 'AWS::::Account:111111111111' },
        { Type: 'AwsEc2SecurityGroup', Id: 'sg-0123', Region: 'eu-west-1' },
      ],
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
    });
    expect(asffProblems(asff, TARGET)).toEqual([]);
  });

  test('created and first observed at first seen, so both stay put across runs', () => {
    const asff = toAsff(trackedFinding({ state: 'STILL_OPEN' }), TARGET, NOW);

    expect(asff.CreatedAt).toBe('2030-01-01T06:00:00.000Z');
    expect(asff.FirstObservedAt).toBe('2030-01-01T06:00:00.000Z');
    expect(asff.UpdatedAt).toBe(NOW.toISOString());
  });

  test('a resolved finding is Compliance PASSED and RecordState ARCHIVED', () => {
    expect(toAsff(trackedFinding({ state: 'RESOLVED' }), TARGET, NOW)).toMatchObject({
      Compliance: { Status: 'PASSED' },
      RecordState: 'ARCHIVED',
    });
  });

  test('long titles and descriptions are cut to the limits', () => {
    const asff = toAsff(trackedFinding({ title: 't'.repeat(5000), detail: 'd'.repeat(5000) }), TARGET, NOW);

    expect(asff.Title?.length).toBe(ASFF_LIMITS.title);
    expect(asff.Description?.length).toBe(ASFF_LIMITS.description);
    expect(asffProblems(asff, TARGET)).toEqual([]);
  });

  test.each([
    ['a title over 256 characters', { Title: 'x'.repeat(257) }, /Title must be 1-256/],
    ['an empty description', { Description: '' }, /Description must be 1-1024/],
    ['a description over 1,024 characters', { Description: 'x'.repeat(1025) }, /Description must be 1-1024/],
    ['a type outside the namespaces', { Types: ['Made Up/Thing'] }, /not namespace\/category\/classifier/],
    ['a type with four parts', { Types: ['TTPs/a/b/c'] }, /not namespace\/category\/classifier/],
    ['the member account as AwsAccountId', { AwsAccountId: '111111111111' }, /AwsAccountId must be the Audit account/],
    ['no account resource', { Resources: [{ Type: 'Other', Id: 'x' }] }, /must name the member account/],
    ['another product', { ProductArn: productArn({ ...TARGET, auditAccountId: '111111111111' }) }, /ProductArn/],
  ])('refuses %s', (_, change, problem) => {
    const asff = { ...toAsff(trackedFinding(), TARGET, NOW), ...change };

    expect(asffProblems(asff, TARGET).join('; ')).toMatch(problem);
  });
});

describe('ASFF of the findings of a failing check without a resource type of its own in Security Hub', () => {
  test('a stopped CloudTrail delivery: the delivery folder as an Other resource in the region that stopped', () => {
    const folder =
      's3://aws-controltower-logs-222233334444-eu-west-1/o-abcdefghij/AWSLogs/o-abcdefghij/111111111111/CloudTrail/us-east-1/';
    const finding = trackedFinding({
      check: 'cloudtrail-delivery',
      rule: 'cloudtrail-delivery/stale',
      severity: 'HIGH',
      title: 'CloudTrail logs stopped arriving from us-east-1: newest file 2h 5m old',
      resource: { type: 'CloudTrailDelivery', id: folder, region: 'us-east-1' },
    });

    const asff = toAsff(finding, TARGET, NOW);

    expect(asff).toMatchObject({
      GeneratorId: 'ct-audit/cloudtrail-delivery/stale',
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      Severity: { Label: 'HIGH' },
      Resources: [
        { Type: 'AwsAccount', Id: 'AWS::::Account:111111111111' },
        { Type: 'Other', Id: folder, Region: 'us-east-1', Details: { Other: { ResourceType: 'CloudTrailDelivery' } } },
      ],
      ProductFields: { 'ct-audit/Check': 'cloudtrail-delivery' },
    });
    expect(asffProblems(asff, TARGET)).toEqual([]);
  });

  test('a wrong caller: the execution role by its ARN, in the Audit region (IAM is global)', () => {
    const arn = 'arn:aws:iam::111111111111:role/aws-controltower-ReadOnlyExecutionRole';
    const finding = trackedFinding({
      check: 'identity',
      rule: 'identity/unexpected-caller',
      severity: 'HIGH',
      title: 'aws-controltower-ReadOnlyExecutionRole in 111111111111 answers as account 222222222222',
      resource: { type: 'AwsIamRole', id: 'aws-controltower-ReadOnlyExecutionRole', region: 'global', arn },
    });

    const asff = toAsff(finding, TARGET, NOW);

    expect(asff.Resources?.[1]).toEqual({ Type: 'AwsIamRole', Id: arn, Partition: 'aws', Region: 'eu-west-1' });
    expect(asff.GeneratorId).toBe('ct-audit/identity/unexpected-caller');
    expect(asffProblems(asff, TARGET)).toEqual([]);
  });
});

describe('SecurityHubSink', () => {
  const securityHub = mockClient(SecurityHubClient);
  beforeEach(() => {
    securityHub.reset();
    securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
  });

  const context = (findings: ReturnType<typeof trackedFinding>[]): PublishContext => publishContext(findings, NOW);

  test('imports in batches of 100, and leaves NOT_ASSESSED findings as they were', async () => {
    const findings = [
      ...Array.from({ length: 250 }, (_, i) => trackedFinding({ fingerprint: `f${i}` })),
      trackedFinding({ fingerprint: 'carried', state: 'NOT_ASSESSED' }),
    ];

    const line = await new SecurityHubSink(new SecurityHubClient({}), TARGET, new MemoryReportStore()).publish(
      context(findings),
    );

    const sizes = securityHub
      .commandCalls(BatchImportFindingsCommand)
      .map((call) => call.args[0].input.Findings?.length);
    expect(sizes).toEqual([100, 100, 50]);
    const ids = securityHub
      .commandCalls(BatchImportFindingsCommand)
      .flatMap((c) => c.args[0].input.Findings ?? [])
      .map((f) => f.Id);
    expect(ids).not.toContain('ct-audit/carried');
    expect(line).toMatch(/^250 imported, 0 refused, 0 invalid; /);
  });

  test('an invalid finding is left out and the sink reports it as a failure', async () => {
    const bad = trackedFinding({ fingerprint: 'bad', accountId: 'not-an-id' });

    await expect(
      new SecurityHubSink(new SecurityHubClient({}), TARGET, new MemoryReportStore()).publish(
        context([trackedFinding(), bad]),
      ),
    ).rejects.toThrow(/1 imported, 0 refused, 1 invalid/);
    expect(securityHub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 1);
  });
});
