import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  paginateListBuckets,
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
  DeadlineReached,
  type Gap,
  gapOf,
  isDeadline,
  partitionOf,
  RESOURCE_CONCURRENCY,
  unreachable,
} from './current-state';
import type { Check, CheckContext } from './types';

/** Buckets asked for per ListBuckets page. */
const BUCKETS_PER_PAGE = 1000;

/**
 * Buckets listed and checked per run at most: the list is held in memory, and each bucket costs four or five calls,
 * {@link RESOURCE_CONCURRENCY} at a time, within the Audit Account deadline — more than this are not read in a run's
 * time anyway. It is AWS's default bucket quota per account; the buckets past it are a gap.
 */
export const MAX_LISTED_BUCKETS = 10_000;

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

/** A bucket as ListBuckets gives it: its name, and its region when the answer has it. */
interface ListedBucket {
  readonly name: string;
  readonly region?: string;
}

/** The buckets listed, in the order listed, and the gap when the list is not the whole account's. */
interface BucketList {
  readonly buckets: ListedBucket[];
  readonly gap?: Gap;
}

/**
 * Lists the account's buckets a page at a time (ListBuckets without `MaxBuckets` is refused for an account whose
 * bucket quota is above 10,000), at most {@link MAX_LISTED_BUCKETS}. What the list could not give — the buckets past
 * the bound, the rest of the list after an error or the deadline — is a gap: never a silent PASS. The buckets listed
 * before it are still checked. Throttling is thrown, for the workflow to retry.
 */
async function listBuckets(context: CheckContext): Promise<BucketList> {
  const buckets: ListedBucket[] = [];
  const pastBound: Gap = {
    region: 'global',
    what: `buckets after the first ${MAX_LISTED_BUCKETS}`,
    key: 'buckets past the listing bound',
    // The bound stands for the time a run has: the buckets past it are not checked, as at the deadline, and the
    // record says which of the two it was.
    reason: 'bound',
  };
  try {
    const pages = paginateListBuckets(
      { client: context.target.client(BucketS3Client), pageSize: BUCKETS_PER_PAGE, stopOnSameToken: true },
      {},
      callOptions(context, 'every bucket was listed'),
    );
    for await (const page of pages) {
      for (const bucket of page.Buckets ?? []) {
        if (!bucket.Name) continue;
        if (buckets.length >= MAX_LISTED_BUCKETS) return { buckets, gap: pastBound };
        buckets.push({ name: bucket.Name, ...(bucket.BucketRegion ? { region: bucket.BucketRegion } : {}) });
      }
      if (!page.ContinuationToken) break;
      if (buckets.length >= MAX_LISTED_BUCKETS) return { buckets, gap: pastBound };
      if (Date.now() >= context.deadline) throw new DeadlineReached('every bucket was listed');
    }
    return { buckets };
  } catch (error) {
    if (isThrottle(error)) throw error;
    if (buckets.length === 0) return { buckets, gap: gapOf(context, 'global', 'the bucket list', error) };
    const what = `the bucket list after ${buckets.length} buckets`;
    return { buckets, gap: { ...gapOf(context, 'global', what, error), key: 'the rest of the bucket list' } };
  }
}

/** The public findings of one bucket, or none. */
async function bucketFindings(
  context: CheckContext,
  listed: ListedBucket,
  account: BlockPublicAccess,
  partition: string,
): Promise<Finding[]> {
  const bucket = listed.name;
  // ListBuckets says the region (AWS does); GetBucketLocation only when it does not (emulators may not).
  const region =
    listed.region ??
    regionOfLocation(
      (
        await context.target
          .client(BucketS3Client)
          .send(new GetBucketLocationCommand({ Bucket: bucket }), callOptions(context))
      ).LocationConstraint,
    );
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

    const { buckets, gap } = await listBuckets(context);
    if (gap) gaps.push(gap);
    let late = 0;
    const failed: { index: number; gap: Gap }[] = [];
    await mapLimit(buckets, RESOURCE_CONCURRENCY, async (bucket, index) => {
      try {
        findings.push(...(await bucketFindings(context, bucket, account, partition)));
      } catch (error) {
        if (isThrottle(error)) throw error;
        if (isDeadline(error, context)) late++;
        else failed.push({ index, gap: gapOf(context, 'global', `bucket ${bucket.name}`, error) });
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
