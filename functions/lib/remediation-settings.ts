import { accountIdSchema, roleArnSchema, uniqueList, wholeNumber } from './validation';
import * as z from './zod';

export { REMEDIATION_IDS, type RemediationId } from './ids';

const off = z._default(z.boolean(), false);

/** What a scheduled audit does at its end about remediation: nothing, or start a plan (never an apply). */
export const AFTER_SCHEDULED_AUDIT = ['none', 'plan'] as const;

/**
 * An exemption a person wrote down: this resource (its ID, ARN or part, e.g. `sgr-…`) in this account is never
 * remediated until `expires`. Every field is required, so that no exemption is anonymous or eternal.
 */
export const exemptionSchema = z.strictObject({
  account: accountIdSchema,
  resource: z.string().check(z.minLength(1), z.maxLength(2048)),
  reason: z.string().check(z.minLength(3), z.maxLength(512)),
  owner: z.string().check(z.minLength(1), z.maxLength(256)),
  expires: z.iso.date({ error: 'must be a date like 2027-06-30' }),
});

/** One exemption entry. */
export type Exemption = z.output<typeof exemptionSchema>;

/** Settings of remediation: `ctAudit.remediation`. Nothing changes in any account until an action is switched on. */
export const remediationSettingsSchema = z.prefault(
  z.strictObject({
    actions: z.prefault(
      z.strictObject({
        'revoke-world-ingress': off,
        'block-bucket-public-access': off,
        'cancel-key-deletion': off,
        'start-config-recorder': off,
        'enable-guardduty': off,
      }),
      {},
    ),
    /** A person approves every apply. Only a deliberate `false` skips Approve Remediations. */
    requireApproval: z._default(z.boolean(), true),
    /**
     * Roles of the Audit account whose people approve or reject a deployed run: they alone (besides Approve
     * Remediations, which writes it) may read and decrypt the task token, `state/remediation/approvals/<runId>.json`.
     */
    approverRoleArns: z._default(uniqueList(roleArnSchema), []),
    /** No answer within this many hours is a rejection. */
    approvalTimeoutHours: z._default(wholeNumber(1, 168), 24),
    /** A plan with more actions than this is not applied at all. */
    maxActionsPerRun: z._default(wholeNumber(1, 1000), 20),
    /** `cancel-key-deletion` also re-enables the key (the key may have been disabled on purpose: off by default). */
    enableKeyAfterCancel: z._default(z.boolean(), false),
    exemptions: z._default(z.array(exemptionSchema).check(z.maxLength(500)), []),
    /** Where the approval request goes besides the run folder (an SNS topic ARN in the Audit account). */
    approvalTopicArn: z.optional(
      z
        .string()
        .check(z.regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, { error: 'must be an SNS topic ARN' })),
    ),
    /**
     * `"plan"`: a scheduled audit with the read-only role that found issues an action fixes starts a remediation
     * plan at its end (Publish Report); a plan changes nothing. Needs `adminEnabled` (refused at synth otherwise).
     */
    afterScheduledAudit: z._default(z.enum(AFTER_SCHEDULED_AUDIT, { error: 'must be "none" or "plan"' }), 'none'),
  }),
  {},
);

/** The validated `remediation` block. */
export type RemediationSettings = z.output<typeof remediationSettingsSchema>;
