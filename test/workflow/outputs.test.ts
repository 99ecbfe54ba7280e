import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { BuildMiddleware } from '@smithy/types';
import type { LocalRunResult } from '../../cli/engine';
import { SANDBOX_REGIONS } from '../../cli/sandbox/seed';
import type { ChangeSummary } from '../../functions/lib/changes';
import { LocalReportStore } from '../../functions/lib/report-store';
import type { AccountRecord } from '../../functions/lib/types';
import { asffId } from '../../functions/report/asff';
import { SecurityHubSink } from '../../functions/report/security-hub-sink';
import { SnsSink } from '../../functions/report/sinks';
import { startSandbox, type TestSandbox } from '../support/sandbox';

const REGION = 'us-east-1';
/**
 * What changes between the two runs is the current state (a rule opened, rules revoked): CloudTrail event findings
 * are reported once, by the run that scans their file, and are never RESOLVED by the next run.
 */
const CHECKS = ['identity', 'cloudtrail-events', 'network-exposure'];

/** Makes every call of a client act in one account of the emulator (moto's own header). */
function inAccount<C extends EC2Client>(client: C, accountId: string): C {
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
  let topicArn: string;
  let first: LocalRunResult;
  let second: LocalRunResult;
  let appearing: string;
  let disappearing: string;
  const securityHub = () =>
    new SecurityHubClient({ region: REGION, credentials: sandbox.organization.credentials.audit });

  const ec2 = (accountId: string, region: string) =>
    inAccount(
      new EC2Client({
        region,
        endpoint: sandbox.emulator.url,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      }),
      accountId,
    );
  const exposures = (run: LocalRunResult, accountId: string) => {
    const path = join(sandbox.reportDir, run.executionName, 'accounts', `${accountId}.json`);
    if (!existsSync(path)) return [];
    const record = JSON.parse(readFileSync(path, 'utf8')) as AccountRecord;
    return record.checks['network-exposure']?.findings ?? [];
  };
  const fingerprints = (run: LocalRunResult, accountId: string): string[] =>
    exposures(run, accountId).map((finding) => finding.fingerprint as string);
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
          new SecurityHubSink(
            securityHub(),
            { auditAccountId: sandbox.organization.auditAccountId, region: REGION, partition: 'aws' },
            new LocalReportStore(sandbox.reportDir),
          ),
        ],
      },
    );

  beforeAll(async () => {
    sandbox = await startSandbox({ members: 8 });
    // IAM checking off for this file: the sinks and the test's own EC2 edits use the emulator without IAM policies
    // for SNS, Security Hub and the security groups. The sandbox's IAM behaviour is tested in sandbox-run.test.ts.
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

    // A clean account opens a group to the world; the account whose group run 1 found open closes it.
    appearing = (sandbox.organization.members.find((member) => member.planted === undefined) as { accountId: string })
      .accountId;

    first = await run();
    disappearing = (first.summary?.accounts ?? [])
      .map((account) => account.accountId)
      .find((accountId) => fingerprints(first, accountId).length > 0) as string;
    for (const region of SANDBOX_REGIONS) {
      const client = ec2(disappearing, region);
      const { SecurityGroupRules: rules = [] } = await client.send(new DescribeSecurityGroupRulesCommand({}));
      for (const rule of rules) {
        if (rule.IsEgress || (rule.CidrIpv4 !== '0.0.0.0/0' && rule.CidrIpv6 !== '::/0')) continue;
        await client.send(
          new RevokeSecurityGroupIngressCommand({
            GroupId: rule.GroupId as string,
            SecurityGroupRuleIds: [rule.SecurityGroupRuleId as string],
          }),
        );
      }
    }
    const client = ec2(appearing, REGION);
    const { SecurityGroups: groups = [] } = await client.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }),
    );
    await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groups[0]?.GroupId as string,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    second = await run();
  }, 180_000);
  afterAll(() => sandbox?.stop());

  it('gives exactly the expected NEW and RESOLVED findings in the second run', () => {
    const changes = second.summary?.changes as ChangeSummary;
    const expectedNew = fingerprints(second, appearing);
    const expectedResolved = fingerprints(first, disappearing);
    // What the test did, read from the records: the one rule it opened, and every world-open rule it revoked.
    expect(
      exposures(second, appearing).map(({ resource, evidence }) => ({
        region: resource?.region,
        protocol: evidence?.protocol,
        fromPort: evidence?.fromPort,
        toPort: evidence?.toPort,
        cidr: evidence?.cidr,
      })),
    ).toEqual([{ region: REGION, protocol: 'tcp', fromPort: 3389, toPort: 3389, cidr: '0.0.0.0/0' }]);
    expect(expectedResolved.length).toBeGreaterThan(0);
    expect(exposures(second, disappearing)).toEqual([]);

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
