import { gzipSync } from 'node:zlib';
import { type LogLayout, logFileKey } from '../../functions/cloudtrail/key-layout';
import type { RuleId } from '../../functions/cloudtrail/rules/ids';
import { globalEventsRegion, partitionOf } from '../../functions/lib/partition';
import { seededRandom } from './random';

/** A CloudTrail record as the generator writes it (plain JSON). */
export type FixtureRecord = Record<string, unknown>;

/**
 * An event placed into the generated logs: it lands in the first file of `region` delivered after its time — or, for
 * an event of a global service (IAM, sign-in, Organizations), of the partition's global-events region, as AWS files
 * it (with `awsRegion` set to that region).
 */
export interface PlantedEvent {
  /** The rule it should trigger; undefined for a near miss, which must trigger none. */
  readonly ruleId?: RuleId;
  readonly region: string;
  readonly record: FixtureRecord;
}

/** How a file is damaged: cut in the middle, not gzip at all, or gzip of text that is not a CloudTrail log. */
export type CorruptionKind = 'truncated' | 'not-gzip' | 'bad-json';

/** A file to damage: the first file of `region` delivered at or after `at`. */
export interface Corruption {
  readonly region: string;
  readonly at: Date;
  /** @default 'truncated' */
  readonly kind?: CorruptionKind;
}

/** Options of {@link generateAccountLogFiles}. */
export interface GenerateOptions {
  /** Required by the `organization` layout. */
  readonly organizationId?: string;
  readonly accountId: string;
  /**
   * Governed regions, one file per region per interval. The first is the home region (the daily failed sign-in of
   * the noise is made there). Events of global services (IAM, sign-in, Organizations) go to the files of the
   * partition's global-events region (us-east-1 in `aws`) with `awsRegion` set to it, as the organization trail
   * files them: that region gets files of its own when it is not governed.
   */
  readonly regions: readonly string[];
  /** @default 'organization' */
  readonly layout?: LogLayout;
  /** What stands before `AWSLogs/`. @default the organization ID (organization layout), '' (account layout) */
  readonly keyPrefix?: string;
  /** First delivery is the first interval boundary after `from`. */
  readonly from: Date;
  /** Last delivery is at or before `to`. */
  readonly to: Date;
  /** Minutes between deliveries per region. @default 5 */
  readonly intervalMinutes?: number;
  /** Average noise records per file (each file varies ±50%). @default 20 */
  readonly recordsPerFile?: number;
  /** Events to add (from {@link plantedEvents} / {@link nearMissEvents}); each lands in its region's next file. */
  readonly plant?: readonly PlantedEvent[];
  /** No file is delivered at or after this time: the stale-delivery account. */
  readonly stopDeliveryAt?: Date;
  /** Files to damage, for the `LogFileUnreadable` finding. */
  readonly corrupt?: readonly Corruption[];
  /** Same seed, same files (keys, bodies). @default 1 */
  readonly seed?: number;
}

/** One generated log file. */
export interface GeneratedLogFile {
  readonly key: string;
  /** Gzipped `{"Records":[...]}` (or damaged bytes when `corrupt` is set). */
  readonly body: Buffer;
  readonly region: string;
  readonly deliveredAt: Date;
  readonly records: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
  readonly corrupt?: CorruptionKind;
}

type Rng = () => number;

const rngFrom: (seed: number) => Rng = seededRandom;

function hashSeed(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const hex = (rng: Rng, n: number) => {
  let text = '';
  for (let i = 0; i < n; i++) text += Math.floor(rng() * 16).toString(16);
  return text;
};
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz';
const chars = (rng: Rng, n: number, from: number) => {
  let text = '';
  for (let i = 0; i < n; i++) text += ALNUM[Math.floor(rng() * from)];
  return text;
};
const alnum = (rng: Rng, n: number) => chars(rng, n, ALNUM.length);
const upper = (rng: Rng, n: number) => chars(rng, n, 36);
const uuid = (rng: Rng) => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-a${hex(rng, 3)}-${hex(rng, 12)}`;

/** `2026-11-14T05:12:33Z`, CloudTrail's form. */
function eventTime(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

const USER_AGENTS = [
  'aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.102 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe command/ec2.describe-instances',
  'Boto3/1.35.10 md/Botocore#1.35.10 ua/2.0 os/linux#5.10.224-212.876.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.10',
  'aws-sdk-js/3.637.0 ua/2.1 os/linux#5.10.223-233.873.amzn2.x86_64 lang/js md/nodejs#20.17.0 api/s3#3.637.0',
  'aws-sdk-go-v2/1.30.4 ua/2.1 os/linux lang/go#1.22.6 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.177.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36',
  'AWS Internal',
  'Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.64.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.4',
];
const PUBLIC_IPS = ['203.0.113.10', '203.0.113.77', '198.51.100.23', '198.51.100.140', '192.0.2.55'];
const PEOPLE = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank'];
const IAM_USERS = ['ci-deployer', 'legacy-backup', 'reporting', 'break-glass'];

interface Scene {
  readonly rng: Rng;
  readonly accountId: string;
  readonly region: string;
  readonly time: Date;
}

function tls(region: string, service: string) {
  return {
    tlsVersion: 'TLSv1.3',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    clientProvidedHostHeader: `${service}.${region}.amazonaws.com`,
  };
}

function roleSuffix(accountId: string, name: string): string {
  return hex(rngFrom(hashSeed(`${accountId}/${name}`)), 16);
}

function ssoUser(s: Scene, person: string, permissionSet: string) {
  const role = `AWSReservedSSO_${permissionSet}_${roleSuffix(s.accountId, permissionSet)}`;
  return {
    type: 'AssumedRole',
    principalId: `AROA${upper(rngFrom(hashSeed(role)), 17)}:${person}@example.com`,
    arn: `arn:aws:sts::${s.accountId}:assumed-role/${role}/${person}@example.com`,
    accountId: s.accountId,
    accessKeyId: `ASIA${upper(s.rng, 16)}`,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: `AROA${upper(rngFrom(hashSeed(role)), 17)}`,
        arn: `arn:aws:iam::${s.accountId}:role/aws-reserved/sso.amazonaws.com/${role}`,
        accountId: s.accountId,
        userName: role,
      },
      webIdFederationData: {},
      attributes: { creationDate: eventTime(new Date(s.time.getTime() - 1_800_000)), mfaAuthenticated: 'false' },
    },
  };
}

function assumedRole(s: Scene, roleName: string, session: string, path = '') {
  return {
    type: 'AssumedRole',
    principalId: `AROA${upper(rngFrom(hashSeed(roleName)), 17)}:${session}`,
    arn: `arn:aws:sts::${s.accountId}:assumed-role/${roleName}/${session}`,
    accountId: s.accountId,
    accessKeyId: `ASIA${upper(s.rng, 16)}`,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: `AROA${upper(rngFrom(hashSeed(roleName)), 17)}`,
        arn: `arn:aws:iam::${s.accountId}:role/${path}${roleName}`,
        accountId: s.accountId,
        userName: roleName,
      },
      attributes: { creationDate: eventTime(new Date(s.time.getTime() - 600_000)), mfaAuthenticated: 'false' },
    },
  };
}

function iamUser(s: Scene, name: string) {
  return {
    type: 'IAMUser',
    principalId: `AIDA${upper(rngFrom(hashSeed(`${s.accountId}/${name}`)), 17)}`,
    arn: `arn:aws:iam::${s.accountId}:user/${name}`,
    accountId: s.accountId,
    accessKeyId: '',
    userName: name,
  };
}

function root(s: Scene, extra: Record<string, unknown> = {}) {
  return {
    type: 'Root',
    principalId: s.accountId,
    arn: `arn:aws:iam::${s.accountId}:root`,
    accountId: s.accountId,
    accessKeyId: '',
    ...extra,
  };
}

function awsService(service: string) {
  return { type: 'AWSService', invokedBy: service };
}

function appRole(s: Scene) {
  const name = pick(s.rng, [
    'orders-api-lambda-role',
    'batch-etl-task-role',
    'web-frontend-ec2-role',
    'reports-ecs-task',
  ]);
  return assumedRole(s, name, pick(s.rng, [`i-0${hex(s.rng, 16)}`, name.replace('-role', ''), `${hex(s.rng, 32)}`]));
}

function ctRole(s: Scene) {
  return pick(s.rng, [
    () => assumedRole(s, 'aws-controltower-ConfigRecorderRole', 'AWSConfig-Describe'),
    () => assumedRole(s, 'AWSControlTowerExecution', `AWSControlTower-${hex(s.rng, 8)}`),
    () => assumedRole(s, 'aws-controltower-ReadOnlyExecutionRole', `ct-audit-${hex(s.rng, 8)}`),
  ])();
}

function serviceLinked(s: Scene, service: string, name: string) {
  return assumedRole(s, name, name, `aws-service-role/${service}/`);
}

/** The fields every record has. */
function record(s: Scene, fields: Record<string, unknown>, service: string): FixtureRecord {
  const { userIdentity, eventSource, eventName, ...rest } = fields;
  return {
    eventVersion: '1.09',
    userIdentity,
    eventTime: eventTime(s.time),
    eventSource,
    eventName,
    awsRegion: s.region,
    sourceIPAddress: pick(s.rng, PUBLIC_IPS),
    userAgent: pick(s.rng, USER_AGENTS),
    requestParameters: null,
    responseElements: null,
    requestID: uuid(s.rng),
    eventID: uuid(s.rng),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: s.accountId,
    eventCategory: 'Management',
    tlsDetails: tls(s.region, service),
    ...rest,
  };
}

/** Ordinary activity; none of it may trigger a rule (a test holds the generator to that). */
const NOISE: ReadonlyArray<(s: Scene) => FixtureRecord> = [
  (s) =>
    record(
      s,
      {
        userIdentity: ssoUser(s, pick(s.rng, PEOPLE), pick(s.rng, ['ReadOnlyAccess', 'AWSAdministratorAccess'])),
        eventSource: 'ec2.amazonaws.com',
        eventName: pick(s.rng, ['DescribeInstances', 'DescribeSecurityGroups', 'DescribeVolumes', 'DescribeVpcs']),
        requestParameters: {
          maxResults: 1000,
          filterSet: { items: [{ name: 'instance-state-name', valueSet: { items: [{ value: 'running' }] } }] },
        },
        sessionCredentialFromConsole: 'true',
      },
      'ec2',
    ),
  (s) => {
    const bucket = `app-data-${s.accountId}-${s.region}`;
    return record(
      s,
      {
        userIdentity: appRole(s),
        eventSource: 's3.amazonaws.com',
        eventName: pick(s.rng, ['GetObject', 'PutObject', 'HeadObject']),
        sourceIPAddress: `10.${Math.floor(s.rng() * 255)}.${Math.floor(s.rng() * 255)}.${Math.floor(s.rng() * 255)}`,
        requestParameters: {
          bucketName: bucket,
          Host: `${bucket}.s3.${s.region}.amazonaws.com`,
          key: `in/${hex(s.rng, 12)}.json`,
        },
        additionalEventData: {
          bytesTransferredIn: 0,
          bytesTransferredOut: Math.floor(s.rng() * 90_000),
          'x-amz-id-2': alnum(s.rng, 60),
        },
        resources: [
          { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/in/` },
          { accountId: s.accountId, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
        ],
        eventCategory: 'Data',
        managementEvent: false,
      },
      's3',
    );
  },
  (s) =>
    record(
      s,
      {
        userIdentity: awsService('lambda.amazonaws.com'),
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        sourceIPAddress: 'lambda.amazonaws.com',
        userAgent: 'lambda.amazonaws.com',
        requestParameters: {
          roleArn: `arn:aws:iam::${s.accountId}:role/orders-api-lambda-role`,
          roleSessionName: 'orders-api',
          durationSeconds: 43200,
        },
        responseElements: {
          credentials: {
            accessKeyId: `ASIA${upper(s.rng, 16)}`,
            sessionToken: alnum(s.rng, 120),
            expiration: 'Nov 15, 2026, 5:00:00 PM',
          },
        },
        resources: [
          {
            accountId: s.accountId,
            type: 'AWS::IAM::Role',
            ARN: `arn:aws:iam::${s.accountId}:role/orders-api-lambda-role`,
          },
        ],
        sharedEventID: uuid(s.rng),
      },
      'sts',
    ),
  (s) =>
    record(
      s,
      {
        userIdentity: pick(s.rng, [() => appRole(s), () => awsService('s3.amazonaws.com')])(),
        eventSource: 'kms.amazonaws.com',
        eventName: pick(s.rng, ['Decrypt', 'GenerateDataKey']),
        requestParameters: {
          encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
          encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::app-data-${s.accountId}-${s.region}` },
        },
        resources: [
          {
            accountId: s.accountId,
            type: 'AWS::KMS::Key',
            ARN: `arn:aws:kms:${s.region}:${s.accountId}:key/${uuid(s.rng)}`,
          },
        ],
      },
      'kms',
    ),
  (s) =>
    record(
      s,
      {
        userIdentity: pick(s.rng, [() => appRole(s), () => ssoUser(s, pick(s.rng, PEOPLE), 'PowerUserAccess')])(),
        eventSource: 'lambda.amazonaws.com',
        eventName: pick(s.rng, ['ListFunctions20150331', 'GetFunction20150331v2', 'ListEventSourceMappings20150331']),
        requestParameters: s.rng() < 0.5 ? null : { functionName: 'orders-api' },
      },
      'lambda',
    ),
  (s) =>
    record(
      s,
      {
        userIdentity: pick(s.rng, [() => appRole(s), () => ctRole(s)])(),
        eventSource: 'monitoring.amazonaws.com',
        eventName: pick(s.rng, ['DescribeAlarms', 'GetMetricData', 'ListMetrics']),
        requestParameters: { maxRecords: 100, alarmNamePrefix: 'orders-' },
      },
      'monitoring',
    ),
  (s) =>
    record(
      s,
      {
        userIdentity: pick(s.rng, [
          () => serviceLinked(s, 'config.amazonaws.com', 'AWSServiceRoleForConfig'),
          () => ctRole(s),
        ])(),
        eventSource: 'config.amazonaws.com',
        eventName: pick(s.rng, ['PutEvaluations', 'DescribeConfigurationRecorders', 'DescribeConfigRules']),
        sourceIPAddress: 'config.amazonaws.com',
        userAgent: 'config.amazonaws.com',
        readOnly: false,
      },
      'config',
    ),
  (s) =>
    record(
      s,
      {
        userIdentity: ctRole(s),
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: pick(s.rng, ['DescribeTrails', 'GetTrailStatus', 'GetEventSelectors']),
        requestParameters: { trailNameList: [], includeShadowTrails: true },
      },
      'cloudtrail',
    ),
  (s) =>
    record(
      s,
      {
        userIdentity: appRole(s),
        eventSource: pick(s.rng, ['ssm.amazonaws.com', 'logs.amazonaws.com', 'dynamodb.amazonaws.com']),
        eventName: pick(s.rng, ['GetParameter', 'CreateLogStream', 'DescribeTable']),
        requestParameters: {
          name: `/orders/${pick(s.rng, ['db-url', 'feature-flags', 'api-key'])}`,
          withDecryption: true,
        },
      },
      'ssm',
    ),
  (s) =>
    // A service event: no userIdentity.type, no requestParameters.
    record(
      s,
      {
        userIdentity: { accountId: s.accountId, invokedBy: 'AWS Internal' },
        eventSource: 'kms.amazonaws.com',
        eventName: 'RotateKey',
        sourceIPAddress: 'AWS Internal',
        userAgent: 'AWS Internal',
        eventType: 'AwsServiceEvent',
        readOnly: false,
        requestID: undefined,
        tlsDetails: undefined,
        resources: [
          {
            accountId: s.accountId,
            type: 'AWS::KMS::Key',
            ARN: `arn:aws:kms:${s.region}:${s.accountId}:key/${uuid(s.rng)}`,
          },
        ],
        serviceEventDetails: { keyOrigin: 'AWS_KMS' },
      },
      'kms',
    ),
];

/** Rarer noise that looks alarming at a glance and must still trigger nothing. */
const RARE_NOISE: ReadonlyArray<(s: Scene) => FixtureRecord> = [
  (s) =>
    record(
      s,
      {
        userIdentity: ssoUser(s, pick(s.rng, PEOPLE), 'AWSAdministratorAccess'),
        eventSource: 'ec2.amazonaws.com',
        eventName: 'AuthorizeSecurityGroupIngress',
        readOnly: false,
        requestParameters: {
          groupId: `sg-0${hex(s.rng, 16)}`,
          ipPermissions: {
            items: [
              {
                ipProtocol: 'tcp',
                fromPort: 5432,
                toPort: 5432,
                groups: {},
                ipRanges: { items: [{ cidrIp: '10.0.0.0/8' }] },
                ipv6Ranges: {},
                prefixListIds: {},
              },
            ],
          },
        },
        responseElements: { requestId: uuid(s.rng), _return: true },
      },
      'ec2',
    ),
  (s) =>
    // Federated (IAM Identity Center) console sign-in: MFA happened at the identity provider, CloudTrail says No.
    record(
      s,
      {
        ...consoleLogin(ssoUser(s, pick(s.rng, PEOPLE), 'ReadOnlyAccess'), 'Success', 'No'),
        awsRegion: 'us-east-1',
        additionalEventData: { MobileVersion: 'No', MFAUsed: 'No' },
      },
      'signin',
    ),
  (s) =>
    record(
      s,
      { ...consoleLogin(iamUser(s, pick(s.rng, IAM_USERS)), 'Success', 'Yes'), awsRegion: 'us-east-1' },
      'signin',
    ),
  (s) =>
    // An AWS service acting for the root user (invokedBy): not root activity.
    record(
      s,
      {
        userIdentity: root(s, { invokedBy: 'support.amazonaws.com' }),
        eventSource: 'support.amazonaws.com',
        eventName: 'DescribeTrustedAdvisorChecks',
        sourceIPAddress: 'support.amazonaws.com',
        userAgent: 'support.amazonaws.com',
        awsRegion: 'us-east-1',
      },
      'support',
    ),
  (s) =>
    record(
      s,
      {
        userIdentity: serviceLinked(s, 'ops.apigateway.amazonaws.com', 'AWSServiceRoleForAPIGateway'),
        eventSource: 'ec2.amazonaws.com',
        eventName: 'AuthorizeSecurityGroupIngress',
        readOnly: false,
        requestParameters: {
          groupId: `sg-0${hex(s.rng, 16)}`,
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIp: '0.0.0.0/0',
        },
      },
      'ec2',
    ),
  (s) =>
    record(
      s,
      {
        userIdentity: ssoUser(s, pick(s.rng, PEOPLE), 'AWSAdministratorAccess'),
        eventSource: 's3.amazonaws.com',
        eventName: 'PutBucketPolicy',
        readOnly: false,
        requestParameters: {
          bucketName: `app-data-${s.accountId}-${s.region}`,
          policy: '',
          bucketPolicy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: `arn:aws:s3:::app-data-${s.accountId}-${s.region}/*`,
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${s.accountId}:role/reports-ecs-task` },
                Action: 's3:GetObject',
                Resource: `arn:aws:s3:::app-data-${s.accountId}-${s.region}/*`,
              },
            ],
          }),
        },
      },
      's3',
    ),
];

function deniedNoise(s: Scene): FixtureRecord {
  const ec2 = s.rng() < 0.5;
  return record(
    s,
    {
      userIdentity: pick(s.rng, [() => appRole(s), () => ssoUser(s, pick(s.rng, PEOPLE), 'ReadOnlyAccess')])(),
      eventSource: ec2 ? 'ec2.amazonaws.com' : 'iam.amazonaws.com',
      eventName: ec2 ? 'RunInstances' : 'ListRoles',
      errorCode: ec2 ? 'Client.UnauthorizedOperation' : 'AccessDenied',
      errorMessage: 'You are not authorized to perform this operation.',
      readOnly: !ec2,
    },
    ec2 ? 'ec2' : 'iam',
  );
}

/**
 * The fields of a console sign-in as CloudTrail logs it. A failure has no errorCode, only `errorMessage` and
 * `ConsoleLogin: Failure` in the response.
 */
function consoleLogin(
  userIdentity: FixtureRecord,
  outcome: 'Success' | 'Failure',
  mfaUsed: 'Yes' | 'No',
): FixtureRecord {
  return {
    userIdentity,
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    userAgent: USER_AGENTS[4],
    ...(outcome === 'Failure' ? { errorMessage: 'Failed authentication' } : {}),
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: outcome },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home',
      MobileVersion: 'No',
      MFAUsed: mfaUsed,
    },
  };
}

function failedSignInNoise(s: Scene, user: string): FixtureRecord {
  return record(s, { ...consoleLogin(iamUser(s, user), 'Failure', 'No'), awsRegion: 'us-east-1' }, 'signin');
}

/** Services whose events CloudTrail logs in the partition's global-events region, whichever region was asked. */
const GLOBAL_SOURCES = new Set(['iam.amazonaws.com', 'signin.amazonaws.com', 'organizations.amazonaws.com']);

/**
 * Whether a record belongs in the global-events region's file: an event of a global service (IAM, sign-in,
 * Organizations). Other records stay in their region's file whatever `awsRegion` they say (a Support call says
 * us-east-1), so that regions still vary inside one file, as the rules must bear.
 */
function isGlobalServiceEvent(record: FixtureRecord): boolean {
  return GLOBAL_SOURCES.has(String(record.eventSource));
}

function damage(body: Buffer, text: string, kind: CorruptionKind): Buffer {
  if (kind === 'truncated') return body.subarray(0, Math.max(10, Math.floor(body.length / 2)));
  if (kind === 'not-gzip')
    return Buffer.from(`<?xml version="1.0"?><Error><Code>Oops</Code></Error>${text.slice(0, 200)}`);
  // The records before the middle stay whole; the one after them is cut short and closed: valid gzip, bad JSON.
  const cut = text.lastIndexOf('{"eventVersion"', Math.floor(text.length / 2));
  return gzipSync(`${text.slice(0, Math.max(cut, 12))}{"eventVersion":"1.09","eventTime":}]}`);
}

/** Damages a generated body: for tests of the unreadable-file finding. */
export function corruptLogBody(body: Buffer, kind: CorruptionKind = 'truncated'): Buffer {
  return damage(body, '{"Records":[{"eventVersion":"1.09","eventTime":"2026-01-01T00:00:00Z"}]}', kind);
}

/**
 * Realistic CloudTrail files of one account: a file per region every `intervalMinutes` from `from` to `to`, each
 * `{"Records":[...]}` gzipped, keyed as CloudTrail keys them (organization or account layout). Noise varies
 * services (EC2, S3, STS, KMS, Lambda, CloudWatch, Config, CloudTrail, SSM, ...), principals (SSO users,
 * workload roles, AWS services with `invokedBy`, service-linked roles, Control Tower roles), source IPs, user
 * agents and regions (global services' events in the global-events region's files); none of it triggers a rule
 * at the default thresholds (at most one denied call per region and interval, one failed sign-in per IAM user every
 * four days).
 * Planted events and damaged files are added as asked. Lazy: one file at a time, so any volume can be written.
 */
export function* generateAccountLogFiles(options: GenerateOptions): Generator<GeneratedLogFile> {
  const layout = options.layout ?? 'organization';
  const location = {
    layout,
    keyPrefix: options.keyPrefix ?? (layout === 'organization' ? (options.organizationId ?? '') : ''),
    ...(options.organizationId ? { organizationId: options.organizationId } : {}),
  };
  const interval = (options.intervalMinutes ?? 5) * 60_000;
  const perFile = options.recordsPerFile ?? 20;
  const home = options.regions[0];
  // Global service events are logged in the partition's global-events region, as AWS files them (see eventRegions).
  const global = globalEventsRegion(partitionOf(home));
  const fileRegions =
    global === undefined || options.regions.includes(global) ? options.regions : [...options.regions, global];
  const stop = options.stopDeliveryAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const first = Math.floor(options.from.getTime() / interval) * interval + interval;
  const rng = rngFrom((options.seed ?? 1) ^ hashSeed(options.accountId));
  const pendingDamage = [...(options.corrupt ?? [])];

  for (let delivered = first; delivered <= options.to.getTime() && delivered < stop; delivered += interval) {
    // Every region's records first, then the files: an event of a global service lands in the global region's file,
    // which may come before the region whose scene made it.
    const byRegion = new Map<string, FixtureRecord[]>(fileRegions.map((region) => [region, []]));
    const place = (record: FixtureRecord, region: string) => {
      const target = global !== undefined && isGlobalServiceEvent(record) ? global : region;
      (byRegion.get(target) as FixtureRecord[]).push(target === region ? record : { ...record, awsRegion: target });
    };
    for (const region of options.regions) {
      const count = Math.max(1, Math.round(perFile * (0.5 + rng())));
      for (let i = 0; i < count; i++) {
        const time = new Date(delivered - interval + Math.floor(rng() * interval));
        const scene = { rng, accountId: options.accountId, region, time };
        const roll = rng();
        place(roll < 0.01 ? pick(rng, RARE_NOISE)(scene) : pick(rng, NOISE)(scene), region);
      }
      if (rng() < 0.3) {
        const time = new Date(delivered - Math.floor(rng() * interval));
        place(deniedNoise({ rng, accountId: options.accountId, region, time }), region);
      }
      // One failed sign-in a day at 07:35 UTC, by a different IAM user each day: far below any threshold.
      if (region === home && delivered % 86_400_000 === 7 * 3_600_000 + 35 * 60_000) {
        const day = Math.floor(delivered / 86_400_000);
        const time = new Date(delivered - 120_000);
        place(
          failedSignInNoise({ rng, accountId: options.accountId, region, time }, IAM_USERS[day % 4] as string),
          region,
        );
      }
    }
    for (const planted of options.plant ?? []) {
      const at = Date.parse(String(planted.record.eventTime));
      if (byRegion.has(planted.region) && at >= delivered - interval && at < delivered) {
        place(planted.record, planted.region);
      }
    }
    for (const region of fileRegions) {
      const records = byRegion.get(region) as FixtureRecord[];
      // CloudTrail delivers a region's file only when it has events; a governed region always has some here.
      if (records.length === 0) continue;
      records.sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)));

      const text = JSON.stringify({ Records: records });
      const deliveredAt = new Date(delivered);
      const key = logFileKey(location, options.accountId, region, deliveredAt, alnum(rng, 16));
      let body: Buffer = gzipSync(text);
      const damageIndex = pendingDamage.findIndex((d) => d.region === region && d.at.getTime() <= delivered);
      const kind = damageIndex >= 0 ? (pendingDamage[damageIndex]?.kind ?? 'truncated') : undefined;
      if (kind) {
        pendingDamage.splice(damageIndex, 1);
        body = damage(body, text, kind);
      }
      yield {
        key,
        body,
        region,
        deliveredAt,
        records: records.length,
        bytes: Buffer.byteLength(text),
        ...(kind ? { corrupt: kind } : {}),
      };
    }
  }
}

/** The person or workload who does the planted deeds: an SSO administrator. */
function actor(s: Scene) {
  return ssoUser(s, 'mallory', 'AWSAdministratorAccess');
}

function at(s: Scene, time: Date): Scene {
  return { ...s, time };
}

/** Options of {@link plantedEvents}. */
export interface PlantOptions {
  /** Events of the repeating rules: failed sign-ins (default 6) or denied calls (default 25). */
  readonly count?: number;
  /** The call fails with AccessDenied: an attempt (fires only for tampering and tooling rules). */
  readonly attempt?: boolean;
  readonly seed?: number;
}

/**
 * Events that trigger `ruleId` once (the repeating rules get enough events to cross their default thresholds,
 * spread over a few minutes after `at`). Pass them as `plant` to {@link generateAccountLogFiles}.
 */
export function plantedEvents(
  ruleId: RuleId,
  when: Date,
  accountId: string,
  region: string,
  options: PlantOptions = {},
): PlantedEvent[] {
  const rng = rngFrom((options.seed ?? 7) ^ hashSeed(`${ruleId}/${accountId}/${when.toISOString()}`));
  const s: Scene = { rng, accountId, region, time: when };
  const failure = options.attempt
    ? {
        errorCode: 'AccessDenied',
        errorMessage: `User is not authorized to perform this operation`,
        responseElements: null,
      }
    : {};
  const one = (fields: Record<string, unknown>, service: string): PlantedEvent[] => [
    { ruleId, region, record: record(s, { readOnly: false, ...fields, ...failure }, service) },
  ];
  switch (ruleId) {
    case 'root-activity':
      return one(consoleLogin(root(s), 'Success', 'Yes'), 'signin');
    case 'console-login-without-mfa':
      return one(consoleLogin(iamUser(s, 'legacy-backup'), 'Success', 'No'), 'signin');
    case 'console-login-failures':
      return Array.from({ length: options.count ?? 6 }, (_, i) => ({
        ruleId,
        region,
        record: failedSignInNoise(at(s, new Date(when.getTime() + i * 37_000)), 'reporting'),
      }));
    case 'cloudtrail-tampering':
      return one(
        {
          userIdentity: actor(s),
          eventSource: 'cloudtrail.amazonaws.com',
          eventName: 'StopLogging',
          requestParameters: {
            name: `arn:aws:cloudtrail:${region}:${accountId}:trail/aws-controltower-BaselineCloudTrail`,
          },
        },
        'cloudtrail',
      );
    case 'security-tooling-disabled':
      return one(
        {
          userIdentity: actor(s),
          eventSource: 'guardduty.amazonaws.com',
          eventName: 'DeleteDetector',
          requestParameters: { detectorId: hex(rng, 32) },
        },
        'guardduty',
      );
    case 'iam-user-or-key-created':
      return one(
        {
          userIdentity: actor(s),
          eventSource: 'iam.amazonaws.com',
          eventName: 'CreateUser',
          requestParameters: { userName: 'svc-shadow' },
          responseElements: {
            user: {
              path: '/',
              userName: 'svc-shadow',
              userId: `AIDA${upper(rng, 17)}`,
              arn: `arn:aws:iam::${accountId}:user/svc-shadow`,
              createDate: 'Nov 14, 2026, 5:00:00 AM',
            },
          },
        },
        'iam',
      );
    case 'security-group-open-to-world':
      return one(
        {
          userIdentity: actor(s),
          eventSource: 'ec2.amazonaws.com',
          eventName: 'AuthorizeSecurityGroupIngress',
          requestParameters: {
            groupId: `sg-0${hex(rng, 16)}`,
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: 22,
                  toPort: 22,
                  groups: {},
                  ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] },
                  ipv6Ranges: {},
                  prefixListIds: {},
                },
              ],
            },
          },
          responseElements: { requestId: uuid(rng), _return: true },
        },
        'ec2',
      );
    case 's3-bucket-made-public':
      return one(
        {
          userIdentity: actor(s),
          eventSource: 's3.amazonaws.com',
          eventName: 'PutBucketPolicy',
          requestParameters: {
            bucketName: `app-data-${accountId}-${region}`,
            policy: '',
            bucketPolicy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: '*',
                  Action: 's3:GetObject',
                  Resource: `arn:aws:s3:::app-data-${accountId}-${region}/*`,
                },
              ],
            },
          },
        },
        's3',
      );
    case 'kms-key-disabled':
      return one(
        {
          userIdentity: actor(s),
          eventSource: 'kms.amazonaws.com',
          eventName: 'ScheduleKeyDeletion',
          requestParameters: { keyId: `arn:aws:kms:${region}:${accountId}:key/${uuid(rng)}`, pendingWindowInDays: 7 },
        },
        'kms',
      );
    case 'access-denied-burst': {
      const identity = assumedRole(s, 'web-frontend-ec2-role', `i-0${hex(rng, 16)}`);
      const calls = [
        ['iam', 'ListUsers', 'AccessDenied'],
        ['s3', 'ListBuckets', 'AccessDenied'],
        ['secretsmanager', 'GetSecretValue', 'AccessDeniedException'],
        ['ec2', 'DescribeInstances', 'Client.UnauthorizedOperation'],
      ] as const;
      return Array.from({ length: options.count ?? 25 }, (_, i) => {
        const [service, eventName, errorCode] = pick(rng, calls);
        return {
          ruleId,
          region,
          record: record(
            at(s, new Date(when.getTime() + i * 11_000)),
            {
              userIdentity: identity,
              eventSource: `${service}.amazonaws.com`,
              eventName,
              errorCode,
              errorMessage: 'User is not authorized to perform this operation',
            },
            service,
          ),
        };
      });
    }
  }
}

/**
 * Events that look alarming and must trigger no rule: a failed root sign-in, a security group opened to
 * 10.0.0.0/8, a bucket policy for one role, a failed CreateUser, a service-linked role opening a group, an AWS
 * service acting for root. For the demo's "near misses stay quiet" and for tests.
 */
export function nearMissEvents(when: Date, accountId: string, region: string, seed = 11): PlantedEvent[] {
  const rng = rngFrom(seed ^ hashSeed(`near/${accountId}/${when.toISOString()}`));
  const s: Scene = { rng, accountId, region, time: when };
  const records: FixtureRecord[] = [
    record(s, consoleLogin(root(s), 'Failure', 'No'), 'signin'),
    record(
      s,
      {
        userIdentity: actor(s),
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        readOnly: false,
        errorCode: 'AccessDenied',
        errorMessage:
          'User is not authorized to perform: iam:CreateUser with an explicit deny in a service control policy',
        requestParameters: { userName: 'svc-shadow' },
      },
      'iam',
    ),
    ...RARE_NOISE.map((make) => make(s)),
    ...ruleNearMisses(s),
  ];
  return records.map((item) => ({ region, record: item }));
}

/**
 * Near misses of the tampering, tooling, bucket and group rules: a call that failed without being refused (it changed
 * nothing: no attempt), a GuardDuty detector switched on, Macie's call of GuardDuty's name, all four public access
 * blocks put on, a group rule changed to a private range.
 */
function ruleNearMisses(s: Scene): FixtureRecord[] {
  const { rng, accountId, region } = s;
  return [
    record(
      s,
      {
        userIdentity: actor(s),
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'DeleteTrail',
        readOnly: false,
        errorCode: 'TrailNotFoundException',
        errorMessage: `Unknown trail: arn:aws:cloudtrail:${region}:${accountId}:trail/old-app-trail for the user: ${accountId}`,
        requestParameters: { name: 'old-app-trail' },
      },
      'cloudtrail',
    ),
    record(
      s,
      {
        userIdentity: actor(s),
        eventSource: 'guardduty.amazonaws.com',
        eventName: 'UpdateDetector',
        readOnly: false,
        requestParameters: { detectorId: hex(rng, 32), enable: true, findingPublishingFrequency: 'FIFTEEN_MINUTES' },
      },
      'guardduty',
    ),
    record(
      s,
      {
        userIdentity: actor(s),
        eventSource: 'macie2.amazonaws.com',
        eventName: 'DisassociateFromAdministratorAccount',
        readOnly: false,
      },
      'macie2',
    ),
    record(
      s,
      {
        userIdentity: actor(s),
        eventSource: 's3.amazonaws.com',
        eventName: 'PutBucketPublicAccessBlock',
        readOnly: false,
        requestParameters: {
          publicAccessBlock: '',
          bucketName: `app-data-${accountId}-${region}`,
          PublicAccessBlockConfiguration: {
            xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        },
      },
      's3',
    ),
    record(
      s,
      {
        userIdentity: actor(s),
        eventSource: 'ec2.amazonaws.com',
        eventName: 'ModifySecurityGroupRules',
        readOnly: false,
        requestParameters: {
          ModifySecurityGroupRulesRequest: {
            GroupId: `sg-0${hex(rng, 16)}`,
            SecurityGroupRule: {
              SecurityGroupRuleId: `sgr-0${hex(rng, 16)}`,
              SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '10.0.0.0/8' },
            },
          },
        },
        responseElements: { ModifySecurityGroupRulesResponse: { requestId: uuid(rng), return: true } },
      },
      'ec2',
    ),
  ];
}
