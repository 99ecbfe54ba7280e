import {
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { errorName } from '../lib/errors';
import type { Settings } from '../lib/settings';
import { ACTION_INFO } from './catalog';
import { tagMap } from './tags';
import type { Inspection, JsonObject, RemediationAction } from './types';

const FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/** A missing configuration is an answer, not an error: `undefined`. */
async function orMissing<T>(missing: readonly string[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (missing.includes(errorName(error) ?? '')) return undefined;
    throw error;
  }
}

/**
 * Whether a bucket policy lets CloudFront read the bucket: the service principal (origin access control) or an
 * origin access identity. Read from the policy, as no CloudFront client is at hand in the member account.
 */
export function isCloudFrontOrigin(policyText: string | undefined): boolean {
  if (!policyText) return false;
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyText) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return statements.some((statement) => {
    if (typeof statement !== 'object' || statement === null) return false;
    const { Effect, Principal } = statement as { Effect?: string; Principal?: unknown };
    if (Effect !== 'Allow') return false;
    const text = JSON.stringify(Principal ?? '');
    return (
      text.includes('cloudfront.amazonaws.com') ||
      text.includes('CloudFront Origin Access Identity') ||
      /"CanonicalUser"/.test(text)
    );
  });
}

/** Buckets of the landing zone itself: the Log Archive buckets and anything named by Control Tower. */
export function isControlTowerBucket(bucket: string, settings: Settings): boolean {
  return bucket.startsWith('aws-controltower-') || bucket === settings.logArchive.bucket;
}

/**
 * Turns the bucket's Block Public Access fully on. A website bucket or a CloudFront origin is left to a person:
 * blocking it would take a site down (ASR #246).
 */
export const blockBucketPublicAccess: RemediationAction = {
  ...ACTION_INFO['block-bucket-public-access'],

  async inspect(target, { session, settings }): Promise<Inspection> {
    const s3 = session.s3();
    const Bucket = target.resource.id;
    const block = await orMissing(['NoSuchPublicAccessBlockConfiguration'], () =>
      s3.send(new GetPublicAccessBlockCommand({ Bucket })),
    );
    const configuration: PublicAccessBlockConfiguration | undefined = block?.PublicAccessBlockConfiguration;
    const website = await orMissing(['NoSuchWebsiteConfiguration'], () =>
      s3.send(new GetBucketWebsiteCommand({ Bucket })),
    );
    const policy = await orMissing(['NoSuchBucketPolicy'], () => s3.send(new GetBucketPolicyCommand({ Bucket })));
    const tagging = await orMissing(['NoSuchTagSet', 'NoSuchTagSetError'], () =>
      s3.send(new GetBucketTaggingCommand({ Bucket })),
    );
    const hasWebsite = website !== undefined;
    const cloudFront = isCloudFrontOrigin(policy?.Policy);
    const needsPerson = hasWebsite
      ? 'the bucket serves a static website: blocking public access would take it down'
      : cloudFront
        ? 'the bucket is a CloudFront origin: decide with its owner (origin access control) before blocking'
        : undefined;
    return {
      compliant: FLAGS.every((flag) => configuration?.[flag] === true),
      state: {
        publicAccessBlock: configuration
          ? (Object.fromEntries(FLAGS.map((flag) => [flag, configuration[flag] === true])) as JsonObject)
          : null,
        website: hasWebsite,
        cloudFrontOrigin: cloudFront,
      },
      tags: tagMap(tagging?.TagSet),
      ...(needsPerson ? { needsPerson } : {}),
      ...(isControlTowerBucket(Bucket, settings) ? { controlTower: `bucket ${Bucket} belongs to Control Tower` } : {}),
    };
  },

  async apply(target, _before, { session }) {
    const configuration = Object.fromEntries(FLAGS.map((flag) => [flag, true]));
    const params = { Bucket: target.resource.id, PublicAccessBlockConfiguration: configuration };
    await session.s3().send(new PutPublicAccessBlockCommand(params));
    return [{ call: 's3:PutBucketPublicAccessBlock', params }];
  },

  async undo(target, before, _applied, { session }) {
    const previous = before.publicAccessBlock;
    if (previous === null || typeof previous !== 'object' || Array.isArray(previous)) {
      const params = { Bucket: target.resource.id };
      await session.s3().send(new DeletePublicAccessBlockCommand(params));
      return [{ call: 's3:DeleteBucketPublicAccessBlock', params }];
    }
    const configuration = Object.fromEntries(FLAGS.map((flag) => [flag, (previous as JsonObject)[flag] === true]));
    const params = { Bucket: target.resource.id, PublicAccessBlockConfiguration: configuration };
    await session.s3().send(new PutPublicAccessBlockCommand(params));
    return [{ call: 's3:PutBucketPublicAccessBlock', params }];
  },
};
