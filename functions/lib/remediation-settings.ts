import * as z from 'zod';
import { accountIdSchema } from './validation';

/** Every remediation action, by ID. `ctAudit.remediation.actions.<id>: true` switches one on; all are off by default. */
export const REMEDIATION_IDS = [
  'revoke-world-ingress',
  'block-bucket-public-access',
  'cancel-key-deletion',
  'start-config-recorder',
  'enable-guardduty',
] as const;

/** The ID of a remediation action. */
export type RemediationId = (typeof REMEDIATION_IDS)[number];

/** Whether a string names a remediation action. */
export function isRemediationId(value: string): value is RemediationId {
  return (REMEDIATION_IDS as readonly string[]).includes(value);
}

/** The tag that exempts a resource from remediation; its value is the reason. */
export const EXEMPT_TAG = 'ct-audit:exempt';

const off = z.boolean().default(false);

/** What a scheduled audit does at its end about remediation: nothing, or start a plan (never an apply). */
export const AFTER_SCHEDULED_AUDIT = ['none', 'plan'] as const;

/**
 * An exemption a person wrote down: this resource (its ID, ARN or part, e.g. `sgr-…`) in this account is never
 * remediated until `expires`. Every field is required, so that no exemption is anonymous or eternal.
 */
export const exemptionSchema = z.strictObject({
  account: accountIdSchema,
  resource: z.string().min(1).max(2048),
  reason: z.string().min(3).max(512),
  owner: z.string().min(1).max(256),
  expires: z.iso.date({ error: 'must be a date like 2027-06-30' }),
});

/** One exemption entry. */
export type Exemption = z.output<typeof exemptionSchema>;

/** Settings of remediation: `ctAudit.remediation`. Nothing changes in any account until an action is switched on. */
export const remediationSettingsSchema = z
  .strictObject({
    actions: z
      .strictObject({
        'revoke-world-ingress': off,
        'block-bucket-public-access': off,
        'cancel-key-deletion': off,
        'start-config-recorder': off,
        'enable-guardduty': off,
      })
      .prefault({}),
    /** A person approves every apply. Only a deliberate `false` skips Approve Remediations. */
    requireApproval: z.boolean().default(true),
    /** No answer within this many hours is a rejection. */
    approvalTimeoutHours: z.int().min(1).max(168).default(24),
    /** A plan with more actions than this is not applied at all. */
    maxActionsPerRun: z.int().min(1).max(1000).default(20),
    /** `cancel-key-deletion` also re-enables the key (the key may have been disabled on purpose: off by default). */
    enableKeyAfterCancel: z.boolean().default(false),
    exemptions: z.array(exemptionSchema).max(500).default([]),
    /** Where the approval request goes besides the run folder (an SNS topic ARN in the Audit account). */
    approvalTopicArn: z
      .string()
      .regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, { error: 'must be an SNS topic ARN' })
      .optional(),
    /**
     * `"plan"`: a scheduled audit with the read-only role that found issues an action fixes starts a remediation
     * plan at its end (Publish Report); a plan changes nothing. Needs `adminEnabled` (refused at synth otherwise).
     */
    afterScheduledAudit: z.enum(AFTER_SCHEDULED_AUDIT, { error: 'must be "none" or "plan"' }).default('none'),
  })
  .prefault({});

/** The validated `remediation` block. */
export type RemediationSettings = z.output<typeof remediationSettingsSchema>;
