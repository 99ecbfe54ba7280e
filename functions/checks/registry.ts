import { CodeUnavailableError } from '../lib/errors';
import { CHECK_INFO } from './catalog';
import { cloudTrailDeliveryCheck } from './cloudtrail-delivery';
import { cloudTrailEventsCheck } from './cloudtrail-events';
import { identityCheck } from './identity';
import type { CheckId } from './ids';
import type { Check } from './types';

// The current-state checks are loaded on first use (infra/bundling.ts, LOADED_ON_FIRST_USE): a run that asks for none
// of them, the default (`defaultChecks: ["identity"]`), never compiles their code or their six clients. The CloudTrail
// checks stay in: they add little to the load (their code is mostly functions, which V8 compiles when first called),
// and loading them apart made a run with every check slower. `require`, not `import()`: the bundle is
// CommonJS, where it loads the file beside it at once, and jest and tsx load the TypeScript the same way.
function currentStateChecks(): CurrentStateChecks {
  try {
    return (require('./current-state-checks') as typeof import('./current-state-checks.js')).CURRENT_STATE_CHECK_BY_ID;
  } catch (error) {
    throw new CodeUnavailableError('the current-state checks', error);
  }
}

type CurrentStateChecks = typeof import('./current-state-checks.js')['CURRENT_STATE_CHECK_BY_ID'];

/** A current-state check, whose code is loaded the first time one runs; what is known of it before is the catalog's. */
function onFirstUse(id: keyof CurrentStateChecks): Check {
  // async: a module that cannot be loaded rejects the run (CodeUnavailable), as any failing check does.
  return { ...CHECK_INFO[id], run: async (context) => currentStateChecks()[id].run(context) };
}

/** Every check by ID. A new check is one file and one line here (and in the module that loads it, if any). */
export const CHECKS: Readonly<Record<CheckId, Check>> = {
  identity: identityCheck,
  'cloudtrail-delivery': cloudTrailDeliveryCheck,
  'cloudtrail-events': cloudTrailEventsCheck,
  'network-exposure': onFirstUse('network-exposure'),
  's3-public-access': onFirstUse('s3-public-access'),
  'kms-key-deletion': onFirstUse('kms-key-deletion'),
  'security-services': onFirstUse('security-services'),
};
