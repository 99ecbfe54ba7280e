import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  type GetObjectCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { AccountSession, CheckContext, CheckState } from '../../../functions/checks/types';
import type { CloudTrailRecord } from '../../../functions/cloudtrail/record';
import { parseSettings, type SettingsInput } from '../../../functions/lib/settings';
import type { RunInfo } from '../../../functions/lib/types';

/** A plain, harmless CloudTrail record (an SSO user describing instances); override what the test is about. */
export function ctRecord(overrides: Record<string, unknown> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:alice@example.com',
      arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AWSAdministratorAccess_0123456789abcdef/alice@example.com',
      accountId: '111122223333',
      accessKeyId: 'ASIAEXAMPLE',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AWSAdministratorAccess_0123456789abcdef',
          accountId: '111122223333',
          userName: 'AWSReservedSSO_AWSAdministratorAccess_0123456789abcdef',
        },
        attributes: { creationDate: '2026-11-14T09:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: '2026-11-14T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.17.20',
    requestParameters: null,
    responseElements: null,
    requestID: 'req-1',
    eventID: 'evt-1',
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
    ...overrides,
  } as CloudTrailRecord;
}

/** The identity of an IAM user. */
export function iamUserIdentity(name = 'bob') {
  return {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLE',
    arn: `arn:aws:iam::111122223333:user/${name}`,
    accountId: '111122223333',
    accessKeyId: '',
    userName: name,
  };
}

/** The identity of the root user. */
export const rootIdentity = {
  type: 'Root',
  principalId: '111122223333',
  arn: 'arn:aws:iam::111122223333:root',
  accountId: '111122223333',
  accessKeyId: '',
};

/** A service-linked role's identity. */
export const serviceLinkedIdentity = {
  type: 'AssumedRole',
  principalId: 'AROASLR:AWSServiceRoleForConfig',
  arn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForConfig/AWSConfig',
  accountId: '111122223333',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      arn: 'arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig',
      userName: 'AWSServiceRoleForConfig',
    },
  },
};

/** A gzipped CloudTrail log file (`level` 0: stored, its size known from the text's). */
export function logFile(records: readonly unknown[], level?: number): Buffer {
  return gzipSync(JSON.stringify({ Records: records }), level === undefined ? {} : { level });
}

/** Settings with an organization, a home region and a Log Archive account. */
export function testSettings(overrides: SettingsInput = {}) {
  return parseSettings({
    organizationId: 'o-abcdefghij',
    homeRegion: 'eu-west-1',
    logArchive: { accountId: '222233334444' },
    ...overrides,
  });
}

const RUN: RunInfo = {
  id: 'run-1',
  mode: 'audit',
  checks: ['cloudtrail-delivery', 'cloudtrail-events'],
  role: 'readOnly',
  startedAt: '2026-11-14T12:00:00.000Z',
  maxConcurrency: 40,
  failOnIssues: true,
  reportLocation: 'audit-reports/run-1/',
};

/** Options of {@link checkContext}. */
export interface ContextOptions {
  readonly settings?: ReturnType<typeof parseSettings>;
  readonly now: Date;
  readonly accountId?: string;
  /** What `logArchive()` throws instead of returning a session. */
  readonly logArchiveError?: Error;
  /** What `ensure()` rejects with. */
  readonly ensureError?: Error;
  /** State kept across runs (the cursors). */
  readonly state?: CheckState;
  /** The checks' deadline (epoch ms); a getter works too. @default a minute from now */
  readonly deadline?: () => number;
  readonly run?: Partial<RunInfo>;
}

/**
 * State documents in memory, as Audit Account keeps them: what a check puts is pending until `commit()` (Audit
 * Account writes it after the account record).
 */
export class MemoryCheckState implements CheckState {
  readonly documents = new Map<string, string>();
  readonly pending = new Map<string, string>();

  async get<T>(name: string): Promise<T | undefined> {
    const text = this.documents.get(name);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  put(name: string, value: unknown): void {
    this.pending.set(name, JSON.stringify(value));
  }

  commit(): void {
    for (const [name, text] of this.pending) this.documents.set(name, text);
    this.pending.clear();
  }
}

/** A check context whose Log Archive session has a real S3Client (intercepted by `mockClient(S3Client)`). */
export function checkContext(options: ContextOptions): { context: CheckContext; s3: S3Client } {
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const settings = options.settings ?? testSettings();
  const session: AccountSession = {
    accountId: settings.logArchive.accountId ?? '222233334444',
    roleArn: `arn:aws:iam::${settings.logArchive.accountId ?? '222233334444'}:role/aws-controltower-ReadOnlyExecutionRole`,
    sessionName: 'ct-audit-run-1',
    sts: () => {
      throw new Error('the CloudTrail checks do not use STS');
    },
    s3: () => s3,
    client: () => {
      throw new Error('the CloudTrail checks use S3 only');
    },
    ensure: async () => {
      if (options.ensureError) throw options.ensureError;
    },
  };
  const deadline = Date.now() + 60_000;
  const context: CheckContext = {
    accountId: options.accountId ?? '111122223333',
    run: { ...RUN, ...options.run },
    settings,
    now: () => options.now,
    regions: settings.regions.length > 0 ? settings.regions : [settings.homeRegion ?? 'us-east-1'],
    get deadline() {
      return options.deadline ? options.deadline() : deadline;
    },
    ...(options.state ? { state: options.state } : {}),
    target: { ...session, accountId: options.accountId ?? '111122223333' },
    logArchive: () => {
      if (options.logArchiveError) throw options.logArchiveError;
      return session;
    },
  };
  return { context, s3 };
}

/** An error as the SDK throws it: the service's error code as `name`. */
export function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Options of {@link serveBucket}. */
export interface BucketOptions {
  /** Keys per ListObjectsV2 page. @default 1000 */
  readonly pageSize?: number;
  /** Extra GetObject output fields (SSE-KMS headers, ...). */
  readonly getExtras?: Record<string, unknown>;
}

/**
 * Makes a mocked S3 answer ListObjectsV2 (prefix, StartAfter, continuation, sorted keys) and GetObject (a streamed
 * body) from an in-memory bucket.
 */
export function serveBucket(
  mock: AwsClientStub<S3Client>,
  bucket: string,
  objects: ReadonlyMap<string, Buffer>,
  options: BucketOptions = {},
): void {
  const pageSize = options.pageSize ?? 1000;
  const keys = [...objects.keys()].sort();
  mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
    if (input.Bucket !== bucket) throw awsError('NoSuchBucket', 'The specified bucket does not exist');
    const after = input.ContinuationToken ?? input.StartAfter ?? '';
    const matching = keys.filter((key) => key.startsWith(input.Prefix ?? '') && key > after);
    const page = matching.slice(0, pageSize);
    const truncated = matching.length > pageSize;
    return {
      Contents: page.map((Key) => ({ Key, Size: objects.get(Key)?.length })),
      KeyCount: page.length,
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: page[page.length - 1] } : {}),
    };
  });
  mock.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
    const body = input.Key === undefined ? undefined : objects.get(input.Key);
    if (!body) throw awsError('NoSuchKey', 'The specified key does not exist.');
    // Split like a socket would, so that the streaming path is what is tested.
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < body.length; offset += 1024) pieces.push(body.subarray(offset, offset + 1024));
    return { Body: sdkStreamMixin(Readable.from(pieces)), ContentLength: body.length, ...options.getExtras };
  });
}
