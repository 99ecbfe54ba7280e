import { CodeUnavailableError } from '../lib/errors';
import { REMEDIATION_IDS, type RemediationId } from '../lib/ids';
import { ACTION_INFO } from './catalog';
import type { RemediationAction } from './types';

// Each action's code and its AWS SDK client (EC2, KMS, AWS Config, GuardDuty) is loaded on first use, each action
// apart (infra/bundling.ts, LOADED_ON_FIRST_USE): a plan or an apply loads only the actions it inspects, and those
// only when the settings switch them on (every action is off by default); a cold start loads none. `require` with a
// literal path, not `import()`: the bundle is CommonJS, and esbuild, jest and tsx each see the path.
const CODE: { readonly [Id in RemediationId]: () => RemediationAction } = {
  'revoke-world-ingress': () =>
    (require('./revoke-world-ingress') as typeof import('./revoke-world-ingress.js')).revokeWorldIngress,
  'block-bucket-public-access': () =>
    (require('./block-bucket-public-access') as typeof import('./block-bucket-public-access.js'))
      .blockBucketPublicAccess,
  'cancel-key-deletion': () =>
    (require('./cancel-key-deletion') as typeof import('./cancel-key-deletion.js')).cancelKeyDeletion,
  'start-config-recorder': () =>
    (require('./start-config-recorder') as typeof import('./start-config-recorder.js')).startConfigRecorder,
  'enable-guardduty': () => (require('./enable-guardduty') as typeof import('./enable-guardduty.js')).enableGuardDuty,
};

/**
 * An action described by the catalog, whose code is loaded the first time it inspects, applies or undoes. A file that
 * cannot be loaded rejects that call (`CodeUnavailable`), which plan, apply and undo record for the one item, as any
 * failed call: fail closed, nothing is changed.
 */
function onFirstUse(id: RemediationId): RemediationAction {
  const code = (): RemediationAction => {
    try {
      return CODE[id]();
    } catch (error) {
      throw new CodeUnavailableError(`the remediation ${id}`, error);
    }
  };
  return {
    ...ACTION_INFO[id],
    inspect: async (...args) => code().inspect(...args),
    apply: async (...args) => code().apply(...args),
    undo: async (...args) => code().undo(...args),
  };
}

/**
 * Every remediation action by ID. Adding one: its ID in lib/ids.ts, its file named after the ID (the bundle's list of
 * files loaded on first use is made from the IDs), its entry in catalog.ts, one line in CODE above, one test file.
 */
export const REMEDIATIONS: Readonly<Record<RemediationId, RemediationAction>> = Object.fromEntries(
  REMEDIATION_IDS.map((id) => [id, onFirstUse(id)]),
) as Record<RemediationId, RemediationAction>;

/** The action that fixes a finding rule, if any. */
export function actionForRule(rule: string): RemediationAction | undefined {
  return Object.values(REMEDIATIONS).find((action) => action.fixes.rules.includes(rule));
}

const ESCALATE =
  'escalate: Control Tower drift. The organization trail belongs to the management account and the guardrail ' +
  'denies the execution roles; repair the landing zone from the management account';
const NOTIFY = 'notify only: a person looks into it; nothing is changed automatically';

/**
 * Findings that are never fixed from here, with what the plan says instead. Matched on the rule ID (CloudTrail
 * rules) or on the current-state rule.
 */
export const NOT_FIXED: Readonly<Record<string, string>> = {
  'cloudtrail-tampering': ESCALATE,
  'cloudtrail-delivery/stale': ESCALATE,
  'identity/unexpected-caller': `${NOTIFY} (the execution role answers as another account or principal)`,
  'root-activity': NOTIFY,
  'console-login-without-mfa': NOTIFY,
  'console-login-failures': NOTIFY,
  'access-denied-burst': NOTIFY,
  'iam-user-or-key-created': NOTIFY,
  'kms-key-deletion/disabled': `${NOTIFY} (a key may be disabled on purpose)`,
  's3-public-access/account-block-off': `${NOTIFY} (account-wide Block Public Access changes every bucket)`,
  'security-services/securityhub-off': `${NOTIFY} (Security Hub is managed by its delegated administrator)`,
};
