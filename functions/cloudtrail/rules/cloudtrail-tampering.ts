import { asObject, asString } from '../record';
import { eventRule } from './types';

/** `cloudtrail-tampering`: a trail stopped, deleted or changed, or its event selectors replaced — attempts included. */
export const cloudTrailTampering = eventRule({
  id: 'cloudtrail-tampering',
  severity: 'CRITICAL',
  title: 'CloudTrail tampering',
  description:
    'Someone stopped, deleted or reconfigured a trail, which can blind the audit; refused attempts count too.',
  events: { 'cloudtrail.amazonaws.com': ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'] },
  countsAttempts: true,
  match(record) {
    const parameters = asObject(record.requestParameters);
    const trail = asString(parameters?.name) ?? asString(parameters?.trailName);
    if (!trail) return { detail: 'trail not named in the request' };
    // A trail is named by its name or its ARN (`arn:aws:cloudtrail:<region>:<account>:trail/<name>`).
    const arn = /^arn:[^:]+:cloudtrail:([^:]*):[^:]*:trail\/(.+)$/.exec(trail);
    return {
      detail: `trail ${trail}`,
      resource: {
        type: 'AwsCloudTrailTrail',
        id: arn ? (arn[2] as string) : trail,
        region: arn?.[1] || (asString(record.awsRegion) ?? 'unknown'),
        ...(arn ? { arn: trail } : {}),
      },
    };
  },
});
