import { s3BucketMadePublic } from '../../../../functions/cloudtrail/rules/s3-bucket-made-public';
import { ctRecord } from '../helpers';

const s3 = (eventName: string, requestParameters: unknown, overrides: Record<string, unknown> = {}) =>
  ctRecord({ eventSource: 's3.amazonaws.com', eventName, readOnly: false, requestParameters, ...overrides });

const policy = (statement: unknown) => ({ Version: '2012-10-17', Statement: statement });
const allow = (principal: unknown, extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 's3:GetObject',
  Resource: 'arn:aws:s3:::reports/*',
  ...extra,
});
const putPolicy = (bucketPolicy: unknown) => s3('PutBucketPolicy', { bucketName: 'reports', policy: '', bucketPolicy });

describe('s3-bucket-made-public', () => {
  test('Noncompliance 1: a policy object allowing Principal "*"', () => {
    expect(s3BucketMadePublic.evaluate(putPolicy(policy([allow('*')])))).toMatchObject({
      rule: 's3-bucket-made-public',
      severity: 'HIGH',
      detail: 'reports: bucket policy allows Principal "*"',
    });
  });

  test('Noncompliance 2: the policy as a string, with {"AWS": "*"} and a single statement object', () => {
    expect(s3BucketMadePublic.evaluate(putPolicy(JSON.stringify(policy(allow({ AWS: '*' })))))).toBeDefined();
  });

  test('Noncompliance 3: {"AWS": ["*"]}', () => {
    expect(
      s3BucketMadePublic.evaluate(putPolicy(policy([allow({ AWS: ['arn:aws:iam::1:root', '*'] })]))),
    ).toBeDefined();
  });

  test('Noncompliance 4: a condition that does not restrict who (TLS only)', () => {
    const tlsOnly = allow('*', { Condition: { Bool: { 'aws:SecureTransport': 'true' } } });

    expect(s3BucketMadePublic.evaluate(putPolicy(policy([tlsOnly])))).toBeDefined();
  });

  test('Noncompliance 5: a grant to AllUsers in the ACL body', () => {
    const acl = {
      bucketName: 'reports',
      acl: '',
      AccessControlPolicy: {
        AccessControlList: {
          Grant: [
            { Grantee: { 'xsi:type': 'CanonicalUser', ID: 'abc' }, Permission: 'FULL_CONTROL' },
            {
              Grantee: { 'xsi:type': 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' },
              Permission: 'READ',
            },
          ],
        },
      },
    };

    expect(s3BucketMadePublic.evaluate(s3('PutBucketAcl', acl))?.detail).toBe(
      'reports: ACL grant to AllUsers/AuthenticatedUsers',
    );
  });

  test('Noncompliance 6: a canned public-read ACL header, as a list', () => {
    expect(
      s3BucketMadePublic.evaluate(s3('PutBucketAcl', { bucketName: 'reports', acl: '', 'x-amz-acl': ['public-read'] }))
        ?.detail,
    ).toBe('reports: canned ACL public-read');
  });

  test('Noncompliance 7: a grant header to AuthenticatedUsers', () => {
    const header = {
      bucketName: 'reports',
      'x-amz-grant-read': 'uri=http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
    };

    expect(s3BucketMadePublic.evaluate(s3('PutBucketAcl', header))).toBeDefined();
  });

  test.each(['DeleteBucketPublicAccessBlock', 'DeletePublicAccessBlock', 'DeleteAccountPublicAccessBlock'])(
    'Noncompliance 8: %s',
    (eventName) => {
      expect(s3BucketMadePublic.evaluate(s3(eventName, { bucketName: 'reports', publicAccessBlock: '' }))?.detail).toBe(
        'reports: public access block deleted',
      );
    },
  );

  test('Noncompliance 9: PutBucketPublicAccessBlock turning blocks off (booleans or strings)', () => {
    const lifted = s3('PutBucketPublicAccessBlock', {
      bucketName: 'reports',
      PublicAccessBlockConfiguration: {
        xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: 'false',
        RestrictPublicBuckets: false,
      },
    });

    expect(s3BucketMadePublic.evaluate(lifted)?.detail).toBe(
      'reports: public access block off: BlockPublicPolicy, RestrictPublicBuckets',
    );
  });

  const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
  const OMITTED = 'a put replaces the whole configuration, so each one left out is off';

  test.each([
    [
      'an empty configuration lifts all four',
      { xmlns: XMLNS },
      `public access block off: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets (none set in the request: ${OMITTED})`,
    ],
    [
      'an empty element logged as ""',
      '',
      `public access block off: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets (none set in the request: ${OMITTED})`,
    ],
    [
      'only the ACL blocks sent: the policy blocks are off',
      { xmlns: XMLNS, BlockPublicAcls: true, IgnorePublicAcls: true },
      `public access block off: BlockPublicPolicy, RestrictPublicBuckets (BlockPublicPolicy, RestrictPublicBuckets not set in the request: ${OMITTED})`,
    ],
    [
      'one false, one left out',
      { BlockPublicAcls: true, IgnorePublicAcls: 'TRUE', BlockPublicPolicy: false },
      `public access block off: BlockPublicPolicy, RestrictPublicBuckets (RestrictPublicBuckets not set in the request: ${OMITTED})`,
    ],
  ])('Noncompliance 10: PutBucketPublicAccessBlock with %s', (_name, configuration, why) => {
    const put = s3('PutBucketPublicAccessBlock', {
      bucketName: 'reports',
      PublicAccessBlockConfiguration: configuration,
    });

    expect(s3BucketMadePublic.evaluate(put)?.detail).toBe(`reports: ${why}`);
  });

  test.each(['PutAccountPublicAccessBlock', 'PutPublicAccessBlock'])(
    'Noncompliance 11: %s sending only BlockPublicPolicy lifts the other three for the account',
    (eventName) => {
      const put = s3(eventName, { PublicAccessBlockConfiguration: { BlockPublicPolicy: true } });

      expect(s3BucketMadePublic.evaluate(put)).toMatchObject({
        detail: `public access block off: BlockPublicAcls, IgnorePublicAcls, RestrictPublicBuckets (BlockPublicAcls, IgnorePublicAcls, RestrictPublicBuckets not set in the request: ${OMITTED})`,
        resource: { type: 'AwsS3AccountPublicAccessBlock', id: '111122223333', region: 'global' },
      });
    },
  );

  test('Compliance 6: a put whose event does not show the configuration cannot be judged', () => {
    expect(s3BucketMadePublic.evaluate(s3('PutBucketPublicAccessBlock', { bucketName: 'reports' }))).toBeUndefined();
    expect(s3BucketMadePublic.evaluate(s3('PutBucketPublicAccessBlock', null))).toBeUndefined();
  });

  test('Compliance 1: a bucket policy with a specific principal', () => {
    expect(
      s3BucketMadePublic.evaluate(putPolicy(policy([allow({ AWS: 'arn:aws:iam::111122223333:role/reports' })]))),
    ).toBeUndefined();
  });

  test('Compliance 2: Deny with Principal "*" (the usual TLS-only statement)', () => {
    const deny = {
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };

    expect(s3BucketMadePublic.evaluate(putPolicy(JSON.stringify(policy([deny]))))).toBeUndefined();
  });

  test('Compliance 3: Principal "*" restricted to the organization', () => {
    const orgOnly = allow('*', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } } });

    expect(s3BucketMadePublic.evaluate(putPolicy(policy([orgOnly])))).toBeUndefined();
  });

  test('Compliance 4: all four blocks on, a private ACL, an unparsable policy string', () => {
    const allOn = {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    };
    expect(
      s3BucketMadePublic.evaluate(s3('PutBucketPublicAccessBlock', { PublicAccessBlockConfiguration: allOn })),
    ).toBeUndefined();
    expect(
      s3BucketMadePublic.evaluate(s3('PutBucketAcl', { bucketName: 'r', 'x-amz-acl': ['private'] })),
    ).toBeUndefined();
    expect(s3BucketMadePublic.evaluate(putPolicy('{not json'))).toBeUndefined();
  });

  test('Compliance 5: a refused PutBucketPolicy', () => {
    const refused = s3(
      'PutBucketPolicy',
      { bucketName: 'reports', bucketPolicy: policy([allow('*')]) },
      { errorCode: 'AccessDenied' },
    );

    expect(s3BucketMadePublic.evaluate(refused)).toBeUndefined();
  });
});
