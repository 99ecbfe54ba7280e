import { isDeepStrictEqual } from 'node:util';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import {
  allPolicyStatements,
  asList,
  bucketArn,
  keyPolicyStatements,
  logicalIdsOf,
  objectsArn,
  refersTo,
  reportBucketIdOf,
  reportKeyIdOf,
  type Statement,
  synthesize,
} from './support';

describe('Report bucket', () => {
  let template: Template;
  let bucketId: string;

  beforeAll(() => {
    ({ template } = synthesize({ reportRetentionDays: 180 }));
    bucketId = reportBucketIdOf(template);
  });

  test('Compliance: encrypted at rest with its own KMS key, one data key per object', () => {
    const keyId = reportKeyIdOf(template);

    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
            BucketKeyEnabled: false,
          },
        ],
      },
    });
  });

  test('Compliance: the key rotates and is kept when the stack is deleted', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
    });
  });

  test('Compliance: Object Lock in governance mode for reportRetentionDays', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 180 } },
      },
    });
  });

  test('Compliance: server access logs go to a log bucket of their own, encrypted, TLS only, kept', () => {
    const logBucketId = logicalIdsOf(template, 'AWS::S3::Bucket').find((id) => id !== bucketId) as string;

    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      LoggingConfiguration: { DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: 'report-bucket/' },
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' } }),
        ]),
      },
    });
  });

  test('Compliance: only the S3 logging service may write or delete access logs', () => {
    const logBucketId = logicalIdsOf(template, 'AWS::S3::Bucket').find((id) => id !== bucketId) as string;

    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'OnlyS3LoggingWritesAccessLogs',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObject'],
            Resource: objectsArn(logBucketId, '*'),
            Condition: { StringNotEquals: { 'aws:PrincipalServiceName': 'logging.s3.amazonaws.com' } },
          },
        ]),
      },
    });
  });

  test('Compliance: versioned', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  test('Compliance: every kind of public access blocked and ACLs disabled', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  test('Compliance: the bucket policy denies every request without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('Compliance: reports expire after reportRetentionDays, old versions after 30 days, failed uploads are aborted', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Status: 'Enabled',
            ExpirationInDays: 180,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: Match.anyValue() },
          }),
        ]),
      },
    });
  });

  test('Compliance: kept when the stack is deleted', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ ObjectLockEnabled: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('Noncompliance 1: no policy allows anything on the bucket outside runs/ and state/', () => {
    const folders = ['runs/*', 'state/cloudtrail-cursors/*', 'state/last-run/*'];
    // Record Account Error lists the account records it may keep (runs/*/accounts/*), inside runs/.
    const listings = [...folders, 'runs/*/accounts/*'].map((folder) => ({ StringLike: { 's3:prefix': [folder] } }));
    // Resolve Targets writes targets.json, Publish Report report.html, the account functions the records.
    const allowedObjects = [...folders, 'runs/*/targets.json', 'runs/*/report.html', 'runs/*/accounts/*'].map(
      (pattern) => objectsArn(bucketId, pattern),
    );
    const outside = allPolicyStatements(template).filter(
      ({ statement }) =>
        statement.Effect === 'Allow' &&
        asList(statement.Resource).some(
          (resource) =>
            refersTo(resource, bucketId) &&
            !allowedObjects.some((allowed) => isDeepStrictEqual(resource, allowed)) &&
            !(
              isDeepStrictEqual(resource, bucketArn(bucketId)) &&
              listings.some((listing) => isDeepStrictEqual(statement.Condition, listing))
            ),
        ),
    );
    expect(outside).toEqual([]);
  });
});

describe('Report key policy', () => {
  const READER = 'arn:aws:iam::111111111111:role/SecurityReader';
  let template: Template;
  let keyStatements: Statement[];

  beforeAll(() => {
    ({ template } = synthesize({ reportReaders: [READER] }));
    keyStatements = keyPolicyStatements(template);
  });

  const uses = (statement: Statement) =>
    asList(statement.Action).some((action) =>
      /^kms:(Decrypt|Encrypt|ReEncrypt|GenerateDataKey|CreateGrant|\*)/.test(action),
    );

  test('Compliance: the account administers the key but cannot use it or grant its use', () => {
    const accountStatements = keyStatements.filter((statement) =>
      JSON.stringify(statement.Principal).includes(':root'),
    );

    expect(accountStatements).toHaveLength(1);
    expect(uses(accountStatements[0] as Statement)).toBe(false);
    expect(asList(accountStatements[0]?.Action)).toEqual(expect.arrayContaining(['kms:Put*', 'kms:Describe*']));
  });

  test('Compliance: every statement that uses the key names roles and goes through S3 in this account or for the readers', () => {
    const using = keyStatements.filter(uses);

    expect(using.length).toBeGreaterThan(0);
    for (const statement of using) {
      expect(JSON.stringify(statement.Principal)).not.toContain(':root');
      expect(JSON.stringify(statement.Principal)).not.toContain('"*"');
      expect(statement.Condition?.StringEquals?.['kms:ViaService']).toBeDefined();
      expect(statement.Condition?.StringLike?.['kms:EncryptionContext:aws:s3:arn']).toBeDefined();
    }
  });

  test('Compliance: a named reader may decrypt run files through S3, read and list them, nothing else', () => {
    const bucketId = reportBucketIdOf(template);
    const forReader = [...allPolicyStatements(template).map(({ statement }) => statement), ...keyStatements].filter(
      (statement) => asList((statement.Principal as { AWS?: unknown } | undefined)?.AWS).includes(READER),
    );

    expect(forReader.flatMap((statement) => asList(statement.Action)).sort()).toEqual([
      'kms:Decrypt',
      's3:GetObject',
      's3:ListBucket',
    ]);
    expect(forReader.find((statement) => asList(statement.Action).includes('s3:GetObject'))?.Resource).toEqual(
      objectsArn(bucketId, 'runs/*'),
    );
  });

  test('Noncompliance 1: without readers, only the stack roles may decrypt', () => {
    const { template: noReaders } = synthesize();
    const decrypting = keyPolicyStatements(noReaders).filter((statement) =>
      asList(statement.Action).includes('kms:Decrypt'),
    );

    expect(JSON.stringify(decrypting)).not.toContain('SecurityReader');
    expect(decrypting.length).toBeGreaterThan(0);
  });
});
