import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  AssumeRoleError,
  AUDIT_SESSION_ACTIONS,
  AUDIT_SESSION_POLICY,
  roleArn,
  SessionCache,
  sessionName,
} from '../../../functions/lib/assume-role';
import { deferred } from '../../support/unit-deferred';

const sts = mockClient(STSClient);

const T0 = Date.parse('2030-01-01T00:00:00Z');
const MINUTE = 60_000;
const ARN = 'arn:aws:iam::111111111111:role/aws-controltower-ReadOnlyExecutionRole';
const OTHER_ARN = 'arn:aws:iam::222222222222:role/aws-controltower-ReadOnlyExecutionRole';
const SESSION = 'ct-audit-run-1';

function stsError(name: string, message = `${name} from STS`): STSServiceException {
  return new STSServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

function credentials(key: string, expiresAt = T0 + 15 * MINUTE) {
  return {
    Credentials: {
      AccessKeyId: key,
      SecretAccessKey: `secret-${key}`,
      SessionToken: `token-${key}`,
      Expiration: new Date(expiresAt),
    },
  };
}

/** A clock the test moves by hand. */
function clock(start = T0) {
  let time = start;
  return { now: () => time, set: (at: number) => (time = at) };
}

async function rejection(promise: Promise<unknown>): Promise<AssumeRoleError> {
  try {
    await promise;
  } catch (error) {
    return error as AssumeRoleError;
  }
  throw new Error('the promise resolved');
}

beforeEach(() => sts.reset());

describe('sessionName', () => {
  const VALID = /^[\w+=,.@-]{2,64}$/;

  test('names the run after the ct-audit prefix', () => {
    expect(sessionName('run-1')).toBe('ct-audit-run-1');
  });

  test('replaces characters outside [\\w+=,.@-] with -', () => {
    expect(sessionName('run 1/2:3*4')).toBe('ct-audit-run-1-2-3-4');
  });

  test('keeps the characters STS allows', () => {
    expect(sessionName('a_b+c=d,e.f@g-h')).toBe('ct-audit-a_b+c=d,e.f@g-h');
  });

  test('a long run ID gives a name of exactly 64 characters', () => {
    const name = sessionName('x'.repeat(80));

    expect(name).toHaveLength(64);
    expect(name).toMatch(VALID);
  });

  test('a long run ID keeps its unique end and the prefix', () => {
    const runId = `${'a'.repeat(70)}-unique-end-42`;

    const name = sessionName(runId);

    expect(name.startsWith('ct-audit-')).toBe(true);
    expect(name.endsWith('-unique-end-42')).toBe(true);
  });

  test('two long run IDs that differ only at the end get different names', () => {
    const base = 'b'.repeat(75);

    expect(sessionName(`${base}-1`)).not.toBe(sessionName(`${base}-2`));
  });

  test('a run ID of exactly the room left is kept whole', () => {
    const runId = 'r'.repeat(64 - 'ct-audit-'.length);

    expect(sessionName(runId)).toBe(`ct-audit-${runId}`);
  });

  test('an empty run ID still gives a valid name of at least 2 characters', () => {
    expect(sessionName('')).toMatch(VALID);
  });

  test('a long run ID of characters STS rejects still gives a valid name', () => {
    expect(sessionName('é/'.repeat(60))).toMatch(VALID);
  });
});

describe('roleArn', () => {
  test('builds the role ARN in the given partition', () => {
    expect(roleArn('111111111111', 'aws-controltower-ReadOnlyExecutionRole', 'aws-cn')).toBe(
      'arn:aws-cn:iam::111111111111:role/aws-controltower-ReadOnlyExecutionRole',
    );
  });
});

describe('SessionCache', () => {
  test('sends AssumeRole with the role, the session name and a 15-minute session', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials('K1'));
    const cache = new SessionCache(new STSClient({}));

    await cache.credentials(ARN, SESSION);

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ARN,
      RoleSessionName: SESSION,
      DurationSeconds: 900,
    });
  });

  test('passes the audit session policy on every AssumeRole, target and Log Archive alike', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials('K1'));
    const cache = new SessionCache(new STSClient({}));

    await cache.credentials(ARN, SESSION);
    await cache.credentials(OTHER_ARN, SESSION);

    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sts).toHaveReceivedNthCommandWith(1, AssumeRoleCommand, { RoleArn: ARN, Policy: AUDIT_SESSION_POLICY });
    expect(sts).toHaveReceivedNthCommandWith(2, AssumeRoleCommand, {
      RoleArn: OTHER_ARN,
      Policy: AUDIT_SESSION_POLICY,
    });
  });

  test('passes the policy it was given instead (the remediation path brings its own)', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials('K1'));
    const own = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ec2:RevokeSecurityGroupIngress'], Resource: '*' }],
    });
    const cache = new SessionCache(new STSClient({}), Date.now, own);

    await cache.credentials(ARN, SESSION);

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { Policy: own });
  });
});

describe('AUDIT_SESSION_POLICY', () => {
  const policy = JSON.parse(AUDIT_SESSION_POLICY);
  const actions: string[] = policy.Statement.flatMap((statement: { Action: string[] }) => statement.Action);

  test('allows exactly the listed actions, each named in full (no wildcard, no Deny to reason about)', () => {
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0].Effect).toBe('Allow');
    expect(actions).toEqual([...AUDIT_SESSION_ACTIONS]);
    for (const action of actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
  });

  test('allows what identity and the CloudTrail checks call', () => {
    expect(actions).toEqual(
      expect.arrayContaining(['sts:GetCallerIdentity', 's3:ListBucket', 's3:GetObject', 'kms:Decrypt']),
    );
  });

  test('allows the read calls of the current-state checks, and no write', () => {
    expect(actions).toEqual(
      expect.arrayContaining([
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSecurityGroupRules',
        'ec2:GetManagedPrefixListEntries',
        'ec2:DescribeRegions',
        's3:ListAllMyBuckets',
        's3:GetBucketLocation',
        's3:GetBucketAcl',
        's3:GetBucketPolicy',
        's3:GetBucketPublicAccessBlock',
        's3:GetBucketWebsite',
        's3:GetAccountPublicAccessBlock',
        'kms:ListKeys',
        'kms:DescribeKey',
        'kms:ListResourceTags',
        'guardduty:ListDetectors',
        'guardduty:GetDetector',
        'config:DescribeConfigurationRecorders',
        'config:DescribeConfigurationRecorderStatus',
        'securityhub:DescribeHub',
      ]),
    );
    for (const action of actions) expect(action).toMatch(/:(Get|List|Describe|Decrypt)/);
  });

  test('fits the 2,048 characters STS allows a session policy', () => {
    expect(AUDIT_SESSION_POLICY.length).toBeLessThanOrEqual(2048);
  });
});

describe('SessionCache bound', () => {
  const arnOf = (n: number) => roleArn(String(n).padStart(12, '0'), 'aws-controltower-ReadOnlyExecutionRole');

  test('keeps at most the given number of sessions, dropping the least recently used', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials('K1'));
    const cache = new SessionCache(new STSClient({}), Date.now, AUDIT_SESSION_POLICY, 3);

    await cache.credentials(arnOf(1), SESSION);
    await cache.credentials(arnOf(2), SESSION);
    await cache.credentials(arnOf(3), SESSION);
    await cache.credentials(arnOf(1), SESSION); // used again: now the most recent
    await cache.credentials(arnOf(4), SESSION); // drops 2, the least recently used

    expect(cache.size).toBe(3);
    await cache.credentials(arnOf(1), SESSION);
    await cache.credentials(arnOf(3), SESSION);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 4);
    await cache.credentials(arnOf(2), SESSION);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 5);
  });

  test('a whole organization audited through one cache holds a bounded number of sessions', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials('K1'));
    const cache = new SessionCache(new STSClient({}));

    for (let n = 1; n <= 1000; n++) await cache.credentials(arnOf(n), SESSION);

    expect(cache.size).toBe(256);
  });
});

describe('SessionCache caching', () => {
  test('returns the credentials STS gave', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials('K1'));
    const cache = new SessionCache(new STSClient({}));

    const result = await cache.credentials(ARN, SESSION);

    expect(result).toEqual({
      accessKeyId: 'K1',
      secretAccessKey: 'secret-K1',
      sessionToken: 'token-K1',
      expiration: new Date(T0 + 15 * MINUTE),
    });
  });

  test('assumes a role once for the same role and session, then answers from the cache', async () => {
    sts.on(AssumeRoleCommand).resolvesOnce(credentials('K1')).resolves(credentials('K2'));
    const cache = new SessionCache(new STSClient({}), clock().now);

    await cache.credentials(ARN, SESSION);
    const second = await cache.credentials(ARN, SESSION);

    expect(second.accessKeyId).toBe('K1');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  test('callers that find the same expired session share one renewal', async () => {
    sts.on(AssumeRoleCommand).resolvesOnce(credentials('K1')).resolves(credentials('K2'));
    const time = clock();
    const cache = new SessionCache(new STSClient({}), time.now);
    await cache.credentials(ARN, SESSION);
    time.set(T0 + 14 * MINUTE);

    const renewed = await Promise.all([1, 2, 3].map(() => cache.credentials(ARN, SESSION)));

    expect(renewed.map((result) => result.accessKeyId)).toEqual(['K2', 'K2', 'K2']);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  test('another role is assumed on its own', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials('K1'));
    const cache = new SessionCache(new STSClient({}), clock().now);

    await cache.credentials(ARN, SESSION);
    await cache.credentials(OTHER_ARN, SESSION);

    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sts).toHaveReceivedNthCommandWith(2, AssumeRoleCommand, { RoleArn: OTHER_ARN });
    expect(cache.size).toBe(2);
  });

  test('another session name for the same role is assumed on its own', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials('K1'));
    const cache = new SessionCache(new STSClient({}), clock().now);

    await cache.credentials(ARN, SESSION);
    await cache.credentials(ARN, 'ct-audit-run-2');

    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  test('keeps the session until 2 minutes before it expires', async () => {
    sts.on(AssumeRoleCommand).resolvesOnce(credentials('K1')).resolves(credentials('K2'));
    const time = clock();
    const cache = new SessionCache(new STSClient({}), time.now);
    await cache.credentials(ARN, SESSION);

    time.set(T0 + 13 * MINUTE - 1);
    const result = await cache.credentials(ARN, SESSION);

    expect(result.accessKeyId).toBe('K1');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  test('renews the session within 2 minutes of its expiry', async () => {
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(credentials('K1'))
      .resolves(credentials('K2', T0 + 30 * MINUTE));
    const time = clock();
    const cache = new SessionCache(new STSClient({}), time.now);
    await cache.credentials(ARN, SESSION);

    time.set(T0 + 13 * MINUTE);
    const result = await cache.credentials(ARN, SESSION);

    expect(result.accessKeyId).toBe('K2');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  test('the renewed session is cached in turn', async () => {
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(credentials('K1'))
      .resolvesOnce(credentials('K2', T0 + 30 * MINUTE))
      .resolves(credentials('K3', T0 + 45 * MINUTE));
    const time = clock();
    const cache = new SessionCache(new STSClient({}), time.now);
    await cache.credentials(ARN, SESSION);
    time.set(T0 + 14 * MINUTE);
    await cache.credentials(ARN, SESSION);

    const result = await cache.credentials(ARN, SESSION);

    expect(result.accessKeyId).toBe('K2');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  test('concurrent callers share one AssumeRole', async () => {
    const { promise, resolve } = deferred<ReturnType<typeof credentials>>();
    sts.on(AssumeRoleCommand).callsFake(() => promise);
    const cache = new SessionCache(new STSClient({}), clock().now);

    const first = cache.credentials(ARN, SESSION);
    const second = cache.credentials(ARN, SESSION);
    resolve(credentials('K1'));

    await expect(Promise.all([first, second])).resolves.toEqual([
      expect.objectContaining({ accessKeyId: 'K1' }),
      expect.objectContaining({ accessKeyId: 'K1' }),
    ]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  test('a failed assume is not cached: the next call tries again', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(stsError('AccessDenied')).resolves(credentials('K1'));
    const cache = new SessionCache(new STSClient({}), clock().now);
    await rejection(cache.credentials(ARN, SESSION));

    const result = await cache.credentials(ARN, SESSION);

    expect(result.accessKeyId).toBe('K1');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  test('a failed assume leaves no session behind', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied'));
    const cache = new SessionCache(new STSClient({}), clock().now);

    await rejection(cache.credentials(ARN, SESSION));

    expect(cache.size).toBe(0);
  });

  test('AccessDenied becomes AssumeRoleFailed carrying the STS error name as its code', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 'not authorized to perform sts:AssumeRole'));
    const cache = new SessionCache(new STSClient({}));

    const error = await rejection(cache.credentials(ARN, SESSION));

    expect(error).toBeInstanceOf(AssumeRoleError);
    expect(error).toMatchObject({ name: 'AssumeRoleFailed', code: 'AccessDenied', roleArn: ARN });
  });

  test('the message names the role and the STS message', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 'not authorized to perform sts:AssumeRole'));
    const cache = new SessionCache(new STSClient({}));

    const error = await rejection(cache.credentials(ARN, SESSION));

    expect(error.message).toBe(`cannot assume ${ARN}: not authorized to perform sts:AssumeRole`);
  });

  test('the STS error is kept as the cause', async () => {
    const denied = stsError('AccessDenied');
    sts.on(AssumeRoleCommand).rejects(denied);
    const cache = new SessionCache(new STSClient({}));

    const error = await rejection(cache.credentials(ARN, SESSION));

    expect(error.cause).toBe(denied);
  });

  test('a ThrottlingException keeps its name so that the workflow retries it', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('ThrottlingException', 'Rate exceeded'));
    const cache = new SessionCache(new STSClient({}));

    const error = await rejection(cache.credentials(ARN, SESSION));

    expect(error).toMatchObject({ name: 'ThrottlingException', code: 'ThrottlingException' });
  });

  test('the query protocol throttle name Throttling is kept too', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('Throttling', 'Rate exceeded'));
    const cache = new SessionCache(new STSClient({}));

    const error = await rejection(cache.credentials(ARN, SESSION));

    expect(error.name).toBe('Throttling');
  });

  test('an answer without credentials is a failure to assume', async () => {
    sts.on(AssumeRoleCommand).resolves({});
    const cache = new SessionCache(new STSClient({}));

    const error = await rejection(cache.credentials(ARN, SESSION));

    expect(error).toMatchObject({ name: 'AssumeRoleFailed', message: expect.stringContaining('no credentials') });
  });
});
