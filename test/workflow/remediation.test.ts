import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
} from '@aws-sdk/client-config-service';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateDetectorCommand, GetDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { executeUndo } from '../../cli/commands/undo';
import { localDefinition, RejectedError, runRemediationLocal } from '../../cli/remediate-engine';
import { type Emulator, findMoto, MOTO_INSTALL_HINT, startMoto } from '../../cli/sandbox/moto';
import { REMEDIATION_IDS } from '../../functions/lib/remediation-settings';
import { LocalReportStore } from '../../functions/lib/report-store';
import { type AccountPlan, type AccountRemediationRecord, PATHS } from '../../functions/remediations/documents';
import type { RemediationSummary } from '../../functions/remediations/summarize';
import { assumedCredentials } from '../support/assumed-credentials';
import { auditRecord, auditSummary, findings, settingsWith } from '../support/remediation-factories';

/**
 * The remediation workflow (statemachine/remediate.asl.json) in the local engine against moto, with resources of
 * every action seeded in one member account. IAM checking stays off in this emulator (no `reset-auth`): the roles
 * and the session policy are not enforced here; the unit tests check what is sent. The local engine has no
 * `.waitForTaskToken`, so Approve Remediations is answered by the approver passed in (what `--approve` or the y/N
 * prompt does in the CLI).
 */
const ACCOUNT = '210987654321';
const REGION = 'us-east-1';
const settings = settingsWith([...REMEDIATION_IDS], {}, { regions: [REGION] });

describe('remediation on the emulator', () => {
  let moto: Emulator;
  let store: LocalReportStore;
  let reportDir: string;
  let clients: {
    ec2: EC2Client;
    s3: S3Client;
    kms: KMSClient;
    config: ConfigServiceClient;
    guardduty: GuardDutyClient;
  };
  const seeded = {
    groupId: '',
    worldSsh: '',
    internalSsh: '',
    worldHttps: '',
    bucket: 'team-uploads-remediation',
    keyId: '',
    detectorId: '',
  };

  /** What a person would look at: the state of every seeded resource. */
  async function state() {
    const { SecurityGroupRules } = await clients.ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [seeded.groupId] }] }),
    );
    const ingress = (SecurityGroupRules ?? [])
      .filter((rule) => !rule.IsEgress)
      .map((rule) => `${rule.IpProtocol}:${rule.FromPort}:${rule.CidrIpv4 ?? rule.CidrIpv6}`)
      .sort();
    const block = await clients.s3
      .send(new GetPublicAccessBlockCommand({ Bucket: seeded.bucket }))
      .then((result) => result.PublicAccessBlockConfiguration ?? null)
      .catch(() => null);
    const key = await clients.kms.send(new DescribeKeyCommand({ KeyId: seeded.keyId }));
    const recorder = await clients.config.send(new DescribeConfigurationRecorderStatusCommand({}));
    const detector = await clients.guardduty.send(new GetDetectorCommand({ DetectorId: seeded.detectorId }));
    return {
      ingress,
      block,
      keyState: key.KeyMetadata?.KeyState,
      recording: recorder.ConfigurationRecordersStatus?.[0]?.recording ?? false,
      detector: detector.Status,
    };
  }

  beforeAll(async () => {
    if (!findMoto()) throw new Error(MOTO_INSTALL_HINT);
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL = moto.url;
    const credentials = await assumedCredentials({ region: REGION }, `arn:aws:iam::${ACCOUNT}:role/seed`, 'seed');
    const config = { region: REGION, credentials };
    clients = {
      ec2: new EC2Client(config),
      s3: new S3Client({ ...config, forcePathStyle: true }),
      kms: new KMSClient(config),
      config: new ConfigServiceClient(config),
      guardduty: new GuardDutyClient(config),
    };
    const group = await clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers' }),
    );
    seeded.groupId = group.GroupId as string;
    const authorize = async (port: number, cidr: string) => {
      const result = await clients.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: seeded.groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr }] }],
        }),
      );
      return result.SecurityGroupRules?.[0]?.SecurityGroupRuleId as string;
    };
    seeded.worldSsh = await authorize(22, '0.0.0.0/0');
    seeded.internalSsh = await authorize(22, '10.0.0.0/8');
    seeded.worldHttps = await authorize(443, '0.0.0.0/0');
    await clients.s3.send(new CreateBucketCommand({ Bucket: seeded.bucket }));
    const key = await clients.kms.send(new CreateKeyCommand({ Description: 'orders' }));
    seeded.keyId = key.KeyMetadata?.KeyId as string;
    await clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: seeded.keyId, PendingWindowInDays: 7 }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'config-delivery-remediation' }));
    await clients.config.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: {
          name: 'default',
          roleARN: `arn:aws:iam::${ACCOUNT}:role/config`,
          recordingGroup: { allSupported: true },
        },
      }),
    );
    await clients.config.send(
      new PutDeliveryChannelCommand({
        DeliveryChannel: { name: 'default', s3BucketName: 'config-delivery-remediation' },
      }),
    );
    const detector = await clients.guardduty.send(new CreateDetectorCommand({ Enable: false }));
    seeded.detectorId = detector.DetectorId as string;

    reportDir = mkdtempSync(join(tmpdir(), 'ct-audit-remediation-'));
    store = new LocalReportStore(reportDir);
    const record = auditRecord(
      ACCOUNT,
      [
        findings.worldIngress({ ruleId: seeded.worldSsh, groupId: seeded.groupId, port: 22 }),
        findings.worldIngress({ ruleId: seeded.worldHttps, groupId: seeded.groupId, port: 443, allowedPort: true }),
        findings.bucketPublic(seeded.bucket),
        findings.keyPendingDeletion(seeded.keyId),
        findings.recorderStopped('default'),
        findings.guardDutyOff(seeded.detectorId),
        findings.trailTampering(),
      ].map((finding) =>
        finding.resource ? { ...finding, resource: { ...finding.resource, region: REGION } } : finding,
      ),
    );
    const audit = { id: 'audit-run-1', startedAt: '2030-01-02T06:00:00.000Z' };
    await store.putJson(audit, `accounts/${ACCOUNT}.json`, record);
    await store.putJson(audit, 'summary.json', auditSummary([record]));
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL;
    await moto?.stop();
  });

  let runs = 0;
  const remediate = (
    mode: 'plan' | 'apply',
    approve: () => Promise<never> | Promise<{ approved: true; approvedBy: string }>,
    definition?: ReturnType<typeof localDefinition>,
  ) =>
    runRemediationLocal({
      settings,
      input: { auditRunId: 'audit-run-1', mode },
      store,
      executionName: `remediate-${process.pid}-${++runs}`,
      approve,
      ...(definition ? { definition } : {}),
    });
  const approve = async () => ({ approved: true as const, approvedBy: 'test:approver' });
  const mustNotAsk = async (): Promise<never> => {
    throw new Error('plan mode must not ask for approval');
  };

  it('plans every action and changes nothing', async () => {
    const before = await state();

    const result = await remediate('plan', mustNotAsk);

    expect(result.endState).toBe('Plan Ready');
    expect(await state()).toEqual(before);
    const plan = await store.getJson<AccountPlan>(
      { id: result.executionName, startedAt: result.startedAt },
      PATHS.plan(ACCOUNT),
    );
    expect(
      plan?.items
        .filter((item) => item.decision === 'PLANNED')
        .map((item) => item.action)
        .sort(),
    ).toEqual([...REMEDIATION_IDS].sort());
    expect(plan?.items.find((item) => item.resource.part === seeded.worldHttps)?.decision).toBe('ALLOWED_PORT');
    expect(plan?.notes.map((note) => note.rule)).toEqual(['cloudtrail-tampering']);
  });

  it('applies nothing when the plan is rejected', async () => {
    const before = await state();

    const result = await remediate('apply', async () => {
      throw new RejectedError('rejected on the terminal by test');
    });

    expect(result.endState).toBe('Remediation Rejected');
    expect(result.summary?.outcome).toBe('REJECTED');
    expect(result.error?.cause).toMatch(/rejected on the terminal by test; nothing was applied/);
    expect(await state()).toEqual(before);
  });

  it('ends in Remediation Incomplete with a summary of every account, and applies nothing, when the Plan Map fails', async () => {
    // On AWS the Map's children are tolerated (ToleratedFailurePercentage 100) and Plan Account catches its own
    // errors, so what fails Plan Remediations is the Distributed Map Run as a whole, which the local engine cannot
    // produce (it runs the Map inline). Its item processor is replaced by one that fails, which the local engine
    // reports as the Map's failure; the Map's Catch and everything after it are the file's own.
    const definition = localDefinition();
    definition.States['Plan Remediations'].ItemProcessor.States = {
      'Map Run Fails': { Type: 'Fail', Error: 'Test.MapRunFailed', Cause: 'the Map Run failed' },
    };
    definition.States['Plan Remediations'].ItemProcessor.StartAt = 'Map Run Fails';
    const before = await state();

    const result = await remediate('apply', mustNotAsk, definition);

    expect(result.endState).toBe('Remediation Incomplete');
    expect(result.error?.error).toBe('RemediationIncomplete');
    expect(result.error?.cause).toMatch(
      /^incomplete: the plan could not be made; nothing was applied; Plan Remediations failed \(Test\.MapRunFailed: the Map Run failed\); 1 of 1 accounts in error \(210987654321\)\. Report: /,
    );
    expect(await state()).toEqual(before);
    // summary.json is written, with the targeted account once.
    const summary = await store.getJson<RemediationSummary>(
      { id: result.executionName, startedAt: result.startedAt },
      PATHS.summary,
    );
    expect(summary).toMatchObject({ outcome: 'INCOMPLETE', results: {}, skipped: [] });
    expect(summary?.accounts).toEqual([
      {
        accountId: ACCOUNT,
        planned: 0,
        decisions: {},
        results: {},
        error: 'not planned: Plan Remediations failed before the plan was reviewed',
      },
    ]);
  });

  let applied: { executionName: string; startedAt: string };
  it('applies an approved plan, verifies it, and records who approved', async () => {
    const result = await remediate('apply', approve);
    applied = result;

    expect(result.endState).toBe('Remediations Applied');
    expect(result.summary?.results).toEqual({ REMEDIATED: 5 });
    expect(await state()).toEqual({
      ingress: ['tcp:22:10.0.0.0/8', 'tcp:443:0.0.0.0/0'],
      block: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      keyState: 'Disabled',
      recording: true,
      detector: 'ENABLED',
    });
    const record = await store.getJson<AccountRemediationRecord>(
      { id: result.executionName, startedAt: result.startedAt },
      PATHS.record(ACCOUNT),
    );
    expect(record?.items.every((item) => item.approvedBy === 'test:approver' && item.verification?.compliant)).toBe(
      true,
    );
    // Summarize Remediation listed the run for the audit run's report (rendered again from the stored records).
    const listed = await store.getState<{ runs: { id: string }[] }>(PATHS.byAuditRun('audit-run-1'));
    expect(listed?.runs.map((run) => run.id)).toContain(result.executionName);
  });

  it('finds everything compliant on the next plan', async () => {
    const result = await remediate('plan', mustNotAsk);

    const plan = await store.getJson<AccountPlan>(
      { id: result.executionName, startedAt: result.startedAt },
      PATHS.plan(ACCOUNT),
    );
    expect(plan?.items.filter((item) => item.decision !== 'ALLOWED_PORT').map((item) => item.decision)).toEqual(
      Array(5).fill('ALREADY_COMPLIANT'),
    );
  });

  it('undo (ct-audit undo) restores every state before, and the audit report shows it', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
    };

    const { code, results, report } = await executeUndo(io as never, {
      settings,
      store,
      runId: applied.executionName,
    });

    expect(code).toBe(0);
    expect(results.map((result) => result.status)).toEqual(Array(5).fill('UNDONE'));
    // The audit run's report, rendered again from the records, says so for each of the five.
    expect(report).toBe(join(reportDir, 'audit-run-1', 'report.html'));
    expect(readFileSync(report as string, 'utf8').match(/REMEDIATED, THEN UNDONE/g)).toHaveLength(5);
    expect(out.at(-1)).toBe(`Report: ${report} (rendered again with the undo)\n`);
    expect(err).toEqual([]);
    expect(await state()).toEqual({
      ingress: ['tcp:22:0.0.0.0/0', 'tcp:22:10.0.0.0/8', 'tcp:443:0.0.0.0/0'],
      block: null,
      keyState: 'PendingDeletion',
      recording: false,
      detector: 'DISABLED',
    });
  });
});
