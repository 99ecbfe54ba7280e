import { cloudTrailDeliveryCheck } from './cloudtrail-delivery';
import { cloudTrailEventsCheck } from './cloudtrail-events';
import { identityCheck } from './identity';
import type { CheckId } from './ids';
import type { Check } from './types';

/** Every check by ID. A new check is one file and one line here. */
export const CHECKS: Readonly<Record<CheckId, Check>> = {
  identity: identityCheck,
  'cloudtrail-delivery': cloudTrailDeliveryCheck,
  'cloudtrail-events': cloudTrailEventsCheck,
};
