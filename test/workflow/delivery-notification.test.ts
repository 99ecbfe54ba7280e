import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { LocalRunResult } from '../../cli/engine';
import { SANDBOX_HOME_REGION, SANDBOX_REGIONS, SANDBOX_ROLES } from '../../cli/sandbox/seed';
import { logFileKey } from '../../functions/cloudtrail/key-layout';
import type { AccountFindings } from '../../functions/lib/changes';
import { LocalReportStore } from '../../functions/lib/report-store';
import { asffId } from '../../functions/report/asff';
import { SecurityHubSink } from '../../functions/report/security-hub-sink';
import { SnsSink } from '../../functions/report/sinks';
import { startSandbox, type TestSandbox } from '../support/sandbox';

const REGION = SANDBOX_HOME_REGION;

/**
 * The product's second promise, "is CloudTrail still delivering?", end to end: the sandbox's account whose files
 * stopped two hours ago is a message the first run, nothing more while it stays stopped, and in Security Hub until
 * delivery resumes.
 */
describe('a stopped CloudTrail delivery on the sandbox: SNS message, changes, Security Hub', () => {
  let sandbox: TestSandbox;
  let topicArn: string;
  let stale: { accountId: string; name: string };
  let healthy: string;
  const runs: LocalRunResult[] = [];
  const securityHub = () =>
    new SecurityHubClient({ region: REGION, credentials: sandbox.organization.credentials.audit });

  const run = () =>
    sandbox.run(
      // The stale account and a healthy one: nothing else that could make a message (the unenrolled account).
      { accounts: [stale.accountId, healthy], checks: ['identity', 'cloudtrail-delivery'] },
      {
        sinks: [
          new SnsSink(
            new SNSClient({ region: REGION, credentials: sandbox.organization.credentials.audit }),
            topicArn,
            false,
          ),
          new SecurityHubSink(
            securityHub(),
            { auditAccountId: sandbox.organization.auditAccountId, region: REGION, partition: 'aws' },
            new LocalReportStore(sandbox.reportDir),
          ),
        ],
      },
    );

  const messages = async () => {
    const data = (await (await fetch(`${sandbox.emulator.url}/moto-api/data.json`)).json()) as {
      sns: { Topic: { arn: string; sent_notifications: [string, string, string][] }[] };
    };
    return data.sns.Topic.find((topic) => topic.arn === topicArn)?.sent_notifications ?? [];
  };

  const findingsOf = (result: LocalRunResult) =>
    (
      JSON.parse(
        readFileSync(join(sandbox.reportDir, result.executionName, 'findings', `${stale.accountId}.json`), 'utf8'),
      ) as AccountFindings
    ).findings.filter((finding) => finding.check === 'cloudtrail-delivery');

  /** Delivery resumes: a file of now in each region, written as the Log Archive's administrator role. */
  const deliverNow = async () => {
    const { organization } = sandbox;
    const sts = new STSClient({ region: REGION, credentials: organization.credentials.auditAdmin });
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${organization.logArchiveAccountId}:role/${SANDBOX_ROLES.adminExecution}`,
        RoleSessionName: 'delivery-resumes',
      }),
    );
    const s3 = new S3Client({
      region: REGION,
      forcePathStyle: true,
      credentials: {
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: Credentials?.SecretAccessKey ?? '',
        sessionToken: Credentials?.SessionToken ?? '',
      },
    });
    const location = {
      keyPrefix: organization.organizationId,
      layout: 'organization',
      organizationId: organization.organizationId,
    } as const;
    for (const region of SANDBOX_REGIONS) {
      await s3.send(
        new PutObjectCommand({
          Bucket: organization.logArchiveBucket,
          Key: logFileKey(location, stale.accountId, region, new Date(), 'ResumedResumedRe'),
          Body: gzipSync(JSON.stringify({ Records: [] })),
        }),
      );
    }
  };

  beforeAll(async () => {
    // Few accounts and hours of files: the delivery check lists folders, it reads no file.
    sandbox = await startSandbox({ members: 4, cloudTrailHours: 3, currentState: false });
    // IAM checking off, as in outputs.test.ts: the sinks use SNS and Security Hub without IAM policies.
    await fetch(`${sandbox.emulator.url}/moto-api/reset-auth`, {
      method: 'POST',
      body: 'inf',
      headers: { 'content-type': 'application/json' },
    });
    const sns = new SNSClient({ region: REGION, credentials: sandbox.organization.credentials.audit });
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'ct-audit-runs' }))).TopicArn as string;
    await securityHub()
      .send(new EnableSecurityHubCommand({}))
      .catch(() => undefined);
    const member = sandbox.organization.members.find((account) => account.planted === 'delivery-stopped');
    if (!member) throw new Error('the sandbox planted no delivery-stopped account');
    stale = member;
    healthy = sandbox.organization.members.find((account) => account.planted === undefined)?.accountId as string;

    runs.push(await run()); // the delivery stopped two hours ago
    runs.push(await run()); // still stopped
    await deliverNow();
    runs.push(await run()); // delivering again
  }, 240_000);
  afterAll(() => sandbox?.stop());

  it('keeps the check as it was: FAIL with the region and age of the newest file, now with one finding a region', () => {
    const account = runs[0]?.summary?.accounts.find((entry) => entry.accountId === stale.accountId);
    expect(account?.status).toBe('FAIL');
    expect(account?.checks['cloudtrail-delivery']).toEqual({
      status: 'FAIL',
      message: expect.stringMatching(/^us-east-1: newest file 2h \d+m old; eu-west-1: newest file 2h \d+m old$/),
      findings: 2,
    });
  });

  it('sends a message naming the account and each region the first run, and none while nothing changes', async () => {
    const sent = await messages();

    // Only the first run changed something: the second found the same findings, the third resolved them.
    expect(sent).toHaveLength(1);
    const [, body, subject] = sent[0] as [string, string, string];
    expect(subject).toBe('ct-audit: 2 new, 0 reopened, 0 unreachable: 1/2 accounts with issues');
    for (const region of SANDBOX_REGIONS) {
      expect(body).toMatch(
        new RegExp(
          `^- ${stale.accountId} \\(${stale.name}\\) HIGH CloudTrail logs stopped arriving from ${region}: newest file 2h \\d+m old`,
          'm',
        ),
      );
    }
    expect(runs[0]?.summary?.changes?.new.map((line) => [line.accountId, line.rule])).toEqual([
      [stale.accountId, 'cloudtrail-delivery/stale'],
      [stale.accountId, 'cloudtrail-delivery/stale'],
    ]);
  });

  it('is NEW, then STILL_OPEN with its first seen, then RESOLVED when files arrive again', () => {
    const [first, second, third] = runs.map(findingsOf);

    expect(first?.map((finding) => finding.state)).toEqual(['NEW', 'NEW']);
    expect(second?.map((finding) => finding.state)).toEqual(['STILL_OPEN', 'STILL_OPEN']);
    expect(second?.map((finding) => finding.fingerprint)).toEqual(first?.map((finding) => finding.fingerprint));
    expect(second?.map((finding) => finding.firstSeen)).toEqual(first?.map((finding) => finding.firstSeen));
    expect(third?.map((finding) => finding.state)).toEqual(['RESOLVED', 'RESOLVED']);
    expect(runs[2]?.summary?.accounts.find((a) => a.accountId === stale.accountId)?.status).toBe('PASS');
  });

  it('is in Security Hub while it lasts, and archived with Compliance PASSED once delivery resumes', async () => {
    const found = await securityHub().send(new GetFindingsCommand({ MaxResults: 100 }));
    const byId = new Map((found.Findings ?? []).map((finding) => [finding.Id, finding]));
    const delivery = (findingsOf(runs[0] as LocalRunResult) ?? []).map((finding) => byId.get(asffId(finding)));

    expect(delivery).toHaveLength(2);
    for (const finding of delivery) {
      expect(finding).toMatchObject({
        AwsAccountId: sandbox.organization.auditAccountId,
        GeneratorId: 'ct-audit/cloudtrail-delivery/stale',
        Severity: { Label: 'HIGH' },
        Resources: [
          { Type: 'AwsAccount', Id: `AWS::::Account:${stale.accountId}` },
          { Type: 'Other', Details: { Other: { ResourceType: 'CloudTrailDelivery' } } },
        ],
        RecordState: 'ARCHIVED',
        Compliance: { Status: 'PASSED' },
        CreatedAt: runs[0]?.summary?.startedAt,
      });
    }
    expect(delivery.map((finding) => finding?.Resources?.[1]?.Region).sort()).toEqual([...SANDBOX_REGIONS].sort());
  });
});
