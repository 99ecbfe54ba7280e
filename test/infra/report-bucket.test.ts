import { isDeepStrictEqual } from 'node:util';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { allPolicyStatements, asList, bucketArn, objectsArn, onlyLogicalIdOf, refersTo, synthesize } from './support';

describe('Report bucket', () => {
  let template: Template;
  let bucketId: string;

  beforeAll(() => {
    ({ template } = synthesize({ reportRetentionDays: 180 }));
    bucketId = onlyLogicalIdOf(template, 'AWS::S3::Bucket');
  });

  test('Compliance: encrypted at rest', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: Match.stringLikeRegexp('^(AES256|aws:kms)$') },
          }),
        ],
      },
    });
  });

  test('Compliance: versioned', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
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
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('Noncompliance 1: no policy allows anything on the bucket outside runs/', () => {
    const runsOnlyListing = { StringLike: { 's3:prefix': ['runs/*'] } };
    const outside = allPolicyStatements(template).filter(
      ({ statement }) =>
        statement.Effect === 'Allow' &&
        asList(statement.Resource).some(
          (resource) =>
            refersTo(resource, bucketId) &&
            !isDeepStrictEqual(resource, objectsArn(bucketId, 'runs/*')) &&
            !(
              isDeepStrictEqual(resource, bucketArn(bucketId)) &&
              isDeepStrictEqual(statement.Condition, runsOnlyListing)
            ),
        ),
    );
    expect(outside).toEqual([]);
  });
});
