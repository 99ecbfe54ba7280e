import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigServiceClient,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateSecurityGroupCommand,
  DescribeManagedPrefixListsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { CreateBucketCommand, PutBucketAclCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { PutPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { EnableSecurityHubCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type Emulator, findMoto, MOTO_INSTALL_HINT, startMoto } from '../../cli/sandbox/moto';
import type { AccountRecord, RunSummary } from '../../functions/lib/types';
import { assumedCredentials } from '../support/assumed-credentials';
import { problemLines } from '../support/cli-output';

const BIN = join(__dirname, '..', '..', 'bin', 'ct-audit.js');
const REGION = 'us-east-1';
const ROOT = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * `ct-audit run --endpoint` against an organization made here with the SDK, call by call, as a person would with the
 * AWS CLI: no settings file, no sandbox seeder, no gateway. moto checks no IAM policy here (the seeder's
 * `reset-auth` is not called): this test is about what the checks find, the sandbox test about permissions.
 */
describe('ct-audit run --endpoint finds one planted problem of each kind, and nothing in a clean account', () => {
  let moto: Emulator;
  let planted: string;
  let clean: string;
  let summary: RunSummary;
  let reportDir: string;

  beforeAll(async () => {
    if (!findMoto()) throw new Error(MOTO_INSTALL_HINT);
    moto = await startMoto();
    const config = (credentials = ROOT) => ({ endpoint: moto.url, region: REGION, credentials });
    const organizations = new OrganizationsClient(config());
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const create = async (name: string) =>
      (await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` })))
        .CreateAccountStatus?.AccountId as string;
    planted = await create('planted');
    clean = await create('clean');
    const as = (accountId: string) =>
      assumedCredentials(config(), `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, 'setup');

    // The planted account: one problem of each kind.
    const p = config(await as(planted));
    const ec2 = new EC2Client(p);
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'rdp', Description: 'rdp' }));
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    // SSH for "partners" through a customer-managed prefix list someone put 0.0.0.0/0 in: no CIDR on the rule.
    await givenListRule(ec2, 'ssh-partners', 22, await customerList(ec2, 'partners', ['203.0.113.0/24', '0.0.0.0/0']));
    const s3 = new S3Client({ ...p, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'planted-open-acl' }));
    await s3.send(new PutBucketAclCommand({ Bucket: 'planted-open-acl', ACL: 'public-read' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'planted-org-only' }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'planted-org-only',
        Policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::planted-org-only/*',
              Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
            },
          ],
        }),
      }),
    );
    const kms = new KMSClient(p);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata?.KeyId, PendingWindowInDays: 7 }));
    // No GuardDuty, no Config recorder, no Security Hub.

    // The clean account: everything on.
    const c = config(await as(clean));
    await new S3ControlClient({ ...c, endpointProvider: () => ({ url: new URL(moto.url) }) }).send(
      new PutPublicAccessBlockCommand({
        AccountId: clean,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await new GuardDutyClient(c).send(new CreateDetectorCommand({ Enable: true }));
    const configService = new ConfigServiceClient(c);
    await configService.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: { name: 'default', roleARN: `arn:aws:iam::${clean}:role/config` },
      }),
    );
    await configService.send(
      new PutDeliveryChannelCommand({ DeliveryChannel: { name: 'default', s3BucketName: 'x' } }),
    );
    await configService.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }));
    await new SecurityHubClient(c).send(new EnableSecurityHubCommand({}));
    await new KMSClient(c).send(new CreateKeyCommand({ Description: 'in use' }));
    // Rules from prefix lists without the world: the office's private ranges, and S3's ranges (AWS-managed).
    const cleanEc2 = new EC2Client(c);
    await givenListRule(cleanEc2, 'ssh-office', 22, await customerList(cleanEc2, 'office', ['10.0.0.0/8']));
    const { PrefixLists: s3Lists } = await cleanEc2.send(
      new DescribeManagedPrefixListsCommand({
        Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${REGION}.s3`] }],
      }),
    );
    expect(s3Lists?.[0]?.OwnerId).toBe('AWS');
    await givenListRule(cleanEc2, 'https-s3', 443, s3Lists?.[0]?.PrefixListId as string);

    // The run: a scratch folder without cdk.json, the shell's (management account's) credentials.
    const cwd = mkdtempSync(join(tmpdir(), 'ct-audit-endpoint-'));
    reportDir = join(cwd, 'reports');
    const run = spawnSync(
      process.execPath,
      [
        BIN,
        'run',
        '--endpoint',
        moto.url,
        '--checks',
        'network-exposure,s3-public-access,kms-key-deletion,security-services',
        '--regions',
        REGION,
        '--report-dir',
        reportDir,
        '--json',
        '--no-progress',
      ],
      {
        cwd,
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: '',
          AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
          AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
          AWS_REGION: REGION,
        },
      },
    );
    expect({ code: run.status, problems: problemLines(run.stderr) }).toEqual({ code: 1, problems: [] });
    summary = JSON.parse(run.stdout);
  }, 180_000);
  afterAll(() => moto?.stop());

  /** A customer-managed prefix list of these CIDRs; its ID. */
  async function customerList(ec2: EC2Client, name: string, cidrs: string[]): Promise<string> {
    const { PrefixList } = await ec2.send(
      new CreateManagedPrefixListCommand({
        PrefixListName: name,
        AddressFamily: 'IPv4',
        MaxEntries: 5,
        Entries: cidrs.map((Cidr) => ({ Cidr })),
      }),
    );
    return PrefixList?.PrefixListId as string;
  }

  /** A security group whose one ingress rule admits `port` from the prefix list. */
  async function givenListRule(ec2: EC2Client, name: string, port: number, PrefixListId: string): Promise<void> {
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name }));
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, PrefixListIds: [{ PrefixListId }] }],
      }),
    );
  }

  const record = (accountId: string): AccountRecord =>
    JSON.parse(readFileSync(join(reportDir, summary.runId, 'accounts', `${accountId}.json`), 'utf8'));

  it('finds each planted problem in the planted account', () => {
    const checks = record(planted).checks;
    const rules = (check: string) => (checks[check]?.findings ?? []).map((finding) => [finding.rule, finding.severity]);

    expect(rules('network-exposure')).toEqual([
      ['network-exposure/world-ingress', 'HIGH'],
      ['network-exposure/world-ingress', 'HIGH'],
    ]);
    const byPort = (port: number) =>
      checks['network-exposure']?.findings?.find((finding) => finding.evidence?.fromPort === port);
    expect(byPort(3389)?.evidence).toMatchObject({ cidr: '0.0.0.0/0' });
    expect(byPort(3389)?.evidence?.prefixListId).toBeUndefined();
    // Resolved through the emulator's GetManagedPrefixListEntries: the list is named in the title and the evidence.
    expect(byPort(22)?.evidence).toMatchObject({ cidr: '0.0.0.0/0', prefixListId: expect.stringMatching(/^pl-/) });
    expect(byPort(22)?.title).toMatch(/ admits tcp\/22 from 0\.0\.0\.0\/0 through prefix list pl-\w+ \(us-east-1\)$/);
    expect(rules('s3-public-access')).toEqual([
      ['s3-public-access/bucket-public', 'HIGH'],
      ['s3-public-access/account-block-off', 'MEDIUM'],
    ]);
    // The bucket whose policy is narrowed by aws:PrincipalOrgID is not public.
    expect(checks['s3-public-access']?.findings?.[0]).toMatchObject({
      resource: { id: 'planted-open-acl' },
      evidence: { via: 'acl', grantee: 'AllUsers' },
    });
    expect(rules('kms-key-deletion')).toEqual([['kms-key-deletion/pending-deletion', 'HIGH']]);
    expect(rules('security-services').map(([rule]) => rule)).toEqual([
      'security-services/config-recorder-stopped',
      'security-services/guardduty-off',
      'security-services/securityhub-off',
    ]);
    expect(summary.accounts.find((account) => account.accountId === planted)?.status).toBe('FAIL');
  });

  it('finds nothing in the clean account', () => {
    const account = summary.accounts.find((entry) => entry.accountId === clean);

    expect(account?.status).toBe('PASS');
    for (const result of Object.values(record(clean).checks)) expect(result.findings ?? []).toEqual([]);
  });
});
