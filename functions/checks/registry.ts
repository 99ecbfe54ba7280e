import { cloudTrailDeliveryCheck } from './cloudtrail-delivery';
import { cloudTrailEventsCheck } from './cloudtrail-events';
import { identityCheck } from './identity';
import type { CheckId } from './ids';
import { kmsKeyDeletionCheck } from './kms-key-deletion';
import { networkExposureCheck } from './network-exposure';
import { s3PublicAccessCheck } from './s3-public-access';
import { securityServicesCheck } from './security-services';
import type { Check } from './types';

/** Every check by ID. A new check is one file and one line here. */
export const CHECKS: Readonly<Record<CheckId, Check>> = {
  identity: identityCheck,
  'cloudtrail-delivery': cloudTrailDeliveryCheck,
  'cloudtrail-events': cloudTrailEventsCheck,
  'network-exposure': networkExposureCheck,
  's3-public-access': s3PublicAccessCheck,
  'kms-key-deletion': kmsKeyDeletionCheck,
  'security-services': securityServicesCheck,
};
