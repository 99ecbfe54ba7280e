export {
  type CloudTrailSettings,
  cloudTrailSettingsSchema,
  DEFAULT_IGNORED_PRINCIPALS,
  LEGACY_IGNORED_PRINCIPALS,
} from '../lib/cloudtrail-settings';
