import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from '../nag';

/** Properties of {@link ReportBucket}. */
export interface ReportBucketProps {
  /**
   * Days after which a run's files expire (settings `reportRetentionDays`), and the Object Lock retention: for that
   * long no version can be overwritten in place or deleted, except by a principal allowed to bypass governance mode.
   */
  readonly retentionDays: number;
  /**
   * Days after which an overwritten or deleted version of a file expires (never before its Object Lock retention
   * has passed).
   * @default 30
   */
  readonly noncurrentVersionRetentionDays?: number;
  /**
   * Role ARNs, besides the roles given to the grant methods, that may decrypt the reports (settings `reportReaders`).
   * @default - none
   */
  readonly readerRoleArns?: readonly string[];
  /**
   * Object Lock in governance mode for `retentionDays`. S3 turns Object Lock on only when a bucket is created: a
   * stack deployed before this setting existed gets a new report bucket (the old one is retained, with its reports).
   * @default true
   */
  readonly objectLock?: boolean;
}

/**
 * The bucket that holds every run's targets, account records and summary, under `runs/`: encrypted with a key of
 * its own whose policy lets only the stack's roles and the named readers use it, Object Lock (governance) for the
 * retention period, server access logs to a log bucket, TLS only, public access blocked, versioned.
 */
export class ReportBucket extends Construct {
  /** The key prefix of all run files (`runs/<date>/<runId>/...`). */
  static readonly RUNS_PREFIX = 'runs/';
  /** The key prefix of the state documents (CloudTrail cursors, the previous-run pointer). */
  static readonly STATE_PREFIX = 'state/';

  /** The folder under `state/` of the remediation runs' task tokens (`<runId>.json`, written by Approve Remediations). */
  static readonly APPROVAL_TOKENS_FOLDER = 'remediation/approvals';

  /** The bucket itself. */
  readonly bucket: s3.Bucket;
  /** The key that encrypts the reports. */
  readonly key: kms.Key;
  /** Where S3 writes the report bucket's server access logs. */
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReportBucketProps) {
    super(scope, id);
    // The key policy gives the account (IAM) the administration of the key but no use of it: encrypting and
    // decrypting are allowed only by the statements the grant methods add, each naming a role. Without this, any
    // principal of the account whose IAM policy allows kms:Decrypt could read the findings (principals, source IPs).
    this.key = new kms.Key(this, 'Key', {
      description: 'control-tower-audit: encrypts the audit reports (runs/, state/) of the report bucket',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'KeyAdministrationWithoutUse',
            principals: [new iam.AccountRootPrincipal()],
            actions: KEY_ADMINISTRATION_ACTIONS,
            resources: ['*'],
          }),
        ],
      }),
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      // S3 delivers server access logs only to a bucket encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionRetentionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    // AWSLambdaExecute (on Control Tower's Audit roles, among others) allows s3:PutObject on every bucket: deny every
    // write and delete to all but the S3 logging service. aws:PrincipalServiceName is in the request only when an
    // AWS service principal makes it, and a negated operator is true when its key is absent, so this denies every
    // IAM principal and every other service (IAM User Guide: global condition keys; condition operators).
    this.accessLogsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyS3LoggingWritesAccessLogs',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [this.accessLogsBucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 'aws:PrincipalServiceName': 'logging.s3.amazonaws.com' } },
      }),
    );
    acknowledge(
      this.accessLogsBucket,
      'AwsSolutions-S1',
      'This is the server access log bucket of the report bucket; logging it into itself would log its own log ' +
        'deliveries without end. Its bucket policy denies every write and delete of an object to all but the S3 ' +
        'logging service (logging.s3.amazonaws.com).',
    );
    acknowledge(
      this.accessLogsBucket,
      'NIST.800.53.R5-S3BucketLoggingEnabled',
      'This is the server access log bucket of the report bucket; logging it into itself would log its own log ' +
        'deliveries without end.',
    );
    acknowledge(
      this.accessLogsBucket,
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      'S3 server access logging delivers only to a target bucket whose default encryption is SSE-S3 (AES256); ' +
        'SSE-KMS is not supported there.',
    );
    acknowledge(
      this.accessLogsBucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'Access logs of the report bucket are kept versioned for the retention period in the Audit account; ' +
        'replicating them needs a bucket in a second region that this stack does not own.',
    );

    const objectLock = props.objectLock ?? true;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      // Each object is encrypted under its own data key with its ARN as encryption context, so that the key policy
      // can limit a role to the objects of one prefix (a bucket key would make the context the bucket's ARN).
      bucketKeyEnabled: false,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: objectLock,
      ...(objectLock
        ? { objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(props.retentionDays)) }
        : {}),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'report-bucket/',
      // Reports are audit evidence: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireReports',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionRetentionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    acknowledge(
      this.bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'Reports are versioned and under Object Lock in the Audit account for the retention period, and each run ' +
        'writes a new set; replicating them needs a bucket in a second region that this stack does not own.',
    );

    // The named readers (people and tools that read the evidence, possibly from another account): list and read the
    // run files, and decrypt them through S3.
    const readers = (props.readerRoleArns ?? []).map((arn) => new iam.ArnPrincipal(arn));
    if (readers.length > 0) {
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'NamedReadersReadReports',
          principals: readers,
          actions: ['s3:GetObject'],
          resources: [this.runObjectsArn],
        }),
      );
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'NamedReadersListReports',
          principals: readers,
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${ReportBucket.RUNS_PREFIX}*`] } },
        }),
      );
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'NamedReadersDecryptReports',
          principals: readers,
          actions: ['kms:Decrypt'],
          resources: ['*'],
          conditions: this.viaS3Conditions([`${ReportBucket.RUNS_PREFIX}*`], false),
        }),
      );
    }
  }

  /**
   * Lets the roles of the people who approve remediation runs (settings `remediation.approverRoleArns`) read the task
   * tokens that Approve Remediations leaves, `state/remediation/approvals/<runId>.json`, and decrypt them through S3
   * in this account: GetObject on those keys and kms:Decrypt for them, nothing else. Answering a run also needs
   * states:SendTaskSuccess / SendTaskFailure on the remediation state machine, which the approvers' own IAM policy
   * gives.
   */
  grantApprovers(roleArns: readonly string[]): void {
    if (roleArns.length === 0) return;
    const approvers = roleArns.map((arn) => new iam.ArnPrincipal(arn));
    const tokens = `${ReportBucket.STATE_PREFIX}${ReportBucket.APPROVAL_TOKENS_FOLDER}/*`;
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ApproversReadApprovalTokens',
        principals: approvers,
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(tokens)],
      }),
    );
    // Listing the tokens' folder, and nothing else: without it S3 answers a read of a missing token (a run that is not
    // waiting, or no longer) with AccessDenied instead of NoSuchKey, and `ct-audit approve` could not say which.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ApproversListApprovalTokens',
        principals: approvers,
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [tokens] } },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ApproversDecryptApprovalTokens',
        principals: approvers,
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: this.viaS3Conditions([tokens]),
      }),
    );
  }

  /** The ARN of every object under `runs/`. */
  get runObjectsArn(): string {
    return this.bucket.arnForObjects(`${ReportBucket.RUNS_PREFIX}*`);
  }

  /**
   * Lets a function write run files under the given key patterns (PutObject, nothing else; `runs/*` when left out)
   * and encrypt them with the key. For an imported immutable role that was imported with `addGrantsToResources`,
   * the grant becomes a statement in the bucket policy.
   */
  grantWriteRuns(
    grantee: iam.IGrantable,
    keyPatterns: readonly string[] = [`${ReportBucket.RUNS_PREFIX}*`],
  ): iam.Grant {
    const grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:PutObject'],
      resourceArns: keyPatterns.map((pattern) => this.bucket.arnForObjects(pattern)),
      resource: this.bucket,
    });
    this.grantKey(grantee, ['kms:GenerateDataKey'], keyPatterns);
    for (const pattern of keyPatterns) this.acknowledgeObjects(grantee, pattern);
    return grant;
  }

  /**
   * Lets a role that other functions share (Control Tower's Audit role, imported immutable) write only under the
   * given key patterns: an Allow for them in the bucket policy, and a Deny of every other write, because the role's
   * own managed policy (AWSLambdaExecute) allows s3:PutObject on every bucket. Any function that runs as that role
   * can still write under these patterns: S3 cannot tell the functions of one role apart (lambda:SourceFunctionArn
   * is not available in resource-based policies).
   */
  grantSharedRoleWrites(role: iam.IRole, keyPatterns: readonly string[]): void {
    this.grantWriteRuns(role, keyPatterns);
    this.exceptFromSharedRoleDeny(role, keyPatterns);
  }

  /**
   * Like {@link grantReadWrite} (Get, Put and listing under `pattern`, the key for those objects alone), for a role
   * that other functions share: its writes there are excepted from the Deny of {@link grantSharedRoleWrites}.
   */
  grantSharedRoleReadWrite(role: iam.IRole, pattern: string): iam.Grant {
    const grant = this.grantUnder(role, pattern, true);
    this.exceptFromSharedRoleDeny(role, [pattern]);
    return grant;
  }

  /** Adds `keyPatterns` to the exceptions of the role's Deny of every other write (made on the role's first grant). */
  private exceptFromSharedRoleDeny(role: iam.IRole, keyPatterns: readonly string[]): void {
    // One Deny per role, over the union of every pattern granted to it (the audit and the remediation functions may
    // run as the same Control Tower role): two Denies with different exceptions would deny everything.
    const existing = this.sharedRoleWrites.get(role.roleName);
    if (existing) {
      existing.push(...keyPatterns);
      return;
    }
    const patterns = [...keyPatterns];
    this.sharedRoleWrites.set(role.roleName, patterns);
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `DenyOtherWritesBy${role.node.id}`,
        effect: iam.Effect.DENY,
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention'],
        notResources: Lazy.list({ produce: () => patterns.map((pattern) => this.bucket.arnForObjects(pattern)) }),
      }),
    );
  }

  /** The write patterns granted to each shared (imported) role, by role name: one Deny covers them all. */
  private readonly sharedRoleWrites = new Map<string, string[]>();

  /** Lets a function read objects under the given key patterns (GetObject and decryption through S3, nothing else). */
  grantRead(grantee: iam.IGrantable, keyPatterns: readonly string[]): iam.Grant {
    const grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: keyPatterns.map((pattern) => this.bucket.arnForObjects(pattern)),
      resource: this.bucket,
    });
    this.grantKey(grantee, ['kms:Decrypt'], keyPatterns);
    for (const pattern of keyPatterns) this.acknowledgeObjects(grantee, pattern);
    return grant;
  }

  /**
   * Lets a function read (and, with `write`, write) the state documents of one folder under `state/` (the CloudTrail
   * cursors, the previous-run pointer, remediation state) and list that folder, so that a missing document reads as
   * missing rather than as AccessDenied; the key is usable for that folder only.
   */
  grantState(grantee: iam.IGrantable, folder: string, options: { readonly write: boolean }): iam.Grant {
    return this.grantUnder(grantee, `${ReportBucket.STATE_PREFIX}${folder}/*`, options.write);
  }

  /**
   * Lets a function read the objects matching `pattern` and list keys under it (nothing else, no write), so that a
   * missing file is known by listing.
   */
  grantReadListed(grantee: iam.IGrantable, pattern: string): iam.Grant {
    return this.grantUnder(grantee, pattern, false);
  }

  /**
   * Lets a function read and write the run files matching `pattern` and list keys under it (and nowhere else in the
   * bucket), so that a missing file is known by listing.
   */
  grantReadWrite(grantee: iam.IGrantable, pattern: string): iam.Grant {
    return this.grantUnder(grantee, pattern, true);
  }

  /** Lets a function read and write run files and list the keys under `runs/` (and nowhere else in the bucket). */
  grantReadWriteRuns(grantee: iam.IGrantable): iam.Grant {
    return this.grantUnder(grantee, `${ReportBucket.RUNS_PREFIX}*`, true);
  }

  /**
   * Get (and Put with `write`) on the objects matching `pattern`, ListBucket for that prefix only, and the key for
   * those objects alone: the one shape of every grant on this bucket.
   */
  private grantUnder(grantee: iam.IGrantable, pattern: string, write: boolean): iam.Grant {
    const objects = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: write ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(pattern)],
      resource: this.bucket,
    });
    const listing = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      resource: this.bucket,
      conditions: { StringLike: { 's3:prefix': [pattern] } },
    });
    this.grantKey(grantee, write ? ['kms:GenerateDataKey', 'kms:Decrypt'] : ['kms:Decrypt'], [pattern]);
    this.acknowledgeObjects(grantee, pattern);
    return objects.combine(listing);
  }

  /**
   * A key policy statement naming the grantee's role: the key is used only through S3, in this account, for objects
   * of this bucket under the given key patterns (the object ARN is the encryption context).
   */
  private grantKey(grantee: iam.IGrantable, actions: string[], keyPatterns: readonly string[]): void {
    const principal = grantee.grantPrincipal;
    const roleArn = principal instanceof iam.Role || isRole(principal) ? principal.roleArn : undefined;
    if (roleArn === undefined) throw new Error(`${this.node.path}: only roles can be granted the report key`);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal(roleArn)],
        actions,
        resources: ['*'],
        conditions: this.viaS3Conditions(keyPatterns),
      }),
    );
  }

  private viaS3Conditions(keyPatterns: readonly string[], sameAccount = true): Record<string, Record<string, unknown>> {
    const stack = Stack.of(this);
    return {
      StringEquals: {
        'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}`,
        ...(sameAccount ? { 'kms:CallerAccount': stack.account } : {}),
      },
      // The bucket is named by `*`: naming it would make the key depend on the bucket, which depends on the key.
      // Only this bucket's roles may use the key at all, so the patterns still limit each role to its objects.
      StringLike: {
        'kms:EncryptionContext:aws:s3:arn': keyPatterns.map((pattern) => `arn:${stack.partition}:s3:::*/${pattern}`),
      },
    };
  }

  // Run files are named by date, run and account at run time, so the object ARN must end in a wildcard.
  private acknowledgeObjects(grantee: iam.IGrantable, pattern: string): void {
    if (!(grantee.grantPrincipal instanceof iam.Role)) return;
    acknowledge(
      grantee.grantPrincipal,
      wildcardResourceFinding(this, this.bucket.arnForObjects(pattern)),
      `Run files and state documents are named at run time (runs/<date>/<runId>/..., state/<folder>/<name>); ` +
        `access is limited to ${pattern} of this one bucket.`,
    );
  }
}

function isRole(principal: iam.IPrincipal): principal is iam.IRole {
  return 'roleArn' in principal && typeof (principal as { roleArn: unknown }).roleArn === 'string';
}

/** Everything on the key except using it (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*) or granting its use (CreateGrant). */
const KEY_ADMINISTRATION_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];
