import { cloudTrailSettingsSchema } from './cloudtrail-settings';
import { InvalidSettingsError } from './errors';
import { exposureSettingsSchema } from './exposure-settings';
import { CHECK_IDS } from './ids';
import { mutesSchema, notifySettingsSchema, securityHubSettingsSchema } from './outputs-settings';
import { remediationSettingsSchema } from './remediation-settings';
import { SETTINGS_ENV } from './settings-env';
import {
  accountIdSchema,
  formatIssues,
  organizationalUnitIdSchema,
  regionSchema,
  roleArnSchema,
  roleNameSchema,
  uniqueList,
  wholeNumber,
} from './validation';
import * as z from './zod';

/** The default of `concurrencyLimit`: Audit Account's reserved concurrency and the cap on `maxConcurrency`. */
export const DEFAULT_CONCURRENCY_LIMIT = 50;

/** What Lambda lets the functions of an account reserve: its default pool of 1,000, less the 100 kept unreserved. */
const MAX_RESERVED_CONCURRENCY = 900;

/**
 * The longest `schedule.alarmAfterHours`: CloudWatch refuses an alarm whose period × evaluation periods exceeds 7 days
 * (PutMetricAlarm, `Period`).
 */
export const MAX_ALARM_AFTER_HOURS = 168;

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const scheduleExpression = z
  .string()
  .check(
    z.refine(
      (value) =>
        /^cron\(\S+( \S+){5}\)$/.test(value) || /^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/.test(value),
      { error: 'must be an EventBridge Scheduler expression: cron(m h dom mon dow yr) or rate(N unit)' },
    ),
  );

const timeZone = z.string().check(
  z.refine(
    (value) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: value });
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be an IANA time zone such as UTC or Europe/Paris' },
  ),
);

const checkList = uniqueList(z.enum(CHECK_IDS, { error: `must be one of: ${CHECK_IDS.join(', ')}` }));

const selection = z.prefault(
  z.strictObject({
    accounts: z._default(uniqueList(accountIdSchema), []),
    organizationalUnits: z._default(uniqueList(organizationalUnitIdSchema), []),
  }),
  {},
);

/** The settings of control-tower-audit: cdk.json context `ctAudit`, read by the stack, the functions and the CLI. */
export const SettingsSchema = z.strictObject({
  schedule: z.prefault(
    z.strictObject({
      expression: z._default(scheduleExpression, 'cron(0 6 * * ? *)'),
      timeZone: z._default(timeZone, 'UTC'),
      enabled: z._default(z.boolean(), true),
      /**
       * How long without a completed run before the alarm NoCompletedRun: overrides the window derived from
       * `expression`, and is needed for a cron that does not run every day. 0: no such alarm. At most 168, the 7 days a
       * CloudWatch alarm can look back.
       */
      alarmAfterHours: z.optional(
        wholeNumber(
          0,
          MAX_ALARM_AFTER_HOURS,
          `must be a whole number of hours from 1 to ${MAX_ALARM_AFTER_HOURS} (a CloudWatch alarm looks back at most ` +
            '7 days), or 0 for no NoCompletedRun alarm',
        ),
      ),
    }),
    {},
  ),
  roles: z.prefault(
    z.strictObject({
      readOnlyExecutionRoleName: z._default(roleNameSchema, 'aws-controltower-ReadOnlyExecutionRole'),
      adminExecutionRoleName: z._default(roleNameSchema, 'aws-controltower-AdministratorExecutionRole'),
      auditReadOnlyRoleName: z._default(roleNameSchema, 'aws-controltower-AuditReadOnlyRole'),
      auditAdminRoleName: z._default(roleNameSchema, 'aws-controltower-AuditAdministratorRole'),
      createDedicatedRoles: z._default(z.boolean(), false),
    }),
    {},
  ),
  defaultChecks: z._default(checkList.check(z.minLength(1, { error: 'must name at least one check' })), ['identity']),
  maxConcurrency: z._default(wholeNumber(1, 1000, 'must be a whole number from 1 to 1000'), 40),
  include: selection,
  exclude: selection,
  organizationId: z.optional(
    z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, { error: 'must be an organization ID like o-a1b2c3d4e5' })),
  ),
  homeRegion: z.optional(regionSchema),
  regions: z._default(uniqueList(regionSchema), []),
  logArchive: z.prefault(
    z.strictObject({
      accountId: z.optional(accountIdSchema),
      bucket: z.optional(
        z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' })),
      ),
      /** What stands before `AWSLogs/` in the keys: the organization ID for Control Tower trails (the default), '' for older trails. */
      keyPrefix: z.optional(
        z.string().check(
          z.regex(/^([\w.-]+(\/[\w.-]+)*)?$/, {
            error: 'must be a key prefix like o-a1b2c3d4e5 (no leading or trailing /)',
          }),
        ),
      ),
      /** `organization`: AWSLogs/<orgId>/<accountId>/...; `account`: AWSLogs/<accountId>/... (trails before organization trails). */
      layout: z._default(z.enum(['organization', 'account']), 'organization'),
    }),
    {},
  ),
  cloudtrail: cloudTrailSettingsSchema,
  exposure: exposureSettingsSchema,
  adminEnabled: z._default(z.boolean(), false),
  remediation: remediationSettingsSchema,
  failOnIssues: z._default(z.boolean(), true),
  reportRetentionDays: z._default(wholeNumber(1, 3650), 400),
  /** Timeouts of every AWS call (functions and ct-audit): a silent endpoint fails the call, never hangs the run. */
  sdk: z.prefault(
    z.strictObject({
      connectionTimeoutMs: z._default(
        wholeNumber(100, 60_000, 'must be a whole number of milliseconds from 100 to 60000'),
        3_000,
      ),
      requestTimeoutMs: z._default(
        wholeNumber(100, 300_000, 'must be a whole number of milliseconds from 100 to 300000'),
        20_000,
      ),
    }),
    {},
  ),
  logRetentionDays: z._default(
    z.int().check(
      z.refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      }),
    ),
    90,
  ),
  mutes: mutesSchema,
  notify: notifySettingsSchema,
  securityHub: securityHubSettingsSchema,
  /**
   * The most Audit Account invocations one run may have at once: the reserved concurrency of Audit Account (and of
   * Audit Account As Admin), and the cap on `maxConcurrency` in the settings and in an execution input. The Audit
   * account's Lambda pool (1,000 by default, of which Lambda keeps 100 unreserved) is shared with Control Tower and
   * other security automation; one start must not take all of it.
   */
  concurrencyLimit: z._default(
    wholeNumber(1, MAX_RESERVED_CONCURRENCY, `must be a whole number from 1 to ${MAX_RESERVED_CONCURRENCY}`),
    DEFAULT_CONCURRENCY_LIMIT,
  ),
  /**
   * Role ARNs (besides the stack's own function roles) that may decrypt the reports: the people and tools that read
   * the evidence. The report bucket's KMS key allows nobody else to decrypt.
   */
  reportReaders: z._default(uniqueList(roleArnSchema), []),
});

/** Rules across settings, checked once each setting is valid on its own. */
const CheckedSettingsSchema = SettingsSchema.check(
  z.superRefine((settings, ctx) => {
    if (settings.maxConcurrency > settings.concurrencyLimit) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxConcurrency'],
        input: settings.maxConcurrency,
        message:
          `must be at most concurrencyLimit (${settings.concurrencyLimit}); lower it, or raise concurrencyLimit ` +
          '(the reserved concurrency of Audit Account)',
      });
    }
    // With the admin path, Audit Account As Admin reserves the same again: the stack's reservations must fit in what
    // Lambda lets an account reserve (the default pool of 1,000 less the 100 it keeps unreserved), or the deploy
    // fails in CloudFormation, after the synth said yes.
    const reservations = settings.adminEnabled ? 2 : 1;
    if (settings.concurrencyLimit * reservations > MAX_RESERVED_CONCURRENCY) {
      ctx.addIssue({
        code: 'custom',
        path: ['concurrencyLimit'],
        input: settings.concurrencyLimit,
        message:
          `with adminEnabled, Audit Account and Audit Account As Admin each reserve it: 2 x ${settings.concurrencyLimit} ` +
          `is more than the ${MAX_RESERVED_CONCURRENCY} an account's Lambda pool (1,000 by default, 100 kept ` +
          `unreserved) lets functions reserve; lower it to ${MAX_RESERVED_CONCURRENCY / 2} or less`,
      });
    }
    if (settings.roles.createDedicatedRoles && settings.organizationId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['roles', 'createDedicatedRoles'],
        input: true,
        message:
          'needs organizationId: without it the dedicated role could assume the execution role in any AWS account; ' +
          'set organizationId to your organization ID (o-...)',
      });
    }
  }),
);

/** Validated settings with every default filled in. */
export type Settings = z.output<typeof SettingsSchema>;

/** Settings as a person writes them in cdk.json: everything optional. */
export type SettingsInput = z.input<typeof SettingsSchema>;

/**
 * Validates raw settings. A wrong setting throws {@link InvalidSettingsError} naming the setting and the form
 * expected, e.g. `ctAudit.maxConcurrency: must be a whole number from 1 to 1000 (got 5000)`.
 */
export function parseSettings(raw: unknown, source = 'ctAudit'): Settings {
  const result = CheckedSettingsSchema.safeParse(withoutNulls(raw ?? {}), { reportInput: true });
  if (!result.success) {
    throw new InvalidSettingsError(`invalid settings: ${formatIssues(result.error.issues, source)}`);
  }
  return result.data;
}

/**
 * `null` means "not set": cdk.json shows every key a deployer sets, with `null` where a value is to be filled in.
 * Lists are left as they are.
 */
function withoutNulls(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(
    Object.entries(raw)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [key, withoutNulls(value)]),
  );
}

export { SETTINGS_ENV };
