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
 * statement conditioned on a fixed value of one of them is not public (S3, "The meaning of public"; see
 * {@link isRestrictingCondition}). Lower case: keys are case-insensitive.
 */
export const RESTRICTING_CONDITION_KEYS: ReadonlySet<string> = new Set([
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:userid',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceowner',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceip',
  'aws:vpcsourceip',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
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

/** The keys whose values are CIDR blocks: only `IpAddress` narrows them. */
const ADDRESS_KEYS: ReadonlySet<string> = new Set(['aws:sourceip', 'aws:vpcsourceip']);

/**
 * The condition operators that narrow a statement to the values they name. A negated operator (`StringNotEquals`,
 * `NotIpAddress`, ...) lets in everything but those values; `...IfExists` and `ForAllValues:` hold for a request that
 * has no such key at all (every anonymous caller's); `Null` only asks whether the key is there. Lower case.
 */
const NARROWING_OPERATORS: ReadonlySet<string> = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
  'ipaddress',
]);

/** Whether the operator narrows (see {@link NARROWING_OPERATORS}); `ForAnyValue:` needs one of the values, so it does. */
function isNarrowingOperator(operator: string): boolean {
  const lower = operator.toLowerCase();
  const base = lower.startsWith('foranyvalue:') ? lower.slice('foranyvalue:'.length) : lower;
  return NARROWING_OPERATORS.has(base);
}

/**
 * The widest CIDR blocks taken as a set of addresses rather than the internet: IPv4 /8 and IPv6 /32 or narrower. AWS
 * does not publish where it draws the line; `0.0.0.0/0`, `::/0`, or the internet cut in two (`0.0.0.0/1` and
 * `128.0.0.0/1`) must not pass as narrowed.
 */
const WIDEST_IPV4_PREFIX = 8;
const WIDEST_IPV6_PREFIX = 32;

/** Whether a CIDR block (or a single address) is narrower than the internet (see {@link WIDEST_IPV4_PREFIX}). */
function isLimitedCidr(value: string): boolean {
  const [address = '', prefix] = value.split('/');
  const ipv6 = address.includes(':');
  if (!ipv6 && !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) >= (ipv6 ? WIDEST_IPV6_PREFIX : WIDEST_IPV4_PREFIX);
}

/**
 * Whether a condition value names fixed callers: no wildcard, except where the rest still fixes one organization, one
 * account or one role (`o-xxxx/r-xxxx/*` of an organization path, an ARN whose account field is a 12-digit number,
 * `AROAEXAMPLE:*` of `aws:userid`, which AWS names as a fixed value).
 */
function isFixedValue(key: string, value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0;
  if (typeof value !== 'string' || value === '') return false;
  if (ADDRESS_KEYS.has(key)) return isLimitedCidr(value);
  if (!/[*?]/.test(value)) return true;
  if (key === 'aws:userid') return /^[A-Z0-9]{16,128}:\*$/.test(value);
  if (key === 'aws:principalorgpaths' || key === 'aws:sourceorgpaths') return /^o-[a-z0-9]{10,32}\/[^*?]/.test(value);
  if (key === 'aws:principalarn' || key === 'aws:sourcearn') return /^arn:[^:*?]+:[^:*?]+:[^:]*:\d{12}:/.test(value);
  return false;
}

/**
 * Whether a `Condition` block narrows the statement to an organization, account, network or caller: a narrowing
 * operator (see {@link NARROWING_OPERATORS}) on a restricting key (see {@link RESTRICTING_CONDITION_KEYS}) whose values
 * are all fixed (see {@link isFixedValue}). Anything looser leaves the statement public, as AWS judges it: only fixed
 * values of those keys make a `Principal: "*"` policy non-public.
 */
export function isRestrictingCondition(condition: unknown): boolean {
  const operators = asRecord(condition);
  if (!operators) return false;
  return Object.entries(operators).some(
    ([operator, keys]) =>
      isNarrowingOperator(operator) &&
      Object.entries(asRecord(keys) ?? {}).some(([key, values]) => {
        const lower = key.toLowerCase();
        if (!RESTRICTING_CONDITION_KEYS.has(lower)) return false;
        if (ADDRESS_KEYS.has(lower) !== (operator.toLowerCase().replace(/^foranyvalue:/, '') === 'ipaddress')) {
          return false;
        }
        const list = asList(values);
        return list.length > 0 && list.every((value) => isFixedValue(lower, value));
      }),
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
