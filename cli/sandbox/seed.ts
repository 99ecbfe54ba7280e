import {
  CloudFormationClient,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, BuildMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { CHECK_IDS } from '../../functions/checks/ids';
import { RULE_IDS, type RuleId } from '../../functions/cloudtrail/rules/ids';
import { mapLimit } from '../../functions/lib/concurrency';
import type { SettingsInput } from '../../functions/lib/settings';
import {
  type GenerateOptions,
  generateAccountLogFiles,
  nearMissEvents,
  type PlantedEvent,
  plantedEvents,
} from './cloudtrail-fixtures';
import { seedAccountResources } from './resources';

/** The Control Tower role names the sandbox creates, as in a real landing zone. */
export const SANDBOX_ROLES = {
  readOnlyExecution: 'aws-controltower-ReadOnlyExecutionRole',
  adminExecution: 'aws-controltower-AdministratorExecutionRole',
  auditReadOnly: 'aws-controltower-AuditReadOnlyRole',
  auditAdmin: 'aws-controltower-AuditAdministratorRole',
  /** Stands in for the Audit account's delegated administration of Organizations (see `seedSandbox`). */
  organizationsReader: 'ct-audit-sandbox-OrganizationsReader',
} as const;

/** The sandbox's home region and governed regions. */
export const SANDBOX_HOME_REGION = 'us-east-1';
export const SANDBOX_REGIONS = ['us-east-1', 'eu-west-1'] as const;

/** Fewest member accounts: room for a suspended and an unenrolled account next to healthy ones. */
export const MIN_SANDBOX_MEMBERS = 3;
export const MAX_SANDBOX_MEMBERS = 10_000;

/**
 * What was planted in an account: `suspended`: closed (SUSPENDED); `unenrolled`: no execution role, and the Audit
 * role is denied there; `delivery-stopped`: its CloudTrail files stopped two hours ago; `alarming-events`: its logs
 * hold events for some rules (`rules`) and one unreadable file.
 */
export type Plant = 'suspended' | 'unenrolled' | 'delivery-stopped' | 'alarming-events';

/** A member account of the sandbox and what was planted in it. */
export interface SandboxAccount {
  readonly accountId: string;
  readonly name: string;
  /** `Workloads/Prod`, `Sandbox`, ... */
  readonly ou: string;
  readonly planted?: Plant;
  /** The CloudTrail rules whose events were planted (with `alarming-events`). */
  readonly rules?: readonly RuleId[];
}

/** What the seeder made, and how to act in it. */
export interface SandboxOrganization {
  readonly endpoint: string;
  readonly organizationId: string;
  readonly managementAccountId: string;
  readonly auditAccountId: string;
  readonly logArchiveAccountId: string;
  readonly logArchiveBucket: string;
  readonly members: readonly SandboxAccount[];
  /**
   * Sessions of the Audit roles and of the Organizations reader, taken before IAM checking was switched on; in the
   * shape the local engine takes them (`LocalCredentials`).
   */
  readonly credentials: {
    readonly audit: AwsCredentialIdentity;
    readonly auditAdmin: AwsCredentialIdentity;
    readonly organizations: AwsCredentialIdentity;
  };
  /** The settings a run against this sandbox needs on top of the user's. */
  readonly settings: SettingsInput;
}

/** Options of {@link seedSandbox}. */
export interface SeedOptions {
  /** Member accounts besides management, Audit and Log Archive. @default 12 */
  readonly members?: number;
  /** Calls in flight while seeding. @default 16 */
  readonly concurrency?: number;
  /** Plant the problems the demo shows (see {@link Plant}). @default true */
  readonly plant?: boolean;
  /**
   * Hours of CloudTrail files to write for every account (0: none). The files are real organization-trail files in
   * the Control Tower key layout, mostly ordinary noise. @default 24
   */
  readonly cloudTrailHours?: number;
  /** Minutes between two files of one account and region. @default 30 */
  readonly cloudTrailIntervalMinutes?: number;
  /** The clock the CloudTrail files are dated by. @default now */
  readonly now?: Date;
  /**
   * Seed the current state the current-state checks read (security services, Block Public Access, the planted
   * resources; see resources.ts): a dozen calls per account. Off for runs that only measure scale. @default true
   */
  readonly currentState?: boolean;
  /** Told each seeding step as it starts, and the CloudTrail upload's progress, for a person to read. */
  readonly onStep?: (step: string) => void;
}

const EMULATOR_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

/** The account moto acts as for credentials it does not know: the sandbox's management account. */
const MOTO_DEFAULT_ACCOUNT = '123456789012';

/**
 * Tells moto which account a seeding call is for (`x-moto-account-id`, its own API). Without it moto finds the
 * account of each request by scanning every account's access keys: seeding grows with the square of the accounts
 * (5,000 accounts took 254 s). The workflow's own calls never carry it.
 */
function inAccount<I extends object, O extends MetadataBearer, T extends { middlewareStack: MiddlewareStack<I, O> }>(
  client: T,
  accountId: string,
): T {
  const header: BuildMiddleware<I, O> = (next) => (args) => {
    const request = args.request as { headers?: Record<string, string> };
    if (request.headers) request.headers['x-moto-account-id'] = accountId;
    return next(args);
  };
  client.middlewareStack.add(header, { step: 'build', name: 'motoAccountId' });
  return client;
}

const MEMBER_OUS = ['Workloads/Prod', 'Workloads/Dev', 'Sandbox'] as const;

/** The session name of the Audit roles' sessions that the sandbox hands the CLI. */
const AUDIT_SESSION_NAME = 'ct-audit-sandbox';

function trust(...principalArns: string[]) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: principalArns }, Action: 'sts:AssumeRole' }],
  });
}

/**
 * Who an execution role trusts: the Audit role. moto checks a trust policy only when the role is in the caller's
 * own account, and then compares principals as plain strings, so the Audit account's own execution role also
 * names the Audit role's session ARN (valid IAM syntax; AWS itself matches the role ARN alone).
 */
function executionRoleTrust(auditRoleArn: string) {
  const [, , , , account, resource] = auditRoleArn.split(':');
  const roleName = resource?.split('/').at(-1);
  return JSON.parse(trust(auditRoleArn, `arn:aws:sts::${account}:assumed-role/${roleName}/${AUDIT_SESSION_NAME}`));
}

/**
 * The execution roles of a Control Tower baseline, each trusting only its Audit role. The read-only role's policy
 * stands in for the AWS managed ReadOnlyAccess (moto does not load AWS managed policies).
 */
function executionRolesTemplate(auditReadOnlyArn: string, auditAdminArn: string): string {
  const role = (name: string, trusted: string, policyName: string, statement: object) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: name,
      AssumeRolePolicyDocument: executionRoleTrust(trusted),
      // A JSON string, not an object: moto's IAM check cannot read inline policies that CloudFormation stored as objects.
      Policies: [
        { PolicyName: policyName, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) },
      ],
    },
  });
  return JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      ReadOnlyExecutionRole: role(SANDBOX_ROLES.readOnlyExecution, auditReadOnlyArn, 'ReadOnlyAccess', {
        Effect: 'Allow',
        // What ReadOnlyAccess allows for the services the checks read, and nothing else.
        Action: [
          's3:Get*',
          's3:List*',
          'cloudtrail:Describe*',
          'cloudtrail:Get*',
          'cloudtrail:List*',
          'kms:Decrypt',
          'kms:Describe*',
          'kms:Get*',
          'kms:List*',
          'ec2:Describe*',
          'ec2:Get*',
          'guardduty:Describe*',
          'guardduty:Get*',
          'guardduty:List*',
          'config:Describe*',
          'config:Get*',
          'config:List*',
          'config:BatchGet*',
          'config:Select*',
          'securityhub:Describe*',
          'securityhub:Get*',
          'securityhub:List*',
          'securityhub:BatchGet*',
        ],
        Resource: '*',
      }),
      AdministratorExecutionRole: role(SANDBOX_ROLES.adminExecution, auditAdminArn, 'AdministratorAccess', {
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
      }),
    },
  });
}

function policy(...statements: object[]) {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

async function controlApi(endpoint: string, path: string, body?: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`emulator ${path} answered ${response.status}`);
}

/**
 * Seeds a sandbox organization through the emulator's own APIs, shaped like a Control Tower landing zone:
 * management, Audit and Log Archive accounts, members in Workloads/Prod, Workloads/Dev and Sandbox, the
 * execution roles in every enrolled account, the Audit roles, and the Log Archive bucket. Planted: one SUSPENDED
 * account and one unenrolled account (no execution role; the Audit role's policy denies it, so AssumeRole gets a
 * real AccessDenied from the emulator). Then IAM checking is switched on.
 *
 * moto answers ListAccounts only in the management account, so the sandbox hands Resolve Targets a session in the
 * management account with read-only Organizations rights: what a delegated administrator has in a real landing zone.
 */
export async function seedSandbox(endpoint: string, options: SeedOptions = {}): Promise<SandboxOrganization> {
  const memberCount = options.members ?? 12;
  if (!Number.isInteger(memberCount) || memberCount < MIN_SANDBOX_MEMBERS || memberCount > MAX_SANDBOX_MEMBERS) {
    throw new RangeError(
      `the sandbox needs from ${MIN_SANDBOX_MEMBERS} to ${MAX_SANDBOX_MEMBERS} member accounts (got ${memberCount})`,
    );
  }
  const limit = options.concurrency ?? 16;
  const step = options.onStep ?? (() => undefined);
  step('organization and OUs');
  await controlApi(endpoint, 'reset');
  await controlApi(endpoint, 'reset-auth', 'inf');

  const config = { endpoint, region: SANDBOX_HOME_REGION, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 };
  const organizations = inAccount(new OrganizationsClient(config), MOTO_DEFAULT_ACCOUNT);
  const sts = inAccount(new STSClient(config), MOTO_DEFAULT_ACCOUNT);

  const { Organization } = await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const organizationId = Organization?.Id as string;
  const managementAccountId = Organization?.MasterAccountId as string;
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;

  const ouIds = new Map<string, string>();
  const createOu = async (path: string, parentId: string) => {
    const name = path.split('/').at(-1) as string;
    const { OrganizationalUnit } = await organizations.send(
      new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }),
    );
    ouIds.set(path, OrganizationalUnit?.Id as string);
  };
  await createOu('Security', rootId);
  await createOu('Workloads', rootId);
  await createOu('Sandbox', rootId);
  await createOu('Workloads/Prod', ouIds.get('Workloads') as string);
  await createOu('Workloads/Dev', ouIds.get('Workloads') as string);

  const createAccount = async (name: string, ou: string): Promise<string> => {
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${slug}@sandbox.example.com` }),
    );
    const accountId = CreateAccountStatus?.AccountId as string;
    await organizations.send(
      new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: ouIds.get(ou) }),
    );
    return accountId;
  };

  step(`${memberCount + 2} accounts`);
  const auditAccountId = await createAccount('Audit', 'Security');
  const logArchiveAccountId = await createAccount('Log Archive', 'Security');
  const plan = planMembers(memberCount, options.plant ?? true);
  const members: SandboxAccount[] = await mapLimit(plan, limit, async (entry) => ({
    ...entry,
    accountId: await createAccount(entry.name, entry.ou),
  }));

  const actAs = async (accountId: string, sessionName = 'ct-audit-sandbox-seed') => {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
        RoleSessionName: sessionName,
      }),
    );
    return {
      accessKeyId: Credentials?.AccessKeyId as string,
      secretAccessKey: Credentials?.SecretAccessKey as string,
      sessionToken: Credentials?.SessionToken as string,
    };
  };

  const auditRoleArn = (name: string) => `arn:aws:iam::${auditAccountId}:role/${name}`;
  const enrolled = [
    auditAccountId,
    logArchiveAccountId,
    ...members.filter((member) => member.planted !== 'unenrolled').map((member) => member.accountId),
  ];
  // Control Tower deploys the execution roles with a StackSet into every enrolled account; so does the sandbox,
  // in one call instead of five per account.
  step('execution roles (StackSet), Audit roles');
  const cloudformation = inAccount(new CloudFormationClient(config), MOTO_DEFAULT_ACCOUNT);
  await cloudformation.send(
    new CreateStackSetCommand({
      StackSetName: 'AWSControlTowerBP-BASELINE-ROLES',
      TemplateBody: executionRolesTemplate(
        auditRoleArn(SANDBOX_ROLES.auditReadOnly),
        auditRoleArn(SANDBOX_ROLES.auditAdmin),
      ),
      PermissionModel: 'SELF_MANAGED',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  await cloudformation.send(
    new CreateStackInstancesCommand({
      StackSetName: 'AWSControlTowerBP-BASELINE-ROLES',
      Accounts: enrolled,
      Regions: [SANDBOX_HOME_REGION],
    }),
  );

  const unenrolled = members.filter((member) => member.planted === 'unenrolled').map((member) => member.accountId);
  const denyUnenrolled = unenrolled.map((accountId) => ({
    Sid: `SandboxUnenrolledAccount${accountId}`,
    Effect: 'Deny',
    Action: 'sts:AssumeRole',
    Resource: `arn:aws:iam::${accountId}:role/*`,
  }));
  const auditIam = inAccount(new IAMClient({ ...config, credentials: await actAs(auditAccountId) }), auditAccountId);
  const lambdaTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  for (const [role, target] of [
    [SANDBOX_ROLES.auditReadOnly, SANDBOX_ROLES.readOnlyExecution],
    [SANDBOX_ROLES.auditAdmin, SANDBOX_ROLES.adminExecution],
  ] as const) {
    await auditIam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: lambdaTrust }));
    await auditIam.send(
      new PutRolePolicyCommand({
        RoleName: role,
        PolicyName: 'AssumeExecutionRole',
        PolicyDocument: policy(
          { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/${target}` },
          ...denyUnenrolled,
        ),
      }),
    );
  }

  const managementIam = inAccount(new IAMClient(config), MOTO_DEFAULT_ACCOUNT);
  await managementIam.send(
    new CreateRoleCommand({
      RoleName: SANDBOX_ROLES.organizationsReader,
      AssumeRolePolicyDocument: trust(`arn:aws:iam::${managementAccountId}:root`),
    }),
  );
  await managementIam.send(
    new PutRolePolicyCommand({
      RoleName: SANDBOX_ROLES.organizationsReader,
      PolicyName: 'OrganizationsReadOnly',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: ['organizations:Describe*', 'organizations:List*'],
        Resource: '*',
      }),
    }),
  );

  const logArchiveBucket = `aws-controltower-logs-${logArchiveAccountId}-${SANDBOX_HOME_REGION}`;
  const logArchiveS3 = inAccount(
    new S3Client({ ...config, credentials: await actAs(logArchiveAccountId), forcePathStyle: true }),
    logArchiveAccountId,
  );
  await logArchiveS3.send(new CreateBucketCommand({ Bucket: logArchiveBucket }));
  const hours = options.cloudTrailHours ?? 24;
  const now = options.now ?? new Date();
  const logged = [
    { accountId: auditAccountId, name: 'Audit', ou: 'Security' },
    { accountId: logArchiveAccountId, name: 'Log Archive', ou: 'Security' },
    ...members.filter((member) => member.planted !== 'suspended'),
  ];
  const currentState = options.currentState ?? true;
  const seeding = {
    endpoint,
    credentials: EMULATOR_CREDENTIALS,
    regions: SANDBOX_REGIONS,
    deliveryBucket: logArchiveBucket,
  };
  if (currentState) {
    step(
      `current state: security services, Block Public Access and the planted resources of ${logged.length} accounts`,
    );
  }
  if (hours > 0) step(`CloudTrail files: ${hours}h for ${logged.length} accounts`);
  // One account at a time per worker, from its plants to its files: its current state (whose resources the planted
  // events then name, see resources.ts), then its files straight from the generator. Nothing is kept per account:
  // building every account's plants (near misses included) or files first held them all in memory at once, a peak
  // that grew with the organization (57 MiB of plants at 3,000 accounts).
  let done = 0;
  const tenth = Math.max(1, Math.ceil(logged.length / 10));
  await mapLimit(logged, limit, async (account) => {
    let plants: Pick<GenerateOptions, 'plant' | 'stopDeliveryAt' | 'corrupt'> = cloudTrailPlants(account, now);
    if (currentState && (!('planted' in account) || account.planted !== 'unenrolled')) {
      plants = { ...plants, plant: await seedAccountResources(seeding, account.accountId, plants.plant ?? []) };
    }
    if (hours > 0) {
      const files = generateAccountLogFiles({
        organizationId,
        accountId: account.accountId,
        regions: SANDBOX_REGIONS,
        from: new Date(now.getTime() - hours * 3_600_000),
        to: now,
        intervalMinutes: options.cloudTrailIntervalMinutes ?? 30,
        recordsPerFile: 12,
        seed: Number.parseInt(account.accountId.slice(-6), 10),
        ...plants,
      });
      for (const file of files) {
        await logArchiveS3.send(new PutObjectCommand({ Bucket: logArchiveBucket, Key: file.key, Body: file.body }));
      }
    }
    done++;
    if ((currentState || hours > 0) && (done % tenth === 0 || done === logged.length)) {
      step(`${hours > 0 ? 'CloudTrail files' : 'current state'}: ${done} of ${logged.length} accounts`);
    }
  });

  for (const member of members.filter((account) => account.planted === 'suspended')) {
    await organizations.send(new CloseAccountCommand({ AccountId: member.accountId }));
  }

  const session = async (roleArn: string): Promise<AwsCredentialIdentity> => {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: AUDIT_SESSION_NAME, DurationSeconds: 43_200 }),
    );
    return {
      accessKeyId: Credentials?.AccessKeyId as string,
      secretAccessKey: Credentials?.SecretAccessKey as string,
      sessionToken: Credentials?.SessionToken as string,
    };
  };
  const credentials = {
    audit: await session(auditRoleArn(SANDBOX_ROLES.auditReadOnly)),
    auditAdmin: await session(auditRoleArn(SANDBOX_ROLES.auditAdmin)),
    organizations: await session(`arn:aws:iam::${managementAccountId}:role/${SANDBOX_ROLES.organizationsReader}`),
  };

  step('IAM checking on');
  // From here on the emulator checks every call against IAM policies, as AWS does.
  await controlApi(endpoint, 'reset-auth', '0');

  return {
    endpoint,
    organizationId,
    managementAccountId,
    auditAccountId,
    logArchiveAccountId,
    logArchiveBucket,
    members,
    credentials,
    settings: {
      organizationId,
      homeRegion: SANDBOX_HOME_REGION,
      regions: [...SANDBOX_REGIONS],
      logArchive: { accountId: logArchiveAccountId, bucket: logArchiveBucket },
      defaultChecks: [...CHECK_IDS],
      roles: {
        readOnlyExecutionRoleName: SANDBOX_ROLES.readOnlyExecution,
        adminExecutionRoleName: SANDBOX_ROLES.adminExecution,
      },
    },
  };
}

/** The rules planted per account: spread over up to three accounts, so that each account's findings stay legible. */
const RULE_GROUPS: readonly (readonly RuleId[])[] = [
  ['root-activity', 'cloudtrail-tampering', 'security-tooling-disabled'],
  ['console-login-without-mfa', 'console-login-failures', 'iam-user-or-key-created'],
  ['security-group-open-to-world', 's3-bucket-made-public', 'kms-key-disabled', 'access-denied-burst'],
];

/**
 * Names, OUs and plants of the members. From the end: suspended, unenrolled, delivery stopped; from the start, while
 * at least one healthy account remains, up to three alarming-events accounts sharing every rule between them.
 */
export function planMembers(count: number, plant: boolean): Omit<SandboxAccount, 'accountId'>[] {
  const tail: Plant[] = plant ? ['delivery-stopped', 'unenrolled', 'suspended'] : [];
  const alarming = plant ? Math.min(RULE_GROUPS.length, Math.max(0, count - tail.length - 1)) : 0;
  return Array.from({ length: count }, (_, index) => {
    const planted: Plant | undefined = tail[index - (count - tail.length)];
    const ou = MEMBER_OUS[index % MEMBER_OUS.length] as string;
    const prefix = ou === 'Sandbox' ? 'sandbox' : ou.endsWith('Prod') ? 'prod' : 'dev';
    const name =
      planted === 'unenrolled' ? 'legacy-unenrolled' : `${prefix}-workload-${String(index + 1).padStart(4, '0')}`;
    if (planted) return { name, ou, planted };
    if (index < alarming) {
      const rules =
        alarming === RULE_GROUPS.length
          ? (RULE_GROUPS[index] ?? [])
          : RULE_IDS.filter((_, position) => position % alarming === index);
      return { name, ou, planted: 'alarming-events', rules: [...rules] };
    }
    return { name, ou };
  });
}

/** The CloudTrail side of an account's plant: stopped delivery, or planted events plus one unreadable file. */
function cloudTrailPlants(account: Omit<SandboxAccount, 'name' | 'ou'>, now: Date) {
  const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
  const [home, other] = SANDBOX_REGIONS;
  if (account.planted === 'delivery-stopped') return { stopDeliveryAt: hoursAgo(2) };
  if (account.planted === 'alarming-events') {
    const plant: PlantedEvent[] = (account.rules ?? []).flatMap((rule, index) =>
      plantedEvents(rule, hoursAgo(3 + index), account.accountId, index % 2 === 0 ? home : other, {
        attempt: rule === 'security-tooling-disabled',
      }),
    );
    return { plant, corrupt: [{ region: other, at: hoursAgo(5) }] };
  }
  // Healthy accounts carry the near misses: events that look alarming and must not be reported.
  return { plant: nearMissEvents(hoursAgo(4), account.accountId, home) };
}
