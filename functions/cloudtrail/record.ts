import { cleanOptional } from '../lib/text';
import type { ResourceRef } from '../lib/types';

/** The session issuer of an assumed-role identity. */
export interface SessionIssuer {
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly userName?: string;
}

/** `userIdentity` of a CloudTrail record. Every field may be missing (service events often have no `type`). */
export interface UserIdentity {
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly invokedBy?: string;
  readonly sessionContext?: {
    readonly sessionIssuer?: SessionIssuer | null;
    readonly attributes?: Readonly<Record<string, unknown>> | null;
  } | null;
}

/**
 * One CloudTrail record as it comes out of `JSON.parse`. Typed loosely on purpose: real records are untidy
 * (`requestParameters` null, `userIdentity.type` absent, policies as objects or strings), so rules read the
 * nested parts through {@link asObject}, {@link asArray} and {@link asString}.
 */
export interface CloudTrailRecord {
  readonly eventVersion?: string;
  readonly userIdentity?: UserIdentity | null;
  readonly eventTime?: string;
  readonly eventSource?: string;
  readonly eventName?: string;
  readonly awsRegion?: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters?: Readonly<Record<string, unknown>> | null;
  readonly responseElements?: Readonly<Record<string, unknown>> | null;
  readonly additionalEventData?: Readonly<Record<string, unknown>> | null;
  readonly requestID?: string;
  readonly eventID?: string;
  readonly readOnly?: boolean;
  readonly eventType?: string;
  readonly managementEvent?: boolean;
  readonly recipientAccountId?: string;
  readonly eventCategory?: string;
  readonly resources?: readonly unknown[];
}

/** The value when it is a plain object (not null, not an array), else undefined. */
export function asObject(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The value as a list: an array as is, one value as a list of one (XML-born fields come both ways), else empty. */
export function asArray(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

/** The value when it is a string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether the call failed: it has an `errorCode`, or it is a console sign-in answered `Failure` (those carry only
 * an `errorMessage` such as "Failed authentication").
 */
export function isFailedCall(record: CloudTrailRecord): boolean {
  if (typeof record.errorCode === 'string' && record.errorCode !== '') return true;
  return asObject(record.responseElements)?.ConsoleLogin === 'Failure';
}

/**
 * The error codes of a call refused for lack of permission: `AccessDenied*` and `*UnauthorizedOperation`, as CIS AWS
 * Foundations 4.1's metric filter counts them (`AccessDenied`, `AccessDeniedException`, EC2's
 * `Client.UnauthorizedOperation`), SNS's `AuthorizationError` ("the user has been denied access to the requested
 * resource") and the query APIs' common `NotAuthorized` ("You do not have permission to perform this action"). A
 * prefix such as `Client.` is allowed. Throttling, validation and not-found errors are not denials.
 */
const DENIAL = /^(?:[A-Za-z]+\.)?(?:AccessDenied|(?:AuthorizationError|NotAuthorized)$)|UnauthorizedOperation$/;

/** Whether an error code says the caller was refused for lack of permission (see {@link DENIAL}). */
export function isDenialCode(code: string): boolean {
  return DENIAL.test(code);
}

/** Whether the call was refused for lack of permission: its `errorCode` is a denial (see {@link isDenialCode}). */
export function isDenied(record: CloudTrailRecord): boolean {
  return typeof record.errorCode === 'string' && isDenialCode(record.errorCode);
}

/**
 * A service-linked role, by the path only AWS can give a role (`/aws-service-role/`). Not by its name: an assumed
 * role's ARN carries no path, and a role a person creates may be named `AWSServiceRoleFor...` to pass for one, and
 * have every rule look away. CloudTrail gives the path in the session issuer's ARN.
 */
const SERVICE_LINKED_ROLE = /^arn:[\w-]+:iam::\d{12}:role\/aws-service-role\//;

/**
 * Whether an AWS service, not a person or a workload, made the call: an `AwsServiceEvent`, an `AWSService`
 * identity, an identity with no type that a service invoked, or a service-linked role.
 */
export function isServiceActor(record: CloudTrailRecord): boolean {
  if (record.eventType === 'AwsServiceEvent') return true;
  const identity = asObject(record.userIdentity) as UserIdentity | undefined;
  if (!identity) return false;
  if (identity.type === 'AWSService') return true;
  if (identity.type === undefined && typeof identity.invokedBy === 'string') return true;
  const issuer = asObject(asObject(identity.sessionContext)?.sessionIssuer) as SessionIssuer | undefined;
  return (
    (typeof identity.arn === 'string' && SERVICE_LINKED_ROLE.test(identity.arn)) ||
    (typeof issuer?.arn === 'string' && SERVICE_LINKED_ROLE.test(issuer.arn))
  );
}

/** The ARN of whoever made the call: the identity's ARN, else its session issuer's. */
export function principalArn(record: CloudTrailRecord): string | undefined {
  const identity = asObject(record.userIdentity) as UserIdentity | undefined;
  if (!identity) return undefined;
  if (typeof identity.arn === 'string' && identity.arn !== '') return identity.arn;
  const issuer = asObject(asObject(identity.sessionContext)?.sessionIssuer) as SessionIssuer | undefined;
  return typeof issuer?.arn === 'string' && issuer.arn !== '' ? issuer.arn : undefined;
}

/** Every name the caller goes by, for matching ignore patterns: ARN, session issuer ARN, invoking service. */
export function principalNames(record: CloudTrailRecord): string[] {
  const identity = asObject(record.userIdentity) as UserIdentity | undefined;
  if (!identity) return [];
  const names: string[] = [];
  if (typeof identity.arn === 'string') names.push(identity.arn);
  const issuer = asObject(asObject(identity.sessionContext)?.sessionIssuer) as SessionIssuer | undefined;
  if (typeof issuer?.arn === 'string') names.push(issuer.arn);
  if (typeof identity.invokedBy === 'string') names.push(identity.invokedBy);
  return names;
}

/** The partition of the record's ARNs (`aws`, `aws-cn`, `aws-us-gov`), for ARNs built from IDs. */
export function partitionOf(record: CloudTrailRecord): string {
  return /^arn:(aws[a-z-]*):/.exec(principalArn(record) ?? '')?.[1] ?? 'aws';
}

/** The account the event happened in: `recipientAccountId`, else the caller's account. */
export function accountOf(record: CloudTrailRecord): string | undefined {
  const identity = asObject(record.userIdentity);
  return asString(record.recipientAccountId) ?? asString(identity?.accountId);
}

/**
 * Who made the call, as a resource: the root user is the account (`AwsAccount`), an IAM user is `AwsIamUser`, an
 * assumed role is the role (`AwsIamRole`, the session name as `part`). Undefined when the record names nobody.
 */
export function principalResource(record: CloudTrailRecord): ResourceRef | undefined {
  const identity = asObject(record.userIdentity) as UserIdentity | undefined;
  const arn = principalArn(record);
  const account = accountOf(record);
  if (identity?.type === 'Root' || (arn && /:root$/.test(arn))) {
    const id = asString(identity?.accountId) ?? account;
    return id ? { type: 'AwsAccount', id, region: 'global', ...(arn ? { arn } : {}) } : undefined;
  }
  const user = arn ? /:user\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1] : undefined;
  if (identity?.type === 'IAMUser' || user) {
    const id = asString(identity?.userName) ?? user;
    return id ? { type: 'AwsIamUser', id, region: 'global', ...(arn ? { arn } : {}) } : undefined;
  }
  const assumed = arn ? /:assumed-role\/([^/]+)\/(.+)$/.exec(arn) : null;
  if (assumed) {
    const issuer = asObject(asObject(identity?.sessionContext)?.sessionIssuer) as SessionIssuer | undefined;
    const roleArn = asString(issuer?.arn);
    return {
      type: 'AwsIamRole',
      id: assumed[1] as string,
      region: 'global',
      ...(roleArn ? { arn: roleArn } : {}),
      part: assumed[2] as string,
    };
  }
  const role = arn ? /:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1] : undefined;
  if (role) return { type: 'AwsIamRole', id: role, region: 'global', arn: arn as string };
  return account ? { type: 'AwsAccount', id: account, region: 'global' } : undefined;
}

/**
 * The few fields of a record that an aggregate's finding shows (who, which call, where, from where), each bounded and
 * cleaned: what an aggregator keeps of a record instead of the record itself. `withIssuer` keeps the ARN of the role
 * behind an assumed-role session too.
 */
export function recordSummary(record: CloudTrailRecord, options: { withIssuer?: boolean } = {}): CloudTrailRecord {
  const identity = asObject(record.userIdentity) as UserIdentity | undefined;
  const issuer = options.withIssuer ? asObject(asObject(identity?.sessionContext)?.sessionIssuer) : undefined;
  return {
    userIdentity: {
      type: cleanOptional(identity?.type, 64),
      arn: cleanOptional(identity?.arn),
      accountId: cleanOptional(identity?.accountId, 32),
      userName: cleanOptional(identity?.userName, 128),
      ...(issuer ? { sessionContext: { sessionIssuer: { arn: cleanOptional(issuer.arn) } } } : {}),
    },
    eventTime: cleanOptional(record.eventTime, 64),
    eventName: cleanOptional(record.eventName, 128),
    eventSource: cleanOptional(record.eventSource, 128),
    awsRegion: cleanOptional(record.awsRegion, 64),
    sourceIPAddress: cleanOptional(record.sourceIPAddress, 256),
    recipientAccountId: cleanOptional(record.recipientAccountId, 32),
  };
}
