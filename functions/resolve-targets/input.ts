import { CHECK_IDS, type CheckId } from '../checks/ids';
import { InvalidInputError } from '../lib/errors';
import type { Settings } from '../lib/settings';
import { cleanText } from '../lib/text';
import type { Mode, RoleKind, RunTrigger } from '../lib/types';
import { accountIdSchema, formatIssues, uniqueList, wholeNumber } from '../lib/validation';
import * as z from '../lib/zod';

const MODES = ['audit'] as const;
const ROLES = ['readOnly', 'admin'] as const;
const TRIGGERS = ['schedule'] as const satisfies readonly RunTrigger[];

const inputSchema = z.strictObject({
  accounts: z.optional(
    uniqueList(accountIdSchema, 'must be a list of 12-digit account IDs, like ["111111111111"]').check(
      z.minLength(1, { error: 'must list at least one account, or be left out' }),
    ),
  ),
  TargetAccountId: z.optional(accountIdSchema),
  checks: z.optional(
    uniqueList(z.enum(CHECK_IDS, { error: `must be one of: ${CHECK_IDS.join(', ')}` })).check(
      z.minLength(1, { error: 'must name at least one check, or be left out' }),
    ),
  ),
  mode: z.optional(z.enum(MODES, { error: `must be one of: ${MODES.join(', ')}` })),
  role: z.optional(z.enum(ROLES, { error: `must be one of: ${ROLES.join(', ')}` })),
  maxConcurrency: z.optional(wholeNumber(1, 1000, 'must be a whole number from 1 to 1000')),
  /** Set by the audit schedule only: `remediation.afterScheduledAudit` applies to scheduled runs. */
  trigger: z.optional(z.enum(TRIGGERS, { error: `must be one of: ${TRIGGERS.join(', ')} (or be left out)` })),
});

/** The execution input as the user wrote it, validated; `{}` means the whole organization. */
export type ExecutionInput = z.input<typeof inputSchema>;

/** What a run was asked to do, with the settings' defaults filled in. */
export interface RunRequest {
  /** The accounts asked for, or `undefined` for the whole organization. */
  readonly accounts?: readonly string[];
  readonly checks: readonly CheckId[];
  readonly mode: Mode;
  readonly role: RoleKind;
  readonly maxConcurrency: number;
  /** `"schedule"` when the audit schedule started the run. */
  readonly trigger?: RunTrigger;
}

const EXAMPLE = '{ "accounts": ["111111111111"], "checks": ["identity"], "mode": "audit", "role": "readOnly" }';

/**
 * Validates the execution input. Accepts `{}`, the full form, and the single-account test form
 * `{ "TargetAccountId": "111111111111" }`. Throws `InvalidInput` with a message that says what is wrong.
 */
export function parseExecutionInput(raw: unknown, settings: Settings): RunRequest {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError(
      `the execution input must be a JSON object like ${EXAMPLE} (got ${cleanText(JSON.stringify(raw), 60)})`,
    );
  }
  const result = inputSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    throw new InvalidInputError(`invalid execution input: ${formatIssues(result.error.issues)}`);
  }
  const input = result.data;
  if (input.accounts && input.TargetAccountId) {
    throw new InvalidInputError('invalid execution input: give either accounts or TargetAccountId, not both');
  }
  const role = input.role ?? 'readOnly';
  if (role === 'admin' && !settings.adminEnabled) {
    throw new InvalidInputError(
      'invalid execution input: role "admin" needs the admin path, which is disabled; ' +
        'set ctAudit.adminEnabled to true (and deploy again), or use role "readOnly"',
    );
  }
  if (input.maxConcurrency !== undefined && input.maxConcurrency > settings.concurrencyLimit) {
    throw new InvalidInputError(
      `invalid execution input: maxConcurrency: must be at most ${settings.concurrencyLimit}, the concurrency limit ` +
        `of this deployment (got ${input.maxConcurrency}); ask for less, or raise ctAudit.concurrencyLimit and deploy again`,
    );
  }
  const accounts = input.accounts ?? (input.TargetAccountId ? [input.TargetAccountId] : undefined);
  return {
    accounts,
    checks: input.checks ?? settings.defaultChecks,
    mode: input.mode ?? 'audit',
    role,
    maxConcurrency: input.maxConcurrency ?? settings.maxConcurrency,
    ...(input.trigger ? { trigger: input.trigger } : {}),
  };
}
