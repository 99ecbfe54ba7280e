import { CHECK_FINDING_RULES, CHECK_IDS, isCheckFindingRule, isCheckId, isRuleId, LOG_FILE_UNREADABLE } from './ids';
import { accountIdSchema, uniqueList } from './validation';
import * as z from './zod';

/** The longest mute reason, owner and resource a setting may carry: they are shown in reports and messages. */
const MAX_MUTE_TEXT = 256;

const plainText = (max: number, what: string) =>
  z.string({ error: `must be ${what}` }).check(
    z.trim(),
    z.minLength(1, { error: `must be ${what} (not empty)` }),
    z.maxLength(max, { error: `must be at most ${max} characters` }),
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    z.regex(/^[^\u0000-\u001f\u007f]*$/, { error: 'must not contain control characters' }),
  );

/** A date (`2027-03-31`, the end of that day UTC) or an ISO-8601 time with a zone (`2027-03-31T12:00:00Z`). */
const expiry = z
  .string({ error: 'must be a date like 2027-03-31 or a time like 2027-03-31T12:00:00Z' })
  .check(
    z.refine(
      (value) =>
        (/^\d{4}-\d{2}-\d{2}$/.test(value) ||
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) &&
        !Number.isNaN(Date.parse(value)),
      { error: 'must be a date like 2027-03-31 or a time like 2027-03-31T12:00:00Z' },
    ),
  );

/**
 * A finding's rule as settings name it: a CloudTrail rule, `LogFileUnreadable`, a check's finding (`<check>/<kind>`,
 * one of {@link CHECK_FINDING_RULES}) or a check's gap (`<check>/incomplete`). A kind no check reports would mute
 * nothing, and the person who wrote it would believe a finding accepted that still alarms: it is refused.
 */
const muteRule = z.string().check(
  z.refine(
    (value) => {
      if (isRuleId(value) || value === LOG_FILE_UNREADABLE || isCheckFindingRule(value)) return true;
      const [check, kind, ...rest] = value.split('/');
      return rest.length === 0 && check !== undefined && isCheckId(check) && kind === 'incomplete';
    },
    {
      error:
        'must be a CloudTrail rule ID, LogFileUnreadable, <check>/incomplete, or one of the findings of the checks: ' +
        CHECK_FINDING_RULES.join(', '),
    },
  ),
);

/**
 * One mute: findings that match it stay in the records as `MUTED`, are not issues and do not notify, until it
 * expires. `check` or `rule` says which findings; `account` and `resource` (ID or ARN) narrow it.
 */
export const muteSchema = z
  .strictObject({
    account: z.optional(accountIdSchema),
    check: z.optional(z.enum(CHECK_IDS, { error: `must be one of: ${CHECK_IDS.join(', ')}` })),
    rule: z.optional(muteRule),
    resource: z.optional(plainText(MAX_MUTE_TEXT, 'a resource ID or ARN')),
    reason: plainText(MAX_MUTE_TEXT, 'the reason the finding is accepted'),
    owner: plainText(128, 'who accepted it (a person or team)'),
    expires: expiry,
  })
  .check(
    z.refine((mute) => mute.check !== undefined || mute.rule !== undefined, {
      error: 'must name a check or a rule',
    }),
  );

/** A validated mute. */
export type Mute = z.output<typeof muteSchema>;

/** `ctAudit.mutes`: accepted findings, each with a reason, an owner and an expiry. */
export const mutesSchema = z._default(
  z.array(muteSchema, { error: 'must be a list of mutes' }).check(z.maxLength(200)),
  [],
);

const emailSchema = z
  .string()
  .check(
    z.regex(/^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/, { error: 'must be an email address' }),
    z.maxLength(254),
  );

/** `ctAudit.notify`: who is told about a run, and when. */
export const notifySettingsSchema = z.prefault(
  z.strictObject({
    /** Email addresses subscribed to the run topic (each confirms the subscription once). */
    emails: z._default(uniqueList(emailSchema).check(z.maxLength(20)), []),
    /** A message after every run; by default only when something changed (NEW, REOPENED, newly unreachable). */
    always: z._default(z.boolean(), false),
  }),
  {},
);

/** `ctAudit.securityHub`: import the findings into Security Hub in the Audit account. */
export const securityHubSettingsSchema = z.prefault(z.strictObject({ enabled: z._default(z.boolean(), false) }), {});
