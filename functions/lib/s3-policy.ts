/**
 * When an S3 bucket policy or ACL makes a bucket public. One place for the logic that the `s3-public-access` check
 * applies to a bucket as it is now and that the `s3-bucket-made-public` CloudTrail rule applies to a request.
 * (AWS's own answer, GetBucketPolicyStatus, is not used: emulators leave it empty, and it says nothing of ACLs.)
 */

/** The ACL grantee groups that mean everyone (AllUsers) or every AWS account (AuthenticatedUsers). */
export const PUBLIC_GRANTEE = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/;

/** Canned ACLs that grant AllUsers or AuthenticatedUsers. */
export const PUBLIC_CANNED_ACLS: ReadonlySet<string> = new Set([
  'public-read',
  'public-read-write',
  'authenticated-read',
]);

/**
 * Condition keys that tie a `Principal: "*"` statement to an organization, an account, a network or a caller: a
 * statement conditioned on one of them (with a value other than `*`) is not public. Lower case: keys are
 * case-insensitive.
 */
export const RESTRICTING_CONDITION_KEYS: ReadonlySet<string> = new Set([
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:userid',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceip',
  'aws:vpcsourceip',
]);

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Whether a statement's `Principal` is everyone: `"*"`, or `{ AWS: "*" }` (also inside a list). */
export function isEveryonePrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  const byType = asRecord(principal);
  return byType !== undefined && Object.values(byType).some((ids) => asList(ids).includes('*'));
}

/** Whether a `Condition` block narrows the statement to an organization, account, network or caller. */
export function isRestrictingCondition(condition: unknown): boolean {
  const operators = asRecord(condition);
  if (!operators) return false;
  return Object.values(operators).some((keys) =>
    Object.entries(asRecord(keys) ?? {}).some(
      ([key, values]) =>
        RESTRICTING_CONDITION_KEYS.has(key.toLowerCase()) && asList(values).length > 0 && !asList(values).includes('*'),
    ),
  );
}

/** A bucket policy statement that lets anyone in. */
export interface PublicStatement {
  /** The statement's `Sid`, or its position (`#0`) when it has none. */
  readonly sid: string;
}

/** A policy document as text (GetBucketPolicy, CloudTrail's string form) or as an object; undefined when unreadable. */
export function parsePolicy(policy: unknown): Readonly<Record<string, unknown>> | undefined {
  if (typeof policy !== 'string') return asRecord(policy);
  try {
    return asRecord(JSON.parse(policy));
  } catch {
    return undefined;
  }
}

/**
 * The statements of a bucket policy that make the bucket public: `Effect: Allow` with `Principal: "*"` (or
 * `{ AWS: "*" }`, or any `NotPrincipal`) and no condition that narrows it (see {@link RESTRICTING_CONDITION_KEYS}).
 * Block Public Access is not considered here (see {@link neutralises}).
 */
export function publicStatements(policy: unknown): PublicStatement[] {
  const document = parsePolicy(policy);
  return asList(document?.Statement).flatMap((item, index) => {
    const statement = asRecord(item);
    const open =
      statement?.Effect === 'Allow' &&
      (isEveryonePrincipal(statement.Principal) || statement.NotPrincipal !== undefined) &&
      !isRestrictingCondition(statement.Condition);
    if (!open) return [];
    return [{ sid: typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `#${index}` }];
  });
}

/** The four Block Public Access settings; a missing configuration is all false. */
export interface BlockPublicAccess {
  readonly blockPublicAcls: boolean;
  readonly ignorePublicAcls: boolean;
  readonly blockPublicPolicy: boolean;
  readonly restrictPublicBuckets: boolean;
}

/** No Block Public Access at all. */
export const NO_BLOCK: BlockPublicAccess = {
  blockPublicAcls: false,
  ignorePublicAcls: false,
  blockPublicPolicy: false,
  restrictPublicBuckets: false,
};

/** The settings in effect for a bucket: each one on when the account's or the bucket's is on. */
export function effectiveBlock(account: BlockPublicAccess, bucket: BlockPublicAccess): BlockPublicAccess {
  return {
    blockPublicAcls: account.blockPublicAcls || bucket.blockPublicAcls,
    ignorePublicAcls: account.ignorePublicAcls || bucket.ignorePublicAcls,
    blockPublicPolicy: account.blockPublicPolicy || bucket.blockPublicPolicy,
    restrictPublicBuckets: account.restrictPublicBuckets || bucket.restrictPublicBuckets,
  };
}

/**
 * Whether Block Public Access takes away what a public ACL or policy grants, as AWS applies it to access (not to
 * the request that sets it): `IgnorePublicAcls` voids public ACL grants; `RestrictPublicBuckets` limits a public
 * policy to AWS services and the bucket owner's account. `BlockPublicAcls` and `BlockPublicPolicy` only refuse new
 * public ACLs and policies; what is already there stays in force.
 */
export function neutralises(block: BlockPublicAccess, via: 'acl' | 'policy'): boolean {
  return via === 'acl' ? block.ignorePublicAcls : block.restrictPublicBuckets;
}

/** Whether every Block Public Access setting is on. */
export function fullyBlocked(block: BlockPublicAccess): boolean {
  return block.blockPublicAcls && block.ignorePublicAcls && block.blockPublicPolicy && block.restrictPublicBuckets;
}
