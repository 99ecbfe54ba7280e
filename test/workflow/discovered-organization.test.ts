import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runLocal } from '../../cli/engine';
import { type Emulator, findMoto, MOTO_INSTALL_HINT, startMoto } from '../../cli/sandbox/moto';
import { LocalReportStore } from '../../functions/lib/report-store';
import { parseSettings } from '../../functions/lib/settings';
import type { RunInfo, RunSummary } from '../../functions/lib/types';
import { assumedCredentials } from '../support/assumed-credentials';
import { problemLines } from '../support/cli-output';

// An organization built with the plain AWS SDK against moto: no sandbox seeder, no settings file. moto checks no
// IAM policies here (the seeder is what switches that on), so any role assumed exists; what is under test is where
// the organization ID comes from.
const REGION = 'us-east-1';
const BUCKET = 'org-trail-logs';
const BIN = join(__dirname, '..', '..', 'bin', 'ct-audit.js');
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

interface BuiltOrganization {
  readonly organizationId: string;
  readonly logArchiveAccountId: string;
  readonly workloadAccountId: string;
}

let emulator: Emulator;
let built: BuiltOrganization;

/** A CloudTrail file of the organization trail, delivered ten minutes ago, holding one call made as root. */
function cloudTrailFile(organizationId: string, accountId: string, now: Date) {
  const delivered = new Date(now.getTime() - 10 * 60_000);
  const [date] = delivered.toISOString().split('T') as [string];
  const [year, month, day] = date.split('-');
  const stamp = `${date.replaceAll('-', '')}T${delivered.toISOString().slice(11, 16).replace(':', '')}Z`;
  const key =
    `${organizationId}/AWSLogs/${organizationId}/${accountId}/CloudTrail/${REGION}/${year}/${month}/${day}/` +
    `${accountId}_CloudTrail_${REGION}_${stamp}_a1B2c3D4e5F6g7H8.json.gz`;
  const record = {
    eventVersion: '1.08',
    userIdentity: { type: 'Root', principalId: accountId, arn: `arn:aws:iam::${accountId}:root`, accountId },
    eventTime: new Date(delivered.getTime() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    awsRegion: REGION,
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.17.0',
    requestParameters: null,
    responseElements: null,
    eventID: '6f1d2c3b-0a9e-4f8d-8c7b-6a5e4d3c2b1a',
    eventType: 'AwsApiCall',
    recipientAccountId: accountId,
  };
  return { key, body: gzipSync(JSON.stringify({ Records: [record] })) };
}

async function buildOrganization(endpoint: string): Promise<BuiltOrganization> {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS };
  const organizations = new OrganizationsClient(config);
  const { Organization } = await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const createAccount = async (name: string) => {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }),
    );
    return CreateAccountStatus?.AccountId as string;
  };
  const logArchiveAccountId = await createAccount('LogArchive');
  const workloadAccountId = await createAccount('Workload');

  const s3 = new S3Client({
    ...config,
    forcePathStyle: true,
    credentials: await assumedCredentials(
      config,
      `arn:aws:iam::${logArchiveAccountId}:role/OrganizationAccountAccessRole`,
      'build-log-archive',
    ),
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const organizationId = Organization?.Id as string;
  const file = cloudTrailFile(organizationId, workloadAccountId, new Date());
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: file.key, Body: file.body }));
  return { organizationId, logArchiveAccountId, workloadAccountId };
}

/** `ct-audit run` as a user types it, in an empty folder (no cdk.json), against the emulator. */
function ctAuditRun(extra: readonly string[] = []) {
  const cwd = mkdtempSync(join(tmpdir(), 'ct-audit-org-'));
  const args = [
    'run',
    '--endpoint',
    emulator.url,
    '--accounts',
    built.workloadAccountId,
    '--checks',
    'cloudtrail-delivery,cloudtrail-events',
    '--log-archive-account',
    built.logArchiveAccountId,
    '--log-archive-bucket',
    BUCKET,
    '--regions',
    REGION,
    '--json',
    ...extra,
  ];
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, AWS_ENDPOINT_URL: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  if (!findMoto()) throw new Error(MOTO_INSTALL_HINT);
  emulator = await startMoto();
  try {
    built = await buildOrganization(emulator.url);
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}, 120_000);

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await emulator?.stop();
});

describe('the organization ID, discovered: an organization built with the AWS SDK, no settings file', () => {
  test('Resolve Targets asks Organizations for the ID and the run carries it to every iteration', async () => {
    process.env.AWS_ENDPOINT_URL = emulator.url;
    const runs: RunInfo[] = [];

    const result = await runLocal({
      settings: parseSettings({
        regions: [REGION],
        logArchive: { accountId: built.logArchiveAccountId, bucket: BUCKET },
      }),
      input: { accounts: [built.workloadAccountId], checks: ['identity'] },
      store: new LocalReportStore(mkdtempSync(join(tmpdir(), 'ct-audit-org-'))),
      wrap: (state, handler) =>
        state === 'Audit Account'
          ? async (input) => {
              runs.push((input as { run: RunInfo }).run);
              return handler(input);
            }
          : handler,
    });

    expect(result.summary?.totals).toMatchObject({ accounts: 1 });
    expect(runs.map((run) => run.organizationId)).toEqual([built.organizationId]);
  });

  test('ct-audit run --organization-id reads the organization trail in the Log Archive: delivery passes, the root call is found', () => {
    const { code, stdout, stderr } = ctAuditRun(['--organization-id', built.organizationId]);

    expect(problemLines(stderr)).toEqual([]);
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary.accounts).toHaveLength(1);
    expect(summary.accounts[0]?.checks).toMatchObject({
      'cloudtrail-delivery': { status: 'PASS' },
      'cloudtrail-events': { status: 'FAIL', findings: 1 },
    });
    expect(code).toBe(1);
  });

  test('ct-audit run --organization-id with the ID of another organization exits 2 naming both', () => {
    const { code, stderr } = ctAuditRun(['--organization-id', 'o-zzzzzzzzzz']);

    expect(stderr).toMatch(
      new RegExp(
        `ctAudit\\.organizationId is o-zzzzzzzzzz, but the accounts are listed from organization ${built.organizationId}`,
      ),
    );
    expect(code).toBe(2);
  });
});

// Needs i8scan's CloudTrail code, which reads the run's organization ID (context.run.organizationId); on this branch
// alone the checks still read only ctAudit.organizationId.
describe('the CloudTrail checks need no settings file and no organization ID', () => {
  test('ct-audit run --endpoint --accounts --checks --log-archive-account --log-archive-bucket --regions: the discovered ID finds the trail', () => {
    const { code, stdout, stderr } = ctAuditRun();

    expect(problemLines(stderr)).toEqual([]);
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary.accounts).toHaveLength(1);
    expect(summary.accounts[0]?.checks).toMatchObject({
      'cloudtrail-delivery': { status: 'PASS' },
      'cloudtrail-events': { status: 'FAIL', findings: 1 },
    });
    expect(code).toBe(1);
  });
});
