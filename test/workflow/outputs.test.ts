import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { BuildMiddleware } from '@smithy/types';
import type { LocalRunResult } from '../../cli/engine';
import type { ChangeSummary } from '../../functions/lib/changes';
import type { AccountRecord } from '../../functions/lib/types';
import { asffId } from '../../functions/report/asff';
import { SecurityHubSink, SnsSink } from '../../functions/report/sinks';
import { startSandbox, type TestSandbox } from '../support/sandbox';

const REGION = 'us-east-1';
const CHECKS = ['identity', 'cloudtrail-events'];

/** Makes every call of an S3 client act in one account of the emulator (moto's own header). */
function inAccount(client: S3Client, accountId: string): S3Client {
  const header: BuildMiddleware<object, object> = (next) => (args) => {
    const request = args.request as { headers?: Record<string, string> };
    if (request.headers) request.headers['x-moto-account-id'] = accountId;
    return next(args);
  };
  client.middlewareStack.add(header as never, { step: 'build', name: 'motoAccountId' });
  return client;
}

describe('outputs of two runs on the sandbox: changes, SNS, Security Hub', () => {
  let sandbox: TestSandbox;
  let s3: S3Client;
  let topicArn: string;
  let first: LocalRunResult;
  let second: LocalRunResult;
  let appearing: string;
  let disappearing: string;
  const securityHub = () =>
    new SecurityHubClient({ region: REGION, credentials: sandbox.organization.credentials.audit });

  const keysOf = async (accountId: string): Promise<string[]> => {
    const listed = await s3.send(
      new ListObjectsV2Command({
        Bucket: sandbox.organization.logArchiveBucket,
        Prefix: `${sandbox.organization.organizationId}/AWSLogs/${sandbox.organization.organizationId}/${accountId}/`,
      }),
    );
    return (listed.Contents ?? []).map((object) => object.Key as string);
  };
  const fingerprints = (run: LocalRunResult, accountId: string): string[] => {
    const path = join(sandbox.reportDir, run.executionName, 'accounts', `${accountId}.json`);
    if (!existsSync(path)) return [];
    const record = JSON.parse(readFileSync(path, 'utf8')) as AccountRecord;
    return Object.values(record.checks).flatMap((check) => (check.findings ?? []).map((f) => f.fingerprint as string));
  };
  const run = () =>
    sandbox.run(
      { checks: CHECKS },
      {
        sinks: [
          new SnsSink(
            new SNSClient({ region: REGION, credentials: sandbox.organization.credentials.audit }),
            topicArn,
            false,
          ),
          new SecurityHubSink(securityHub(), {
            auditAccountId: sandbox.organization.auditAccountId,
            region: REGION,
            partition: 'aws',
          }),
        ],
      },
    );

  beforeAll(async () => {
    sandbox = await startSandbox({ members: 8 });
    // IAM checking off for this file: the sinks and the test's own S3 edits use the emulator without IAM policies
    // for SNS, Security Hub and Log Archive writes. The sandbox's IAM behaviour is tested in sandbox-run.test.ts.
    await fetch(`${sandbox.emulator.url}/moto-api/reset-auth`, {
      method: 'POST',
      body: 'inf',
      headers: { 'content-type': 'application/json' },
    });
    s3 = inAccount(
      new S3Client({
        region: REGION,
        endpoint: sandbox.emulator.url,
        forcePathStyle: true,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      }),
      sandbox.organization.logArchiveAccountId,
    );
    const sns = new SNSClient({ region: REGION, credentials: sandbox.organization.credentials.audit });
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'ct-audit-runs' }))).TopicArn as string;
    await securityHub()
      .send(new EnableSecurityHubCommand({}))
      .catch(() => undefined);

    const alarming = sandbox.organization.members.filter((member) => member.planted === 'alarming-events');
    appearing = (alarming[0] as { accountId: string }).accountId;
    disappearing = (alarming[1] as { accountId: string }).accountId;

    // Run 1 without the CloudTrail files of one account; run 2 with them back and another account's files gone.
    const held = new Map<string, string>();
    for (const key of await keysOf(appearing)) {
      const object = await s3.send(new GetObjectCommand({ Bucket: sandbox.organization.logArchiveBucket, Key: key }));
      held.set(
        key,
        Buffer.from(
          await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ).toString('base64'),
      );
      await s3.send(new DeleteObjectCommand({ Bucket: sandbox.organization.logArchiveBucket, Key: key }));
    }
    first = await run();
    for (const [key, body] of held) {
      await s3.send(
        new PutObjectCommand({
          Bucket: sandbox.organization.logArchiveBucket,
          Key: key,
          Body: Buffer.from(body, 'base64'),
        }),
      );
    }
    for (const key of await keysOf(disappearing)) {
      await s3.send(new DeleteObjectCommand({ Bucket: sandbox.organization.logArchiveBucket, Key: key }));
    }
    second = await run();
  }, 180_000);
  afterAll(() => sandbox?.stop());

  it('gives exactly the expected NEW and RESOLVED findings in the second run', () => {
    const changes = second.summary?.changes as ChangeSummary;
    const expectedNew = fingerprints(second, appearing);
    const expectedResolved = fingerprints(first, disappearing);
    expect(expectedNew.length).toBeGreaterThan(0);
    expect(expectedResolved.length).toBeGreaterThan(0);

    expect(changes.compared).toBe(true);
    expect(changes.new.map((line) => line.fingerprint).sort()).toEqual([...expectedNew].sort());
    expect(changes.resolved.map((line) => line.fingerprint).sort()).toEqual([...expectedResolved].sort());
    expect(changes.counts.new).toBe(expectedNew.length);
    expect(changes.counts.resolved).toBe(expectedResolved.length);
    expect(changes.counts.reopened).toBe(0);
  });

  it('writes report.html beside summary.json for both runs', () => {
    for (const result of [first, second]) {
      expect(existsSync(join(sandbox.reportDir, result.executionName, 'report.html'))).toBe(true);
    }
  });

  it('publishes one short SNS message per changed run, recorded by the emulator', async () => {
    const data = (await (await fetch(`${sandbox.emulator.url}/moto-api/data.json`)).json()) as {
      sns: { Topic: { arn: string; sent_notifications: unknown[][] }[] };
    };
    const topic = data.sns.Topic.find((t) => t.arn === topicArn);
    const messages = topic?.sent_notifications ?? [];
    expect(messages).toHaveLength(2);
    const [, body, subject] = messages[1] as [string, string, string];
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(new RegExp(`^ct-audit: ${second.summary?.changes?.counts.new} new`));
    expect(body).toContain(`${second.executionName}/report.html`);
  });

  it('imports the findings into Security Hub, then archives the resolved ones with Compliance PASSED', async () => {
    const found = await securityHub().send(new GetFindingsCommand({ MaxResults: 100 }));
    const byId = new Map((found.Findings ?? []).map((finding) => [finding.Id, finding]));
    const resolved = fingerprints(first, disappearing).map((fingerprint) => byId.get(asffId({ fingerprint })));
    const added = fingerprints(second, appearing).map((fingerprint) => byId.get(asffId({ fingerprint })));

    expect(
      resolved.every((finding) => finding?.RecordState === 'ARCHIVED' && finding.Compliance?.Status === 'PASSED'),
    ).toBe(true);
    expect(
      added.every(
        (finding) => finding?.RecordState === 'ACTIVE' && finding.AwsAccountId === sandbox.organization.auditAccountId,
      ),
    ).toBe(true);
    expect(resolved[0]?.CreatedAt).toBe(first.summary?.startedAt);
  });
});
