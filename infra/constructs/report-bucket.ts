import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from '../nag';

/** Properties of {@link ReportBucket}. */
export interface ReportBucketProps {
  /** Days after which a run's files expire (settings `reportRetentionDays`). */
  readonly retentionDays: number;
  /**
   * Days after which an overwritten or deleted version of a file expires.
   * @default 30
   */
  readonly noncurrentVersionRetentionDays?: number;
}

/** The bucket that holds every run's targets, account records and summary, under `runs/`. */
export class ReportBucket extends Construct {
  /** The key prefix of all run files (`runs/<date>/<runId>/...`). */
  static readonly RUNS_PREFIX = 'runs/';

  /** The bucket itself. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReportBucketProps) {
    super(scope, id);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
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
      'AwsSolutions-S1',
      'Only this stack writes here, and every run is already recorded in the state machine log and in each ' +
        'report. Server access logs would need a second bucket that is itself unlogged; enable CloudTrail S3 data ' +
        'events in the organization trail if object-level access must be audited.',
    );
  }

  /** The ARN of every object under `runs/`. */
  get runObjectsArn(): string {
    return this.bucket.arnForObjects(`${ReportBucket.RUNS_PREFIX}*`);
  }

  /**
   * Lets a function write run files (PutObject on `runs/*`, nothing else). For an imported immutable role that was
   * imported with `addGrantsToResources`, the grant becomes a statement in the bucket policy.
   */
  grantWriteRuns(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:PutObject'],
      resourceArns: [this.runObjectsArn],
      resource: this.bucket,
    });
    this.acknowledgeRunObjects(grantee);
    return grant;
  }

  /** Lets a function read and write run files and list the keys under `runs/` (and nowhere else in the bucket). */
  grantReadWriteRuns(grantee: iam.IGrantable): iam.Grant {
    const objects = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:GetObject', 's3:PutObject'],
      resourceArns: [this.runObjectsArn],
      resource: this.bucket,
    });
    const listing = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      resource: this.bucket,
      conditions: { StringLike: { 's3:prefix': [`${ReportBucket.RUNS_PREFIX}*`] } },
    });
    this.acknowledgeRunObjects(grantee);
    return objects.combine(listing);
  }

  // Run files are named by date, run and account at run time, so the object ARN must end in a wildcard.
  private acknowledgeRunObjects(grantee: iam.IGrantable): void {
    if (!(grantee.grantPrincipal instanceof iam.Role)) return;
    acknowledge(
      grantee.grantPrincipal,
      wildcardResourceFinding(this, this.runObjectsArn),
      'Run files are created at run time as runs/<date>/<runId>/...; access is limited to the runs/ prefix of this ' +
        'one bucket.',
    );
  }
}
