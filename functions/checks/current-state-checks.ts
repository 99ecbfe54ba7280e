/**
 * The current-state checks, with their AWS SDK clients (EC2, S3 Control, KMS, GuardDuty, AWS Config, Security Hub):
 * Audit Account loads this module the first time a run asks for one of them (registry.ts), never at a cold start,
 * since the default run asks for none (infra/bundling.ts, LOADED_ON_FIRST_USE).
 */
import { kmsKeyDeletionCheck } from './kms-key-deletion';
import { networkExposureCheck } from './network-exposure';
import { s3PublicAccessCheck } from './s3-public-access';
import { securityServicesCheck } from './security-services';

/** The current-state checks by ID. causes.ts lists their IDs apart (`CURRENT_STATE_CHECKS`), without loading them. */
export const CURRENT_STATE_CHECK_BY_ID = {
  'network-exposure': networkExposureCheck,
  's3-public-access': s3PublicAccessCheck,
  'kms-key-deletion': kmsKeyDeletionCheck,
  'security-services': securityServicesCheck,
} as const;
