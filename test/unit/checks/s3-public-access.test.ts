import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type PublicAccessBlockConfiguration,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MAX_LISTED_BUCKETS, s3PublicAccessCheck } from '../../../functions/checks/s3-public-access';
import { ACCOUNT, awsError, stateContext } from './current-state-helpers';

const s3Mock = mockClient(S3Client);
const controlMock = mockClient(S3ControlClient);

const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const ALL_OFF = {
  BlockPublicAcls: false,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}
const PUBLIC_READ = {
  Sid: 'PublicRead',
  Effect: 'Allow',
  Principal: '*',
  Action: 's3:GetObject',
  Resource: 'arn:aws:s3:::b/*',
};

interface BucketSpec {
  readonly region?: string;
  readonly block?: PublicAccessBlockConfiguration;
  readonly grants?: string[];
  readonly policy?: string;
  readonly website?: boolean;
}

/** Serves the account's Block Public Access (undefined: none set) and these buckets. */
function account(block: PublicAccessBlockConfiguration | undefined, buckets: Record<string, BucketSpec> = {}) {
  if (block) controlMock.on(GetAccountBlockCommand).resolves({ PublicAccessBlockConfiguration: block });
  else controlMock.on(GetAccountBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration'));
  s3Mock.on(ListBucketsCommand).resolves({ Buckets: Object.keys(buckets).map((Name) => ({ Name })) });
  for (const [Bucket, spec] of Object.entries(buckets)) {
    s3Mock.on(GetBucketLocationCommand, { Bucket }).resolves({
      ...(spec.region && spec.region !== 'us-east-1' ? { LocationConstraint: spec.region as never } : {}),
    });
    if (spec.block)
      s3Mock.on(GetPublicAccessBlockCommand, { Bucket }).resolves({ PublicAccessBlockConfiguration: spec.block });
    else s3Mock.on(GetPublicAccessBlockCommand, { Bucket }).rejects(awsError('NoSuchPublicAccessBlockConfiguration'));
    s3Mock.on(GetBucketAclCommand, { Bucket }).resolves({
      Grants: [
        { Grantee: { Type: 'CanonicalUser', ID: 'owner' }, Permission: 'FULL_CONTROL' },
        ...(spec.grants ?? []).map((URI) => ({
          Grantee: { Type: 'Group' as const, URI },
          Permission: 'READ' as const,
        })),
      ],
    });
    if (spec.policy) s3Mock.on(GetBucketPolicyCommand, { Bucket }).resolves({ Policy: spec.policy });
    else s3Mock.on(GetBucketPolicyCommand, { Bucket }).rejects(awsError('NoSuchBucketPolicy'));
    if (spec.website)
      s3Mock.on(GetBucketWebsiteCommand, { Bucket }).resolves({ IndexDocument: { Suffix: 'index.html' } });
    else s3Mock.on(GetBucketWebsiteCommand, { Bucket }).rejects(awsError('NoSuchWebsiteConfiguration'));
  }
}

beforeEach(() => {
  s3Mock.reset();
  controlMock.reset();
});

describe('s3-public-access', () => {
  test('Compliance: account Block Public Access all on — PASS without reading each bucket', async () => {
    account(ALL_ON, { 'public-looking': { policy: policy(PUBLIC_READ), grants: [ALL_USERS] } });

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result).toEqual({
      status: 'PASS',
      message: 'the account Block Public Access voids public ACLs and policies of every bucket',
    });
    expect(controlMock).toHaveReceivedCommandWith(GetAccountBlockCommand, { AccountId: ACCOUNT });
    expect(s3Mock).not.toHaveReceivedCommand(ListBucketsCommand);
  });

  test('Noncompliance: no account Block Public Access at all is a finding with the four settings as evidence', async () => {
    account(undefined, { private: {} });

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.status).toBe('FAIL');
    expect(result.findings).toEqual([
      {
        rule: 's3-public-access/account-block-off',
        severity: 'MEDIUM',
        title: 'Account-level S3 Block Public Access is not fully on',
        resource: { type: 'AwsS3AccountPublicAccessBlock', id: ACCOUNT, region: 'global' },
        evidence: {
          blockPublicAcls: false,
          ignorePublicAcls: false,
          blockPublicPolicy: false,
          restrictPublicBuckets: false,
        },
      },
    ]);
  });

  test('Noncompliance: a policy open to Principal "*" — the bucket, its region, the statement and the website flag', async () => {
    account(ALL_OFF, { 'app-data': { region: 'eu-west-1', policy: policy(PUBLIC_READ), website: true } });

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.status).toBe('FAIL');
    expect(result.findings).toContainEqual({
      rule: 's3-public-access/bucket-public',
      severity: 'HIGH',
      title: 'app-data policy statement PublicRead allows everyone (eu-west-1)',
      resource: {
        type: 'AwsS3Bucket',
        id: 'app-data',
        region: 'eu-west-1',
        arn: 'arn:aws:s3:::app-data',
        part: 'policy/PublicRead',
      },
      evidence: { via: 'policy', statementSid: 'PublicRead', website: true },
    });
  });

  test('Noncompliance: an ACL grant to AllUsers, and { AWS: "*" } in a statement without Sid', async () => {
    account(ALL_OFF, {
      acl: { grants: [ALL_USERS] },
      aws: { policy: policy({ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: 's3:*', Resource: '*' }) },
    });

    const result = await s3PublicAccessCheck.run(stateContext());

    const buckets = (result.findings ?? []).filter((finding) => finding.rule === 's3-public-access/bucket-public');
    expect(buckets.map((finding) => [finding.resource?.id, finding.evidence])).toEqual(
      expect.arrayContaining([
        ['acl', { via: 'acl', grantee: 'AllUsers', website: false }],
        ['aws', { via: 'policy', statementSid: '#0', website: false }],
      ]),
    );
    expect(buckets).toHaveLength(2);
  });

  test.each([
    ['aws:PrincipalOrgID', { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } }],
    ['aws:SourceVpce', { StringEquals: { 'aws:sourcevpce': 'vpce-1a2b3c4d' } }],
    ['aws:SourceIp', { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } }],
    ['aws:PrincipalAccount', { StringEquals: { 'aws:PrincipalAccount': ['444455556666'] } }],
  ])('Near miss: a Principal "*" statement narrowed by %s is not public', async (_, Condition) => {
    account(ALL_OFF, { narrowed: { policy: policy({ ...PUBLIC_READ, Condition }) } });

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.findings?.map((finding) => finding.rule)).toEqual(['s3-public-access/account-block-off']);
  });

  test('Still public: a condition on a key that narrows nothing, or on aws:PrincipalOrgID "*"', async () => {
    account(ALL_OFF, {
      useragent: { policy: policy({ ...PUBLIC_READ, Condition: { StringLike: { 'aws:UserAgent': 'curl*' } } }) },
      wildcard: { policy: policy({ ...PUBLIC_READ, Condition: { StringLike: { 'aws:PrincipalOrgID': '*' } } }) },
    });

    const result = await s3PublicAccessCheck.run(stateContext());

    const ids = (result.findings ?? [])
      .filter((f) => f.rule === 's3-public-access/bucket-public')
      .map((f) => f.resource?.id);
    expect(ids.sort()).toEqual(['useragent', 'wildcard']);
  });

  test('Near miss: Deny statements and policies for named principals are not public', async () => {
    account(ALL_OFF, {
      deny: { policy: policy({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }) },
      role: { policy: policy({ ...PUBLIC_READ, Principal: { AWS: 'arn:aws:iam::444455556666:role/reader' } }) },
    });

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.findings?.map((finding) => finding.rule)).toEqual(['s3-public-access/account-block-off']);
  });

  test('Near miss: the account RestrictPublicBuckets voids a public policy; the ACL is still read', async () => {
    account({ ...ALL_OFF, RestrictPublicBuckets: true }, { 'app-data': { policy: policy(PUBLIC_READ) } });

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.findings?.map((finding) => finding.rule)).toEqual(['s3-public-access/account-block-off']);
    expect(s3Mock).not.toHaveReceivedCommand(GetBucketPolicyCommand);
    expect(s3Mock).toHaveReceivedCommand(GetBucketAclCommand);
  });

  test("Near miss: the bucket's own IgnorePublicAcls and RestrictPublicBuckets void its ACL and policy", async () => {
    account(ALL_OFF, {
      guarded: {
        block: { ...ALL_OFF, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        grants: [ALL_USERS],
        policy: policy(PUBLIC_READ),
      },
    });

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.findings?.map((finding) => finding.rule)).toEqual(['s3-public-access/account-block-off']);
  });

  test('BlockPublicPolicy alone does not void a policy that is already there (AWS applies it to new policies)', async () => {
    account(ALL_OFF, { 'app-data': { block: { ...ALL_OFF, BlockPublicPolicy: true }, policy: policy(PUBLIC_READ) } });

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.findings?.map((finding) => finding.rule)).toContain('s3-public-access/bucket-public');
  });

  test('Each bucket is read in its own region', async () => {
    account(ALL_OFF, { 'in-eu': { region: 'eu-west-1' }, 'in-us': {} });

    await s3PublicAccessCheck.run(stateContext());

    const regions = await Promise.all(
      s3Mock
        .commandCalls(GetBucketAclCommand)
        .map(async (call) => [call.args[0].input.Bucket, await (call.thisValue as S3Client).config.region()]),
    );
    expect(regions.sort()).toEqual([
      ['in-eu', 'eu-west-1'],
      ['in-us', 'us-east-1'],
    ]);
  });

  test('A bucket that cannot be read: the others count, and the gap is said', async () => {
    account({ ...ALL_ON, RestrictPublicBuckets: false }, { open: { policy: policy(PUBLIC_READ) }, locked: {} });
    s3Mock.on(GetBucketPolicyCommand, { Bucket: 'locked' }).rejects(awsError('AccessDenied', 'no'));

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.status).toBe('FAIL');
    expect(result.message).toMatch(/partial: bucket locked: ACCESS_DENIED$/);
    expect(result.findings?.map((finding) => finding.rule)).toEqual([
      's3-public-access/bucket-public',
      's3-public-access/account-block-off',
      's3-public-access/incomplete',
    ]);
  });

  test('The website flag cannot be read: the public finding stays, the website is unknown and says why', async () => {
    account(ALL_OFF, { 'app-data': { policy: policy(PUBLIC_READ) } });
    s3Mock.on(GetBucketWebsiteCommand, { Bucket: 'app-data' }).rejects(awsError('AccessDenied', 'no website read'));

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.status).toBe('FAIL');
    expect(result.message).not.toMatch(/partial/);
    expect(result.findings?.map((finding) => finding.rule)).toEqual([
      's3-public-access/bucket-public',
      's3-public-access/account-block-off',
    ]);
    expect(result.findings?.[0]).toMatchObject({
      severity: 'HIGH',
      resource: { id: 'app-data', part: 'policy/PublicRead' },
      evidence: { via: 'policy', statementSid: 'PublicRead', website: null, websiteError: 'ACCESS_DENIED' },
      detail: 'website unknown: AccessDenied: no website read',
    });
  });

  test('The website flag reached by the deadline: the public finding stays, the website unknown (TIMEOUT)', async () => {
    account(ALL_OFF, { 'app-data': { policy: policy(PUBLIC_READ) } });
    const deadline = Date.now() + 300;
    s3Mock.on(GetBucketWebsiteCommand, { Bucket: 'app-data' }).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, deadline - Date.now() + 10));
      throw awsError('AbortError', 'Request aborted');
    });

    const result = await s3PublicAccessCheck.run(stateContext({ deadline }));

    expect(result.status).toBe('FAIL');
    expect(result.findings?.[0]).toMatchObject({
      rule: 's3-public-access/bucket-public',
      evidence: { website: null, websiteError: 'TIMEOUT' },
    });
  });

  test('Throttling on the website flag is thrown, as for every other call, so that the workflow retries', async () => {
    account(ALL_OFF, { 'app-data': { policy: policy(PUBLIC_READ) } });
    s3Mock.on(GetBucketWebsiteCommand, { Bucket: 'app-data' }).rejects(awsError('SlowDown', 'Please reduce'));

    await expect(s3PublicAccessCheck.run(stateContext())).rejects.toMatchObject({ name: 'SlowDown' });
  });

  test('Buckets that cannot be read are named in the order listed, not the order they failed in', async () => {
    const names = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
    account(ALL_OFF, Object.fromEntries(names.map((name) => [name, {}])));
    // The last listed fails first: a run named whichever failed first, and so other buckets each run.
    names.forEach((Bucket, index) => {
      s3Mock.on(GetBucketLocationCommand, { Bucket }).callsFake(async () => {
        await new Promise((resolve) => setTimeout(resolve, (names.length - index) * 15));
        throw awsError('AccessDenied', `no ${Bucket}`);
      });
    });

    const result = await s3PublicAccessCheck.run(stateContext());

    const gaps = (result.findings ?? []).filter((finding) => finding.rule === 's3-public-access/incomplete');
    expect(gaps.map((finding) => finding.resource?.part)).toEqual([
      's3-public-access: bucket b0',
      's3-public-access: bucket b1',
      's3-public-access: bucket b2',
      's3-public-access: bucket b3',
      's3-public-access: bucket b4',
      's3-public-access: more buckets not checked',
    ]);
    expect(gaps[5]?.evidence).toEqual({ gap: 'error', what: '2 more buckets', errorKind: 'ACCESS_DENIED' });
    expect(gaps[5]?.detail).toBe('AccessDenied: no b5');
  });

  describe('the bucket list', () => {
    test('is read page by page, and the region ListBuckets gives is used without GetBucketLocation', async () => {
      account(ALL_OFF, {
        first: { region: 'eu-west-1', policy: policy(PUBLIC_READ) },
        second: { grants: [ALL_USERS] },
      });
      const asked: object[] = [];
      s3Mock.on(ListBucketsCommand).callsFake(async (input) => {
        asked.push({ ...input }); // a copy: the paginator sets the token on the same input object page after page
        return input.ContinuationToken === 'page-2'
          ? { Buckets: [{ Name: 'second' }] }
          : { Buckets: [{ Name: 'first', BucketRegion: 'eu-west-1' }], ContinuationToken: 'page-2' };
      });

      const result = await s3PublicAccessCheck.run(stateContext());

      expect(result.status).toBe('FAIL');
      const ids = (result.findings ?? []).filter((f) => f.rule === 's3-public-access/bucket-public');
      expect(ids.map((f) => [f.resource?.id, f.resource?.region]).sort()).toEqual([
        ['first', 'eu-west-1'],
        ['second', 'us-east-1'],
      ]);
      expect(asked).toEqual([{ MaxBuckets: 1000 }, { MaxBuckets: 1000, ContinuationToken: 'page-2' }]);
      // The region of `first` came with the list; only `second` (none given) asks GetBucketLocation.
      expect(s3Mock.commandCalls(GetBucketLocationCommand).map((call) => call.args[0].input.Bucket)).toEqual([
        'second',
      ]);
    });

    test(`is bounded at ${MAX_LISTED_BUCKETS} buckets: the rest is a gap, never a PASS`, async () => {
      account(ALL_ON);
      controlMock.on(GetAccountBlockCommand).resolves({ PublicAccessBlockConfiguration: ALL_OFF });
      // An account with no end of buckets: every page full, every page with a next one.
      let page = 0;
      s3Mock.on(ListBucketsCommand).callsFake(async () => {
        const at = page++ * 1000;
        const Buckets = Array.from({ length: 1000 }, (_, i) => ({ Name: `b-${at + i}`, BucketRegion: 'us-east-1' }));
        return { Buckets, ContinuationToken: `page-${page}` };
      });
      s3Mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: ALL_ON });

      const result = await s3PublicAccessCheck.run(stateContext());

      expect(s3Mock).toHaveReceivedCommandTimes(ListBucketsCommand, MAX_LISTED_BUCKETS / 1000);
      expect(s3Mock).toHaveReceivedCommandTimes(GetPublicAccessBlockCommand, MAX_LISTED_BUCKETS);
      expect(result.status).toBe('FAIL'); // account-block-off
      expect(result.message).toMatch(`; partial: buckets after the first ${MAX_LISTED_BUCKETS} not checked (bound)`);
      const gap = result.findings?.find((f) => f.rule === 's3-public-access/incomplete');
      expect(gap?.resource?.part).toBe('s3-public-access: buckets past the listing bound');
      expect(gap?.title).toBe(`Not checked, past what one run reads: buckets after the first ${MAX_LISTED_BUCKETS}`);
      expect(gap?.evidence).toMatchObject({ gap: 'bound' });
    });

    test('cut short by the deadline between pages is a gap; the buckets listed count as not checked', async () => {
      account(ALL_OFF, { a: {} });
      const deadline = Date.now() + 200;
      s3Mock.on(ListBucketsCommand).callsFake(async () => {
        await new Promise((resolve) => setTimeout(resolve, deadline - Date.now() + 10));
        return { Buckets: [{ Name: 'a', BucketRegion: 'us-east-1' }], ContinuationToken: 'page-2' };
      });

      const result = await s3PublicAccessCheck.run(stateContext({ deadline }));

      expect(s3Mock).toHaveReceivedCommandTimes(ListBucketsCommand, 1);
      expect(result.status).toBe('FAIL'); // account-block-off is still found
      expect(result.message).toMatch(
        /partial: the bucket list after 1 buckets not checked \(deadline\), 1 of 1 buckets not checked \(deadline\)$/,
      );
    });

    test('failing on a later page: the buckets of the pages before are still checked', async () => {
      account(ALL_OFF, { open: { policy: policy(PUBLIC_READ) } });
      s3Mock
        .on(ListBucketsCommand)
        .resolvesOnce({ Buckets: [{ Name: 'open' }], ContinuationToken: 'page-2' })
        .rejectsOnce(awsError('AccessDenied', 'not this page'));

      const result = await s3PublicAccessCheck.run(stateContext());

      expect(result.status).toBe('FAIL');
      expect(result.findings?.map((f) => f.rule)).toEqual([
        's3-public-access/bucket-public',
        's3-public-access/account-block-off',
        's3-public-access/incomplete',
      ]);
      expect(result.message).toMatch(/partial: the bucket list after 1 buckets: ACCESS_DENIED$/);
    });

    test('throttled while listing: thrown, so that the workflow retries the account', async () => {
      account(ALL_OFF, { a: {} });
      s3Mock
        .on(ListBucketsCommand)
        .resolvesOnce({ Buckets: [{ Name: 'a' }], ContinuationToken: 'page-2' })
        .rejectsOnce(awsError('SlowDown', 'Please reduce'));

      await expect(s3PublicAccessCheck.run(stateContext())).rejects.toMatchObject({ name: 'SlowDown' });
    });
  });

  test('The account setting cannot be read: ERROR, not PASS', async () => {
    controlMock.on(GetAccountBlockCommand).rejects(awsError('AccessDenied', 'denied'));

    const result = await s3PublicAccessCheck.run(stateContext());

    expect(result.status).toBe('ERROR');
    expect(result.error).toEqual({ kind: 'ACCESS_DENIED', message: 'AccessDenied: denied' });
  });

  test('Deadline: buckets not read before it are counted in the message', async () => {
    account(ALL_OFF, { a: {}, b: {} });

    const result = await s3PublicAccessCheck.run(stateContext({ deadline: Date.now() - 1 }));

    expect(result.status).toBe('ERROR');
    expect(result.error?.kind).toBe('TIMEOUT');
    expect(result.message).toMatch(/the account Block Public Access not checked \(deadline\)/);
  });
});
