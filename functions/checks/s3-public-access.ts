import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { mapLimit } from '../lib/concurrency';
import { errorName, isThrottle, toErrorInfo } from '../lib/errors';
import { AccountS3ControlClient, BucketS3Client } from '../lib/s3-clients';
import {
  type BlockPublicAccess,
  effectiveBlock,
  fullyBlocked,
  neutralises,
  PUBLIC_GRANTEE,
  publicStatements,
} from '../lib/s3-policy';
import { cleanText } from '../lib/text';
import type { ErrorKind, Finding } from '../lib/types';
import { CHECK_INFO } from './catalog';
import {
  callOptions,
  currentStateResult,
  type Gap,
  gapOf,
  isDeadline,
  partitionOf,
  RESOURCE_CONCURRENCY,
  unreachable,
} from './current-state';
import type { Check, CheckContext } from './types';

/** Buckets that could not be read, named one by one before "N more buckets". */
const NAMED_BUCKET_GAPS = 5;

/** The error codes that mean "none set": no configuration is the same as all settings off. */
const NONE = new Set(['NoSuchPublicAccessBlockConfiguration', 'NoSuchBucketPolicy', 'NoSuchWebsiteConfiguration']);

function blockOf(configuration: PublicAccessBlockConfiguration | undefined): BlockPublicAccess {
  return {
    blockPublicAcls: configuration?.BlockPublicAcls === true,
    ignorePublicAcls: configuration?.IgnorePublicAcls === true,
    blockPublicPolicy: configuration?.BlockPublicPolicy === true,
    restrictPublicBuckets: configuration?.RestrictPublicBuckets === true,
  };
}

/** Runs a read whose "not set" error means undefined. */
async function unlessNone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (NONE.has(errorName(error) ?? '')) return undefined;
    throw error;
  }
}

/** GetBucketLocation's answer as a region: empty is us-east-1, `EU` is eu-west-1 (the oldest buckets). */
function regionOfLocation(location: string | undefined): string {
  if (!location) return 'us-east-1';
  return location === 'EU' ? 'eu-west-1' : location;
}

/** Whether the bucket serves a website, or why that is unknown. */
type Website = { known: true; website: boolean } | { known: false; kind: ErrorKind; detail: string };

/**
 * The website flag of a public bucket: evidence only, read after the bucket was found public. A failure here (denied,
 * the deadline) must not take the finding with it: the website is then unknown (`website: null`, `websiteError`, and
 * a `detail` the CLI shows). Throttling is thrown, as everywhere in this check, for the workflow to retry.
 */
async function websiteOf(context: CheckContext, s3: BucketS3Client, bucket: string): Promise<Website> {
  try {
    const answer = await unlessNone(() =>
      s3.send(new GetBucketWebsiteCommand({ Bucket: bucket }), callOptions(context, 'the website was read')),
    );
    return { known: true, website: answer !== undefined };
  } catch (error) {
    if (isThrottle(error)) throw error;
    const info = toErrorInfo(error, undefined, isDeadline(error, context) ? 'TIMEOUT' : undefined);
    return { known: false, kind: info.kind, detail: cleanText(`website unknown: ${info.message}`) };
  }
}

/** The public findings of one bucket, or none. */
async function bucketFindings(
  context: CheckContext,
  bucket: string,
  account: BlockPublicAccess,
  partition: string,
): Promise<Finding[]> {
  const global = context.target.client(BucketS3Client);
  const where = await global.send(new GetBucketLocationCommand({ Bucket: bucket }), callOptions(context));
  const region = regionOfLocation(where.LocationConstraint);
  const s3 = context.target.client(BucketS3Client, { region });
  const own = await unlessNone(() =>
    s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }), callOptions(context)),
  );
  const block = effectiveBlock(account, blockOf(own?.PublicAccessBlockConfiguration));
  const found: { via: 'acl' | 'policy'; grantee?: string; statementSid?: string }[] = [];
  if (!neutralises(block, 'acl')) {
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: bucket }), callOptions(context));
    const grantees = new Set(
      (acl.Grants ?? []).flatMap((grant) => {
        const uri = grant.Grantee?.URI;
        return uri && PUBLIC_GRANTEE.test(uri) ? [uri.slice(uri.lastIndexOf('/') + 1)] : [];
      }),
    );
    for (const grantee of grantees) found.push({ via: 'acl', grantee });
  }
  if (!neutralises(block, 'policy')) {
    const policy = await unlessNone(() =>
      s3.send(new GetBucketPolicyCommand({ Bucket: bucket }), callOptions(context)),
    );
    for (const statement of publicStatements(policy?.Policy))
      found.push({ via: 'policy', statementSid: statement.sid });
  }
  if (found.length === 0) return [];
  const website = await websiteOf(context, s3, bucket);
  return found.map(({ via, grantee, statementSid }) => ({
    rule: 's3-public-access/bucket-public',
    severity: via === 'policy' || grantee === 'AllUsers' ? 'HIGH' : 'MEDIUM',
    title:
      via === 'acl'
        ? `${bucket} grants ${grantee} in its ACL (${region})`
        : `${bucket} policy statement ${statementSid} allows everyone (${region})`,
    resource: {
      type: 'AwsS3Bucket',
      id: bucket,
      region,
      arn: `arn:${partition}:s3:::${bucket}`,
      part: via === 'acl' ? `acl/${grantee}` : `policy/${statementSid}`,
    },
    evidence: {
      via,
      ...(grantee ? { grantee } : {}),
      ...(statementSid ? { statementSid } : {}),
      website: website.known ? website.website : null,
      ...(website.known ? {} : { websiteError: website.kind }),
    },
    ...(website.known ? {} : { detail: website.detail }),
  }));
}

/**
 * `s3-public-access`: the account-level S3 Block Public Access has all four settings on, and no bucket is public:
 * no ACL grant to AllUsers / AuthenticatedUsers unless `IgnorePublicAcls` applies, no policy statement open to
 * `Principal: "*"` without a narrowing condition unless `RestrictPublicBuckets` applies (the bucket's or the
 * account's). When the account voids both, buckets are not read one by one: none can be public.
 */
export const s3PublicAccessCheck: Check = {
  ...CHECK_INFO['s3-public-access'],
  async run(context) {
    const cannot = await unreachable(context);
    if (cannot) return cannot;
    const partition = partitionOf(context);
    const findings: Finding[] = [];
    const gaps: Gap[] = [];

    let account: BlockPublicAccess;
    try {
      const answer = await unlessNone(() =>
        context.target
          .client(AccountS3ControlClient)
          .send(new GetAccountPublicAccessBlockCommand({ AccountId: context.accountId }), callOptions(context)),
      );
      account = blockOf(answer?.PublicAccessBlockConfiguration);
    } catch (error) {
      if (isThrottle(error)) throw error;
      gaps.push(gapOf(context, 'global', 'the account Block Public Access', error));
      return currentStateResult('s3-public-access', context, findings, gaps, 'account Block Public Access unknown');
    }
    if (!fullyBlocked(account)) {
      findings.push({
        rule: 's3-public-access/account-block-off',
        severity: account.ignorePublicAcls && account.restrictPublicBuckets ? 'LOW' : 'MEDIUM',
        title: 'Account-level S3 Block Public Access is not fully on',
        resource: { type: 'AwsS3AccountPublicAccessBlock', id: context.accountId, region: 'global' },
        evidence: { ...account },
      });
    }
    if (neutralises(account, 'acl') && neutralises(account, 'policy')) {
      return currentStateResult(
        's3-public-access',
        context,
        findings,
        gaps,
        'the account Block Public Access voids public ACLs and policies of every bucket',
      );
    }

    let buckets: string[] = [];
    try {
      const listed = await context.target.client(BucketS3Client).send(new ListBucketsCommand({}), callOptions(context));
      buckets = (listed.Buckets ?? []).flatMap((bucket) => (bucket.Name ? [bucket.Name] : []));
    } catch (error) {
      if (isThrottle(error)) throw error;
      gaps.push(gapOf(context, 'global', 'the bucket list', error));
    }
    let late = 0;
    const failed: { index: number; gap: Gap }[] = [];
    await mapLimit(buckets, RESOURCE_CONCURRENCY, async (bucket, index) => {
      try {
        findings.push(...(await bucketFindings(context, bucket, account, partition)));
      } catch (error) {
        if (isThrottle(error)) throw error;
        if (isDeadline(error, context)) late++;
        else failed.push({ index, gap: gapOf(context, 'global', `bucket ${bucket}`, error) });
      }
    });
    if (late > 0) {
      const what = `${late} of ${buckets.length} buckets`;
      gaps.push({ region: 'global', what, key: 'buckets not checked before the deadline', reason: 'deadline' });
    }
    // In the order listed, whichever answered first: the same buckets are named (and fingerprinted) run after run.
    const inOrder = failed.sort((a, b) => a.index - b.index).map((entry) => entry.gap);
    gaps.push(...inOrder.slice(0, NAMED_BUCKET_GAPS));
    const more = inOrder.length - NAMED_BUCKET_GAPS;
    if (more > 0) {
      const what = `${more} more buckets`;
      gaps.push({ ...(inOrder[NAMED_BUCKET_GAPS] as Gap), what, key: 'more buckets not checked' });
    }
    return currentStateResult(
      's3-public-access',
      context,
      findings,
      gaps,
      `${buckets.length - late - failed.length} bucket${buckets.length === 1 ? '' : 's'}: none public`,
    );
  },
};
