import { isRuleId, RULE_IDS } from './ids';
import { wholeNumber } from './validation';
import * as z from './zod';

/**
 * Control Tower's own automation, which legitimately touches its trails, Config recorders, roles and stacks in every
 * account: the default of `ignorePrincipals`, and the built-in exemption. Unlike a pattern a person adds (ignored
 * for every rule), these exempt an event only when it acts on Control Tower's own resources (see
 * `actsOnControlTowerResource`): `AWSControlTowerExecution` is also how people in the management account and
 * pipelines (AFT, Customizations for Control Tower) get into an account, and the one role Control Tower's guardrail
 * SCPs do not bind, so what it does to anything else is judged like anyone's. Any partition (`arn:*:`), so that
 * Control Tower's own changes are no false alarm in GovCloud or China. Patterns use `*` as a wildcard.
 * Deliberately NOT `aws-controltower-*`: the AdministratorExecutionRole is a person's or a tool's way into every
 * account, and what it does is exactly what the rules are for.
 */
export const DEFAULT_IGNORED_PRINCIPALS = [
  'arn:*:sts::*:assumed-role/AWSControlTowerExecution/*',
  'arn:*:iam::*:role/AWSControlTowerExecution',
  'arn:*:sts::*:assumed-role/aws-controltower-ConfigRecorderRole/*',
  'arn:*:sts::*:assumed-role/aws-controltower-ForwardSnsNotificationRole/*',
] as const;

/**
 * The built-in patterns as earlier versions wrote them (`arn:aws:` only), which every `cdk.json` made from theirs
 * lists: read as the built-in exemption too, so that such settings get its narrower meaning and every partition.
 */
export const LEGACY_IGNORED_PRINCIPALS: readonly string[] = DEFAULT_IGNORED_PRINCIPALS.map((pattern) =>
  pattern.replace('arn:*:', 'arn:aws:'),
);

/** Settings of the CloudTrail checks: `ctAudit.cloudtrail`. */
export const cloudTrailSettingsSchema = z.prefault(
  z.strictObject({
    /** `cloudtrail-delivery` fails a region whose newest file is older than this. */
    freshnessMinutes: z._default(wholeNumber(5, 10_080), 60),
    /** `cloudtrail-events` scans files delivered this many hours back on its first run (before it has a cursor). */
    lookbackHours: z._default(wholeNumber(1, 168), 24),
    /** How many log files one account's scan reads at once. */
    readConcurrency: z._default(wholeNumber(1, 64), 8),
    /** Rules switched on or off by ID; rules not named keep their default. */
    rules: z._default(
      z.record(z.string(), z.boolean()).check(
        z.superRefine((rules, ctx) => {
          for (const id of Object.keys(rules).filter((key) => !isRuleId(key))) {
            ctx.addIssue({
              code: 'custom',
              path: [id],
              input: id,
              message: `unknown rule '${id}'; the rules are: ${RULE_IDS.join(', ')}`,
            });
          }
        }),
      ),
      {},
    ),
    /** Failed console sign-ins by one user in the look-back window that make a finding. */
    failedSignInThreshold: z._default(z.int().check(z.gte(1)), 5),
    /** AccessDenied / UnauthorizedOperation errors by one principal within the burst window that make a finding. */
    accessDeniedBurstThreshold: z._default(z.int().check(z.gte(1)), 20),
    accessDeniedBurstWindowMinutes: z._default(wholeNumber(1, 1440), 10),
    /**
     * Principal ARN patterns whose events no rule reports. The built-in ones ({@link DEFAULT_IGNORED_PRINCIPALS}, in
     * either form) only where Control Tower's automation acts on Control Tower's own resources; leave them out to
     * judge that automation like anyone.
     */
    ignorePrincipals: z._default(z.array(z.string().check(z.minLength(1))), [...DEFAULT_IGNORED_PRINCIPALS]),
  }),
  {},
);

/** Validated CloudTrail settings. */
export type CloudTrailSettings = z.output<typeof cloudTrailSettingsSchema>;
