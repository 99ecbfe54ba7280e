import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { InvalidSettingsError } from '../../functions/lib/errors';
import { SETTINGS_SHA256_ENV } from '../../functions/lib/read-settings';
import type { Settings } from '../../functions/lib/settings';
import { SDK_TIMEOUTS_ENV } from '../../functions/lib/settings-env';
import { SETTINGS_PARAMETER_ENV } from '../../functions/lib/settings-parameter';
import { TASKS, type TaskId } from '../../statemachine/tasks';
import { acknowledge, wildcardResourceFinding } from '../nag';
import { deployedSettingsFingerprint, settingsVariables } from '../settings-schema-id';
import { AuditFunction, functionEnvironment } from './audit-function';
import { ReportBucket } from './report-bucket';

/** targets.json of any run: what Resolve Targets writes. */
const TARGETS_KEYS = `${ReportBucket.RUNS_PREFIX}*/targets.json`;
/** accounts/<id>.json of any run: what Audit Account and Record Account Error write. */
const ACCOUNT_RECORD_KEYS = `${ReportBucket.RUNS_PREFIX}*/accounts/*`;
/** The folder under `state/` of the CloudTrail cursors, which Audit Account reads and writes. */
const CURSORS_FOLDER = 'cloudtrail-cursors';
/** Audit Account writes account records and the CloudTrail cursors. */
const AUDIT_ACCOUNT_WRITES = [ACCOUNT_RECORD_KEYS, `${ReportBucket.STATE_PREFIX}${CURSORS_FOLDER}/*`];

/**
 * Reserved concurrency of an Audit Account function: a run's Map cannot take more of the account's Lambda pool,
 * which Control Tower and other security automation share (settings `concurrencyLimit`, also the cap on
 * `maxConcurrency`).
 */
function limitConcurrency(fn: AuditFunction, limit: number): void {
  (fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = limit;
}

/** The environment variable that names the report bucket. */
export const REPORT_BUCKET_ENV = 'REPORT_BUCKET';

/**
 * Lambda refuses a function whose environment variables take more than 4 KB as it counts them: the variables as one
 * JSON object, "key names, values, quotes, commas, and brackets" (Lambda's troubleshooting guide), so each quote in
 * the settings' JSON costs two bytes there (`\"`).
 */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** The one token in an environment that holds the settings is the report bucket's name: at most 63 characters. */
const BUCKET_NAME_MAX_BYTES = 63;

/** A Standard SSM parameter holds 4 KB; an Advanced one 8 KB. */
const STANDARD_PARAMETER_LIMIT_BYTES = 4096;
const ADVANCED_PARAMETER_LIMIT_BYTES = 8192;

/** Memory of Audit Account: 1,769 MB is one whole vCPU, what the CPU-bound CloudTrail scan needs (see README). */
export const AUDIT_ACCOUNT_MEMORY_MB = 1769;

/** Audit Account's time: the ASL task gives it 90 s; with its retries it fits in an Express child (see the ASL). */
export const AUDIT_ACCOUNT_TIMEOUT = Duration.seconds(90);

/** Record Account Error's time: 10 s, retried once, the last 21 s of the Express child's 300 s. */
export const RECORD_ACCOUNT_ERROR_TIMEOUT = Duration.seconds(10);

/** Properties of {@link AuditFunctions}. */
export interface AuditFunctionsProps {
  /**
   * The validated settings: written to an SSM parameter that the functions read at cold start (a function that runs
   * as a Control Tower role, which the stack cannot grant SSM, gets them in `CT_AUDIT_SETTINGS` instead).
   */
  readonly settings: Settings;
  /** Where the functions write run files. */
  readonly reportBucket: ReportBucket;
}

/** The functions of the workflow, each with the least privilege its step needs. */
export class AuditFunctions extends Construct {
  /** Resolve Targets: validates the input and lists the accounts to audit. */
  readonly resolveTargets: AuditFunction;
  /** Audit Account: runs the checks in one account through the read-only execution role. */
  readonly auditAccount: AuditFunction;
  /** Audit Account As Admin: present only when `adminEnabled` is set. */
  readonly auditAccountAdmin?: AuditFunction;
  /** Record Account Error: records an account whose audit failed as a whole. */
  readonly recordAccountError: AuditFunction;
  /** Summarize: joins targets and records into the run summary. */
  readonly summarize: AuditFunction;
  /** The validated settings as JSON, which the functions read at cold start. */
  readonly settingsParameter: ssm.StringParameter;
  /**
   * What a function reading the parameter gets in its environment: the parameter's name, the fingerprint of its text
   * (functions/lib/read-settings.ts) and the `sdk` block alone, since its clients are made at load, before it reads.
   */
  private readonly parameterReader: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: AuditFunctionsProps) {
    super(scope, id);
    const { settings, reportBucket } = props;
    const settingsJson = JSON.stringify(settings);
    this.settingsParameter = new ssm.StringParameter(this, 'Settings', {
      parameterName: `/${Stack.of(this).stackName}/settings`,
      description: 'control-tower-audit: the validated settings (cdk.json context ctAudit), read by the functions',
      stringValue: settingsJson,
      tier: parameterTier(settingsJson),
    });
    const bucketOnly = { [REPORT_BUCKET_ENV]: reportBucket.bucket.bucketName };
    // Every client follows the `sdk` timeouts, also in a function that reads no other setting (Record Account Error).
    const sdkTimeouts = { [SDK_TIMEOUTS_ENV]: JSON.stringify(settings.sdk) };
    const common = { environment: { ...bucketOnly, ...sdkTimeouts }, logRetentionDays: settings.logRetentionDays };
    this.parameterReader = {
      [SETTINGS_PARAMETER_ENV]: this.settingsParameter.parameterName,
      [SETTINGS_SHA256_ENV]: deployedSettingsFingerprint(settingsJson),
      ...sdkTimeouts,
    };
    const withSettings = { ...common, environment: { ...bucketOnly, ...this.parameterReader } };

    this.resolveTargets = new AuditFunction(this, 'ResolveTargets', {
      ...withSettings,
      handlerName: TASKS.resolveTargets.handler,
      description: 'control-tower-audit Resolve Targets: validates the input and lists the accounts to audit',
    });
    const organizationsRead = new iam.Policy(this, 'ResolveTargetsOrganizationsRead', {
      statements: [
        new iam.PolicyStatement({
          actions: [
            'organizations:DescribeOrganization',
            'organizations:ListAccounts',
            'organizations:ListRoots',
            'organizations:ListOrganizationalUnitsForParent',
            'organizations:ListAccountsForParent',
          ],
          resources: ['*'],
        }),
      ],
    });
    organizationsRead.attachToRole(roleOf(this.resolveTargets));
    acknowledge(
      organizationsRead,
      'AwsSolutions-IAM5[Resource::*]',
      'DescribeOrganization, ListAccounts and ListRoots take no resource ARN; the *ForParent calls walk every root ' +
        'and OU, whose ARNs carry the management account ID, unknown at deploy time. Only these five read calls.',
    );
    this.grantReadSettings(this.resolveTargets);
    reportBucket.grantWriteRuns(this.resolveTargets, [TARGETS_KEYS]);

    this.auditAccount = this.auditAccountFunction('AuditAccount', {
      settings,
      common: withSettings,
      settingsJson,
      reportBucket,
      auditRoleName: settings.roles.auditReadOnlyRoleName,
      executionRoleName: settings.roles.readOnlyExecutionRoleName,
      description: 'control-tower-audit Audit Account: runs the checks in one account (read-only execution role)',
    });
    if (settings.adminEnabled) {
      this.auditAccountAdmin = this.auditAccountFunction('AuditAccountAdmin', {
        settings,
        common: withSettings,
        settingsJson,
        reportBucket,
        auditRoleName: settings.roles.auditAdminRoleName,
        executionRoleName: settings.roles.adminExecutionRoleName,
        description:
          'control-tower-audit Audit Account As Admin: runs the checks in one account (admin execution role)',
      });
    }

    this.recordAccountError = new AuditFunction(this, 'RecordAccountError', {
      ...common,
      handlerName: TASKS.recordAccountError.handler,
      description: 'control-tower-audit Record Account Error: records an account whose audit failed as a whole',
      timeout: RECORD_ACCOUNT_ERROR_TIMEOUT,
      memorySize: 256,
    });
    // It lists and reads the record first: one an attempt of the run already wrote is kept (see the handler).
    reportBucket.grantReadWrite(this.recordAccountError, ACCOUNT_RECORD_KEYS);

    this.summarize = new AuditFunction(this, 'Summarize', {
      // Summarize applies the mutes of the settings.
      ...withSettings,
      handlerName: TASKS.summarize.handler,
      description: 'control-tower-audit Summarize: joins the targets with the account records into summary.json',
      // The task in the ASL gives it 900 seconds; it reads one record per account, 10,000 of them in a large org.
      timeout: Duration.minutes(14),
      memorySize: 1024,
    });
    this.grantReadSettings(this.summarize);
    reportBucket.grantReadWriteRuns(this.summarize);

    for (const fn of [this.resolveTargets, this.summarize]) {
      acknowledge(
        fn,
        'NIST.800.53.R5-LambdaConcurrency',
        'Invoked once per execution (Resolve Targets, Summarize), plus retries; a reservation would take concurrency ' +
          "from the Audit account's shared pool for a function that runs once a run. Audit Account has a reservation.",
      );
    }
    acknowledge(
      this.recordAccountError,
      'NIST.800.53.R5-LambdaConcurrency',
      'Invoked only for an account whose audit failed, so at most as often at once as Audit Account, whose reserved ' +
        'concurrency (concurrencyLimit) bounds the run; a reservation of its own would idle in the shared pool.',
    );
  }

  /** Every function the workflow invokes. */
  get all(): AuditFunction[] {
    return [
      this.resolveTargets,
      this.auditAccount,
      ...(this.auditAccountAdmin ? [this.auditAccountAdmin] : []),
      this.recordAccountError,
      this.summarize,
    ];
  }

  /**
   * The function each Task state of the ASL invokes. Without the admin path, "Audit Account As Admin" is unreachable
   * (Resolve Targets rejects `"role": "admin"` as InvalidInput), but the definition still needs a valid ARN there.
   */
  get byTask(): Readonly<Record<Exclude<TaskId, 'publishReport'>, AuditFunction>> {
    return {
      resolveTargets: this.resolveTargets,
      auditAccount: this.auditAccount,
      auditAccountAsAdmin: this.auditAccountAdmin ?? this.auditAccount,
      recordAccountError: this.recordAccountError,
      summarize: this.summarize,
    };
  }

  /**
   * Lets a function made elsewhere (Publish Report) read the settings as these do: the parameter's name in its
   * environment and ssm:GetParameter on that one parameter.
   */
  useSettings(fn: AuditFunction): void {
    for (const [name, value] of Object.entries(this.parameterReader)) fn.addEnvironment(name, value);
    this.grantReadSettings(fn);
  }

  /** Lets a function read the settings parameter: ssm:GetParameter on that one parameter. */
  private grantReadSettings(fn: AuditFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.settingsParameter.parameterArn] }),
    );
  }

  private auditAccountFunction(id: string, options: AuditAccountFunctionOptions): AuditFunction {
    const { settings, common, settingsJson, reportBucket, auditRoleName, executionRoleName, description } = options;
    const sized = { memorySize: AUDIT_ACCOUNT_MEMORY_MB, timeout: AUDIT_ACCOUNT_TIMEOUT };
    if (settings.roles.createDedicatedRoles) {
      const fn = new AuditFunction(this, id, {
        ...common,
        ...sized,
        handlerName: TASKS.auditAccount.handler,
        description,
      });
      this.grantReadSettings(fn);
      fn.addToRolePolicy(assumeExecutionRoleStatement(this, executionRoleName, settings.organizationId));
      acknowledge(
        roleOf(fn),
        wildcardResourceFinding(this, executionRoleArnPattern(this, executionRoleName)),
        `The function assumes ${executionRoleName} in every enrolled account, so the account ID is the wildcard; ` +
          'the role name is fixed and, when organizationId is set, aws:ResourceOrgID keeps it inside the organization.',
      );
      reportBucket.grantWriteRuns(fn, AUDIT_ACCOUNT_WRITES);
      reportBucket.grantState(fn, CURSORS_FOLDER, { write: false });
      limitConcurrency(fn, settings.concurrencyLimit);
      return fn;
    }

    // Control Tower's execution roles trust only its Audit roles, so the function must run as one of them. Imported
    // immutable: the stack never changes Control Tower's roles, and grants to them go into the bucket policy instead.
    const role = iam.Role.fromRoleName(this, `${id}ControlTowerRole`, auditRoleName, {
      mutable: false,
      addGrantsToResources: true,
    });
    // Control Tower's roles carry only AWSLambdaExecute (logs, S3) and cannot be given ssm:GetParameter, so this
    // function gets the settings in its environment, within Lambda's 4 KB.
    const environment = { [REPORT_BUCKET_ENV]: reportBucket.bucket.bucketName, ...settingsVariables(settingsJson) };
    assertEnvironmentFits(environment);
    const fn = new AuditFunction(this, id, {
      ...common,
      ...sized,
      environment,
      handlerName: TASKS.auditAccount.handler,
      description,
      role,
      // Active tracing needs xray:PutTraceSegments on the execution role, and Control Tower's role cannot be given
      // it. The state machine's trace still shows each invocation of this task and how long it took.
      tracing: lambda.Tracing.PASS_THROUGH,
    });
    // Control Tower's role is shared with other functions of the Audit account: the bucket policy allows it only
    // these keys and denies it every other write (see README, "Security").
    reportBucket.grantSharedRoleWrites(role, AUDIT_ACCOUNT_WRITES);
    reportBucket.grantState(role, CURSORS_FOLDER, { write: false });
    limitConcurrency(fn, settings.concurrencyLimit);
    return fn;
  }
}

interface AuditAccountFunctionOptions {
  readonly settings: Settings;
  readonly common: { readonly environment: Record<string, string>; readonly logRetentionDays: number };
  readonly settingsJson: string;
  readonly reportBucket: ReportBucket;
  readonly auditRoleName: string;
  readonly executionRoleName: string;
  readonly description: string;
}

function roleOf(fn: AuditFunction): iam.IRole {
  if (fn.role === undefined) throw new Error(`${fn.node.path} has no execution role`);
  return fn.role;
}

/** `arn:<partition>:iam::*:role/<name>`: the execution role of that name in any account. */
export function executionRoleArnPattern(scope: Construct, roleName: string): string {
  return Stack.of(scope).formatArn({
    service: 'iam',
    region: '',
    account: '*',
    resource: 'role',
    resourceName: roleName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

export function assumeExecutionRoleStatement(
  scope: Construct,
  roleName: string,
  organizationId: string | undefined,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['sts:AssumeRole'],
    resources: [executionRoleArnPattern(scope, roleName)],
    conditions: organizationId ? { StringEquals: { 'aws:ResourceOrgID': organizationId } } : undefined,
  });
}

/** The cheapest tier that holds the settings; settings too large for any fail the synth with what to change. */
function parameterTier(settingsJson: string): ssm.ParameterTier {
  const bytes = Buffer.byteLength(settingsJson);
  if (bytes <= STANDARD_PARAMETER_LIMIT_BYTES) return ssm.ParameterTier.STANDARD;
  if (bytes <= ADVANCED_PARAMETER_LIMIT_BYTES) return ssm.ParameterTier.ADVANCED;
  throw new InvalidSettingsError(
    `invalid settings: ctAudit: the settings take ${bytes} bytes as JSON, and an SSM parameter holds at most ` +
      `${ADVANCED_PARAMETER_LIMIT_BYTES} bytes; shorten the include/exclude lists (list organizational units rather ` +
      'than accounts)',
  );
}

/**
 * Refuses settings that would not fit in a function's environment (Lambda's 4 KB) at synth, rather than at deploy.
 * `reader` says which function gets them there and why, `remedy` what else can be done.
 */
export function assertEnvironmentFits(
  environment: Readonly<Record<string, string>>,
  reader = 'Audit Account gets them when it runs as a Control Tower role (which cannot read SSM)',
  remedy = ', or set roles.createDedicatedRoles so that it reads them from SSM (8 KB)',
): void {
  const bytes = environmentBytes(functionEnvironment(environment));
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new InvalidSettingsError(
      `invalid settings: ctAudit: with the settings, a function's environment takes ${bytes} bytes as Lambda counts ` +
        `it, and Lambda allows 4096 bytes of environment per function, where ${reader}; shorten the include/exclude ` +
        `lists (list organizational units rather than accounts)${remedy}`,
    );
  }
}

/**
 * The bytes Lambda counts for `variables` (their compact JSON), with a token (the bucket's name, not yet known at
 * synth) counted at the longest value it can take.
 */
export function environmentBytes(variables: Readonly<Record<string, string>>): number {
  const longest = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      Token.isUnresolved(value) ? 'b'.repeat(BUCKET_NAME_MAX_BYTES) : value,
    ]),
  );
  return Buffer.byteLength(JSON.stringify(longest));
}
