import {
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  blockBucketPublicAccess,
  isCloudFrontOrigin,
} from '../../../functions/remediations/block-bucket-public-access';
import { actionContext, findings, settingsWith, targetOf } from '../../support/remediation-factories';

const s3 = mockClient(S3Client);
const missing = (name: string) => new S3ServiceException({ name, message: name, $fault: 'client', $metadata: {} });

function givenBucket(options: { block?: Record<string, boolean>; website?: boolean; policy?: object } = {}) {
  if (options.block) s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: options.block });
  else s3.on(GetPublicAccessBlockCommand).rejects(missing('NoSuchPublicAccessBlockConfiguration'));
  if (options.website) s3.on(GetBucketWebsiteCommand).resolves({ IndexDocument: { Suffix: 'index.html' } });
  else s3.on(GetBucketWebsiteCommand).rejects(missing('NoSuchWebsiteConfiguration'));
  if (options.policy) s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(options.policy) });
  else s3.on(GetBucketPolicyCommand).rejects(missing('NoSuchBucketPolicy'));
  s3.on(GetBucketTaggingCommand).rejects(missing('NoSuchTagSet'));
}

const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

describe('block-bucket-public-access', () => {
  beforeEach(() => s3.reset());

  it('sees a fully blocked bucket as compliant', async () => {
    givenBucket({ block: ALL_ON });

    const inspection = await blockBucketPublicAccess.inspect(targetOf(findings.bucketPublic()), actionContext());

    expect(inspection.compliant).toBe(true);
  });

  it('leaves a website bucket to a person', async () => {
    givenBucket({ website: true });

    const inspection = await blockBucketPublicAccess.inspect(targetOf(findings.bucketPublic()), actionContext());

    expect(inspection.needsPerson).toMatch(/static website/);
  });

  it.each([
    ['origin access control', { Service: 'cloudfront.amazonaws.com' }],
    [
      'origin access identity',
      { AWS: 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHEXAMPLE' },
    ],
  ])('leaves a CloudFront origin (%s) to a person', async (_, principal) => {
    givenBucket({
      policy: { Statement: [{ Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: '*' }] },
    });

    const inspection = await blockBucketPublicAccess.inspect(targetOf(findings.bucketPublic()), actionContext());

    expect(inspection.needsPerson).toMatch(/CloudFront origin/);
  });

  it('does not take a public policy for a CloudFront origin', () => {
    expect(
      isCloudFrontOrigin(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }] })),
    ).toBe(false);
  });

  it.each(['aws-controltower-logs-222222222222-us-east-1', 'aws-controltower-s3-access-logs-222222222222-us-east-1'])(
    "marks Control Tower's bucket %s, which is never touched",
    async (bucket) => {
      givenBucket();

      const inspection = await blockBucketPublicAccess.inspect(
        targetOf(findings.bucketPublic(bucket)),
        actionContext(),
      );

      expect(inspection.controlTower).toMatch(/belongs to Control Tower/);
    },
  );

  it('marks the configured Log Archive bucket as Control Tower', async () => {
    givenBucket();
    const settings = settingsWith([], {}, { logArchive: { bucket: 'org-central-logs' } });

    const inspection = await blockBucketPublicAccess.inspect(
      targetOf(findings.bucketPublic('org-central-logs')),
      actionContext(settings),
    );

    expect(inspection.controlTower).toBeDefined();
  });

  it('turns all four settings on', async () => {
    givenBucket({ block: { ...ALL_ON, BlockPublicPolicy: false } });
    const context = actionContext();
    const target = targetOf(findings.bucketPublic());
    const before = await blockBucketPublicAccess.inspect(target, context);

    await blockBucketPublicAccess.apply(target, before, context);

    expect(s3).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, {
      Bucket: 'team-uploads',
      PublicAccessBlockConfiguration: ALL_ON,
    });
  });

  it('undo puts the previous configuration back', async () => {
    const previous = { ...ALL_ON, BlockPublicPolicy: false, RestrictPublicBuckets: false };
    givenBucket({ block: previous });
    const context = actionContext();
    const target = targetOf(findings.bucketPublic());
    const before = await blockBucketPublicAccess.inspect(target, context);

    await blockBucketPublicAccess.undo(target, before.state, [], context);

    expect(s3).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, {
      Bucket: 'team-uploads',
      PublicAccessBlockConfiguration: previous,
    });
  });

  it('undo deletes the configuration when there was none before', async () => {
    givenBucket();
    const context = actionContext();
    const target = targetOf(findings.bucketPublic());
    const before = await blockBucketPublicAccess.inspect(target, context);

    await blockBucketPublicAccess.undo(target, before.state, [], context);

    expect(s3).toHaveReceivedCommandWith(DeletePublicAccessBlockCommand, { Bucket: 'team-uploads' });
    expect(s3).not.toHaveReceivedCommand(PutPublicAccessBlockCommand);
  });
});
