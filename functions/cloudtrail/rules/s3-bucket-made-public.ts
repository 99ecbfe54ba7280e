import { PUBLIC_CANNED_ACLS, publicStatements } from '../../lib/s3-policy';
import type { ResourceRef } from '../../lib/types';
import { accountOf, asArray, asObject, asString, type CloudTrailRecord, partitionOf } from '../record';
import { eventRule } from './types';

/** Inside a grant header (`uri="http://acs.amazonaws.com/groups/global/AllUsers"`) as well as an ACL body. */
const PUBLIC_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;
const BLOCK_SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

function someString(value: unknown, test: (text: string) => boolean, depth = 0): boolean {
  if (typeof value === 'string') return test(value);
  if (depth > 8 || typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((item) => someString(item, test, depth + 1));
}

function publicAcl(record: CloudTrailRecord): string | undefined {
  const parameters = asObject(record.requestParameters);
  const canned = asArray(parameters?.['x-amz-acl'])
    .map(asString)
    .find((acl) => acl && PUBLIC_CANNED_ACLS.has(acl));
  if (canned) return `canned ACL ${canned}`;
  // Grants arrive in the ACL body (Grantee URI) or in x-amz-grant-* headers (uri=...).
  if (someString(parameters, (text) => PUBLIC_GROUPS.test(text))) return 'ACL grant to AllUsers/AuthenticatedUsers';
  return undefined;
}

function publicPolicy(record: CloudTrailRecord): string | undefined {
  // The same judgement as the s3-public-access check makes of a bucket as it is now (functions/lib/s3-policy.ts).
  const open = publicStatements(asObject(record.requestParameters)?.bucketPolicy);
  return open.length > 0 ? 'bucket policy allows Principal "*"' : undefined;
}

/** Whether a logged block setting is on: `true`, or the text `true` (XML-born values come either way). */
function isOn(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

/**
 * What a public access block change lifted. A put replaces the whole configuration and every element of it is
 * optional: one left out is off (false), and CloudTrail logs only the elements sent, so an empty configuration lifts
 * all four. A put whose event does not show the configuration at all cannot be judged.
 */
function blocksLifted(record: CloudTrailRecord): string | undefined {
  if (record.eventName?.startsWith('Delete')) return 'public access block deleted';
  const parameters = asObject(record.requestParameters);
  if (!parameters || !('PublicAccessBlockConfiguration' in parameters)) return undefined;
  // An empty element may be logged as "" or null rather than as an object: nothing sent, nothing on.
  const configuration = asObject(parameters.PublicAccessBlockConfiguration) ?? {};
  const off = BLOCK_SETTINGS.filter((name) => !isOn(configuration[name]));
  if (off.length === 0) return undefined;
  const omitted = off.filter((name) => configuration[name] === undefined);
  const why =
    omitted.length === 0
      ? ''
      : omitted.length === BLOCK_SETTINGS.length
        ? ' (none set in the request: a put replaces the whole configuration, so each one left out is off)'
        : ` (${omitted.join(', ')} not set in the request: a put replaces the whole configuration, so each one left out is off)`;
  return `public access block off: ${off.join(', ')}${why}`;
}

const ACL_EVENTS = new Set(['PutBucketAcl', 'CreateBucket']);
const POLICY_EVENTS = new Set(['PutBucketPolicy']);

/** `s3-bucket-made-public`: a public ACL, a bucket policy open to everyone, or public access blocks lifted. */
export const s3BucketMadePublic = eventRule({
  id: 's3-bucket-made-public',
  severity: 'HIGH',
  title: 'S3 bucket made public',
  description: 'A bucket got a public ACL or a policy open to everyone, or its public access block was lifted.',
  events: {
    's3.amazonaws.com': [
      'PutBucketAcl',
      'CreateBucket',
      'PutBucketPolicy',
      'PutBucketPublicAccessBlock',
      'DeleteBucketPublicAccessBlock',
      'PutPublicAccessBlock',
      'DeletePublicAccessBlock',
      'PutAccountPublicAccessBlock',
      'DeleteAccountPublicAccessBlock',
    ],
  },
  match(record) {
    const name = record.eventName ?? '';
    const why = ACL_EVENTS.has(name)
      ? publicAcl(record)
      : POLICY_EVENTS.has(name)
        ? publicPolicy(record)
        : blocksLifted(record);
    if (!why) return false;
    const bucket = asString(asObject(record.requestParameters)?.bucketName);
    const account = accountOf(record);
    const resource: ResourceRef | undefined = bucket
      ? {
          type: 'AwsS3Bucket',
          id: bucket,
          region: asString(record.awsRegion) ?? 'unknown',
          arn: `arn:${partitionOf(record)}:s3:::${bucket}`,
        }
      : account
        ? { type: 'AwsS3AccountPublicAccessBlock', id: account, region: 'global' }
        : undefined;
    return { detail: bucket ? `${bucket}: ${why}` : why, ...(resource ? { resource } : {}) };
  },
});
