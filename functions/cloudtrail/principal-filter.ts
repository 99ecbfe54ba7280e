import { DEFAULT_IGNORED_PRINCIPALS, LEGACY_IGNORED_PRINCIPALS } from '../lib/cloudtrail-settings';
import { asObject, type CloudTrailRecord, principalNames } from './record';

function patternSource(pattern: string): string {
  return pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
}

function patternsRegex(patterns: readonly string[]): RegExp | undefined {
  return patterns.length === 0 ? undefined : new RegExp(`^(?:${patterns.map(patternSource).join('|')})$`);
}

/**
 * A test for principals to ignore, from ARN patterns where `*` stands for any run of characters (`/` included,
 * as in IAM). A record matches when its ARN, its session issuer's ARN or its invoking service matches a pattern.
 */
export function principalFilter(patterns: readonly string[]): (record: CloudTrailRecord) => boolean {
  const regex = patternsRegex(patterns);
  if (!regex) return () => false;
  return (record) => principalNames(record).some((name) => regex.test(name));
}

/** A built-in pattern, in either form, by its text: the any-partition form it stands for. */
const BUILT_IN = new Map<string, string>([
  ...DEFAULT_IGNORED_PRINCIPALS.map((pattern): [string, string] => [pattern, pattern]),
  ...LEGACY_IGNORED_PRINCIPALS.map((pattern, i): [string, string] => [
    pattern,
    DEFAULT_IGNORED_PRINCIPALS[i] as string,
  ]),
]);

/** Control Tower's names: `aws-controltower-BaselineCloudTrail`, `StackSet-AWSControlTowerBP-…`, `AWSControlTower_…`. */
const CONTROL_TOWER_NAME = /aws-controltower-|AWSControlTower/;

/**
 * Whether a request parameter names the resource a call acts on: `name`, `…Name`, `…Arn`, `…ARN` (`trailName`,
 * `configurationRecorderName`, `stackName`, `roleName`, `bucketName`, `topicArn`). Not descriptions, policies,
 * tags or other free text, which a caller could fill with a Control Tower name to pass as Control Tower.
 */
function namesResource(key: string): boolean {
  return key === 'name' || key.endsWith('Name') || key.endsWith('Arn') || key.endsWith('ARN');
}

function namesControlTower(parameters: Readonly<Record<string, unknown>>): boolean {
  for (const key in parameters) {
    const value = parameters[key];
    if (typeof value === 'string' && namesResource(key) && CONTROL_TOWER_NAME.test(value)) return true;
  }
  return false;
}

/**
 * Whether the call acts on Control Tower's own resources: a parameter that names its resource, at the top of
 * `requestParameters` or one object down (`configurationRecorder.name`, `deliveryChannel.name`), has a Control Tower
 * name — the trail `aws-controltower-BaselineCloudTrail`, the recorder `aws-controltower-BaselineConfigRecorder`, the
 * delivery channel `aws-controltower-BaselineConfigDeliveryChannel`, the stacks `StackSet-AWSControlTowerBP-*`, the
 * roles `aws-controltower-*`. A call with no parameters (DisableSecurityHub) names nothing: not Control Tower's.
 */
export function actsOnControlTowerResource(record: CloudTrailRecord): boolean {
  const parameters = asObject(record.requestParameters);
  if (!parameters) return false;
  if (namesControlTower(parameters)) return true;
  for (const key in parameters) {
    const nested = asObject(parameters[key]);
    if (nested && namesControlTower(nested)) return true;
  }
  return false;
}

/**
 * The event rules that Control Tower's own work sets off: it stops, updates and deletes its trail and its Config
 * recorder and delivery channel when it updates or decommissions the landing zone. No other rule's event is one it
 * makes (it creates no IAM user or key, opens no security group, makes no bucket public, disables no key), so there
 * the built-in exemption never applies, whatever a resource is named: a caller can name a user `aws-controltower-x`,
 * and Control Tower's log bucket made public by its execution role is as alarming as by anyone.
 */
const CONTROL_TOWER_WORK_RULES: ReadonlySet<string> = new Set(['cloudtrail-tampering', 'security-tooling-disabled']);

/**
 * The test of `cloudtrail.ignorePrincipals`: true for a record no rule may report. A pattern a person lists ignores
 * the principal's every event. The built-in patterns of Control Tower's automation ({@link DEFAULT_IGNORED_PRINCIPALS},
 * or their `arn:aws:` form of earlier versions) match in any partition and ignore only the events that act on
 * Control Tower's own resources ({@link actsOnControlTowerResource}), for the rules of Control Tower's own work
 * ({@link CONTROL_TOWER_WORK_RULES}) and the aggregating rules (`ruleId` left out); left out of the list, that automation is
 * judged like anyone. As cheap as before for every other principal: one test of the principal's names, and the
 * request parameters looked at only when a built-in pattern matched.
 */
export function ignoreFilter(patterns: readonly string[]): (record: CloudTrailRecord, ruleId?: string) => boolean {
  const builtIn: string[] = [];
  const listed: string[] = [];
  for (const pattern of patterns) {
    const known = BUILT_IN.get(pattern);
    if (known === undefined) listed.push(pattern);
    else if (!builtIn.includes(known)) builtIn.push(known);
  }
  const always = patternsRegex(listed);
  const automation = patternsRegex(builtIn);
  if (!always && !automation) return () => false;
  return (record, ruleId) => {
    const names = principalNames(record);
    if (always && names.some((name) => always.test(name))) return true;
    return (
      automation !== undefined &&
      (ruleId === undefined || CONTROL_TOWER_WORK_RULES.has(ruleId)) &&
      names.some((name) => automation.test(name)) &&
      actsOnControlTowerResource(record)
    );
  };
}
