import type { ChangeSummary } from './changes';

/** Every status, for readers that check what a document says (a record is text in S3, not a typed value). */
export const STATUSES = ['PASS', 'FAIL', 'ERROR', 'SKIPPED'] as const;

/** Outcome of one check in one account, and of an account as a whole (the worst of its checks). */
export type Status = (typeof STATUSES)[number];

/** Which Control Tower execution role a run assumes in the member accounts. */
export type RoleKind = 'readOnly' | 'admin';

/** What a run does. Only auditing exists today; remediation will be a mode of its own. */
export type Mode = 'audit';

/** Every error kind, for readers that check what a document says. */
export const ERROR_KINDS = [
  'ACCESS_DENIED',
  'THROTTLED',
  'TIMEOUT',
  'NOT_FOUND',
  'INVALID_INPUT',
  'LAMBDA_FAILURE',
  'NO_RESULT',
  'UNKNOWN',
] as const;

/** Why a check or an account could not be audited. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** A classified error as it is stored in records and summaries. */
export interface ErrorInfo {
  readonly kind: ErrorKind;
  readonly message: string;
}

/** Every severity, worst first, for readers that check what a document says. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'] as const;

/** Severity of a finding, from CloudTrail rules and other checks. */
export type Severity = (typeof SEVERITIES)[number];

/** The version of the record and summary documents; readers refuse a version they do not know. */
export const SCHEMA_VERSION = 2;

/**
 * What a finding is about. Types are Security Hub's ASFF resource types where one exists, so that findings map to
 * ASFF without a table; `AwsConfigConfigurationRecorder`, `AwsSecurityHubHub`, `LogFile` and `CloudTrailDelivery`
 * have no ASFF type (they map to `Other`). `CloudTrailDelivery` is an account's CloudTrail delivery in one region, by
 * the Log Archive folder its files land in (`s3://<bucket>/…/<accountId>/CloudTrail/<region>/`).
 */
export type ResourceType =
  | 'AwsAccount'
  | 'AwsEc2SecurityGroup'
  | 'AwsS3Bucket'
  | 'AwsS3AccountPublicAccessBlock'
  | 'AwsKmsKey'
  | 'AwsCloudTrailTrail'
  | 'AwsGuardDutyDetector'
  | 'AwsConfigConfigurationRecorder'
  | 'AwsSecurityHubHub'
  | 'AwsIamUser'
  | 'AwsIamAccessKey'
  | 'AwsIamRole'
  | 'LogFile'
  | 'CloudTrailDelivery'
  | 'Other';

/** The resource a finding names. `region` is `global` for global resources (IAM, the account). */
export interface ResourceRef {
  readonly type: ResourceType;
  /** The resource's own ID: `sg-0123...`, a bucket name, a key ID, a user name, an S3 key for a log file. */
  readonly id: string;
  readonly region: string;
  readonly arn?: string;
  /**
   * The part of the resource the finding is about, when one resource can have several findings of one rule: a
   * security group rule ID (`sgr-...`), a bucket policy statement. Part of the fingerprint.
   */
  readonly part?: string;
}

/** The CloudTrail event that made a current-state finding so, found by the same run's `cloudtrail-events`. */
export interface FindingCause {
  readonly eventName: string;
  readonly eventTime?: string;
  readonly eventId?: string;
  readonly principalArn?: string;
  readonly sourceIp?: string;
}

/** How a finding compares with the previous comparable run (and whether a mute applies). */
export type FindingState = 'NEW' | 'STILL_OPEN' | 'RESOLVED' | 'REOPENED' | 'NOT_ASSESSED' | 'MUTED';

/** Something noteworthy a check found (a CloudTrail event matched by a rule, an unreadable log file, ...). */
export interface Finding {
  /** The CloudTrail rule, or for current-state checks `<check>/<kind>` (e.g. `network-exposure/world-ingress`). */
  readonly rule: string;
  readonly severity: Severity;
  readonly title: string;
  readonly resource?: ResourceRef;
  /**
   * Stable identity across runs: account + rule + resource, or + eventId for a pure event (see `fingerprint.ts`).
   * Audit Account stamps it on every finding before the record is written, so every stored finding has one.
   */
  readonly fingerprint?: string;
  /** CloudTrail's `eventID`, for findings made from one event. */
  readonly eventId?: string;
  readonly cause?: FindingCause;
  /**
   * Structured evidence a program acts on (remediation, reports): `{ ruleId: 'sgr-…', protocol: 'tcp', fromPort: 22,
   * toPort: 22, cidr: '0.0.0.0/0' }`. Small values only; text is bounded like every other field.
   */
  readonly evidence?: Readonly<Record<string, string | number | boolean | null>>;
  readonly state?: FindingState;
  /** When the finding was first seen (ISO-8601), carried across runs. */
  readonly firstSeen?: string;
  readonly eventTime?: string;
  readonly eventName?: string;
  readonly eventSource?: string;
  readonly region?: string;
  readonly principalArn?: string;
  readonly sourceIp?: string;
  readonly s3Key?: string;
  readonly attempt?: boolean;
  readonly detail?: string;
}

/** The span of CloudTrail deliveries a scan covered (`cloudtrail-events`): files by the time in their keys. */
export interface ScannedSpan {
  /** ISO-8601: the earliest delivery time listed (the regions' cursors less the overlap, or the look-back window). */
  readonly from: string;
  /** ISO-8601: the end of the span (the run's time). */
  readonly to: string;
  readonly filesRead: number;
  readonly filesListed: number;
  /** False when the deadline stopped the scan; the next run continues from the cursor. */
  readonly complete: boolean;
}

/** What one check returns. */
export interface CheckResult {
  readonly status: Status;
  readonly message?: string;
  readonly findings?: readonly Finding[];
  readonly error?: ErrorInfo;
  /** What a log scan covered. */
  readonly scanned?: ScannedSpan;
}

/** The run as every state sees it: small, so that it can travel with every Map item. */
export interface RunInfo {
  /** The execution name: unique per state machine. */
  readonly id: string;
  readonly mode: Mode;
  readonly checks: readonly string[];
  readonly role: RoleKind;
  /** ISO-8601 start time of the execution. */
  readonly startedAt: string;
  readonly maxConcurrency: number;
  /** Whether issues end the execution in the Fail state. */
  readonly failOnIssues: boolean;
  /** Where the run's reports are, for people: `s3://bucket/runs/.../` or a local folder. */
  readonly reportLocation: string;
  /** The organization's ID: from the settings, or discovered by Resolve Targets (DescribeOrganization). */
  readonly organizationId?: string;
  /** `"schedule"` when the audit schedule started the run (its input says so); absent for a run started by hand. */
  readonly trigger?: RunTrigger;
}

/** Who started a run, when it is not a person: the audit schedule. */
export type RunTrigger = 'schedule';

/** An account the run audits, as written to targets.json. */
export interface Target {
  readonly accountId: string;
  readonly name?: string;
  readonly ouPath?: string;
}

/** An account left out of the run, with the reason a person reads. */
export interface SkippedAccount {
  readonly accountId: string;
  readonly name?: string;
  readonly reason: string;
  /** The account was named in the input: skipping it makes the run an issue (a typo must not pass). */
  readonly requested?: boolean;
}

/** targets.json: what Resolve Targets decided. */
export interface TargetsDocument {
  readonly runId: string;
  readonly organizationId?: string;
  readonly targets: readonly Target[];
  readonly skipped: readonly SkippedAccount[];
}

/** accounts/<id>.json: everything found in one account. */
export interface AccountRecord {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly accountId: string;
  readonly runId: string;
  readonly status: Status;
  readonly checks: Readonly<Record<string, CheckResult>>;
  readonly error?: ErrorInfo;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** One account in summary.json. Findings are counted here; the account record keeps them all. */
export interface SummaryAccount {
  readonly accountId: string;
  readonly name?: string;
  readonly status: Status;
  readonly checks: Readonly<
    Record<string, { status: Status; message?: string; findings?: number; muted?: number; error?: ErrorInfo }>
  >;
  readonly error?: ErrorInfo;
}

/** Counts of a run. `accounts` counts the targets; skipped accounts are counted apart. */
export interface Totals {
  readonly accounts: number;
  readonly pass: number;
  readonly fail: number;
  readonly error: number;
  readonly skipped: number;
}

/** summary.json, and what `ct-audit --summary-file` writes. */
export interface RunSummary {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly runId: string;
  readonly mode: Mode;
  readonly role: RoleKind;
  readonly checks: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly reportLocation: string;
  readonly totals: Totals;
  readonly accounts: readonly SummaryAccount[];
  readonly skipped: readonly SkippedAccount[];
  /** What changed since the previous comparable run (Summarize compares by fingerprint). */
  readonly changes?: ChangeSummary;
  /** The Audit Accounts map's error, when the fan-out itself failed (targets without a record are ERROR). */
  readonly mapError?: ErrorInfo;
  /**
   * Summarize's verdict, the one the workflow ends on: an account FAIL or ERROR, an account asked for and not
   * audited, no account audited, or a failed map. Reports and events say this, never a count of their own. Absent
   * in summaries written before it was kept: read it with `summaryHasIssues` (lib/verdict.ts).
   */
  readonly hasIssues?: boolean;
}
