import { RULE_IDS } from '../../../functions/cloudtrail/rules/ids';
import { RULES } from '../../../functions/cloudtrail/rules/registry';
import { cloudTrailSettingsSchema } from '../../../functions/cloudtrail/settings';
import { parseSettings } from '../../../functions/lib/settings';

describe('CloudTrail settings', () => {
  test('defaults: every rule on, Control Tower roles ignored', () => {
    const settings = cloudTrailSettingsSchema.parse(undefined);

    expect(settings).toMatchObject({ freshnessMinutes: 60, lookbackHours: 24, rules: {} });
    expect(settings.ignorePrincipals).toContain('arn:*:sts::*:assumed-role/AWSControlTowerExecution/*');
  });

  test('rules are switched by their IDs', () => {
    const settings = cloudTrailSettingsSchema.parse({ rules: { 'root-activity': false } });

    expect(settings.rules).toEqual({ 'root-activity': false });
  });

  test('an unknown rule ID is refused, naming it and the known rules', () => {
    expect(() => parseSettings({ cloudtrail: { rules: { 'root-activty': false } } })).toThrow(
      /ctAudit\.cloudtrail\.rules\.root-activty: unknown rule 'root-activty'; the rules are: root-activity, /,
    );
  });

  test('the registry implements exactly the rule IDs, in order', () => {
    expect(RULES.map((rule) => rule.id)).toEqual([...RULE_IDS]);
  });

  test('every rule has a severity and a one-line explanation', () => {
    for (const rule of RULES) {
      expect(rule.description).toMatch(/^\S.{10,140}$/);
      expect(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO']).toContain(rule.severity);
    }
  });
});
