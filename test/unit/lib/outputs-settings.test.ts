import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidSettingsError } from '../../../functions/lib/errors';
import { CHECK_FINDING_RULES, isCheckFindingRule, isCheckId } from '../../../functions/lib/ids';
import { parseSettings } from '../../../functions/lib/settings';
import { REMEDIATIONS } from '../../../functions/remediations/registry';

const mute = {
  rule: 'security-group-open-to-world',
  reason: 'public web tier',
  owner: 'platform-team',
  expires: '2030-01-31',
};

describe('settings: mutes', () => {
  test('a complete mute is accepted; mutes default to none', () => {
    expect(parseSettings({ mutes: [{ ...mute, account: '111111111111', resource: 'sg-1' }] }).mutes).toHaveLength(1);
    expect(parseSettings({}).mutes).toEqual([]);
  });

  test.each([
    [{ ...mute, reason: undefined }, /mutes\[0\]\.reason/],
    [{ ...mute, expires: undefined }, /mutes\[0\]\.expires/],
    [{ ...mute, owner: '' }, /mutes\[0\]\.owner: must be who accepted it/],
    [{ ...mute, expires: '31/01/2030' }, /mutes\[0\]\.expires: must be a date like 2027-03-31/],
    [{ ...mute, expires: '2030-02-31T25:00:00Z' }, /mutes\[0\]\.expires/],
    [{ ...mute, rule: 'no-such-rule' }, /mutes\[0\]\.rule: must be a CloudTrail rule ID/],
    [{ ...mute, rule: undefined }, /mutes\[0\]: must name a check or a rule/],
    [{ ...mute, check: 'nope' }, /mutes\[0\]\.check: must be one of/],
    [{ ...mute, account: '123' }, /mutes\[0\]\.account: must be a 12-digit/],
    [{ ...mute, reason: 'a\nb' }, /mutes\[0\]\.reason: must not contain control characters/],
    [{ ...mute, reason: 'x'.repeat(300) }, /mutes\[0\]\.reason: must be at most 256/],
    [{ ...mute, until: '2030-01-01' }, /mutes\[0\]: unknown field 'until'/],
  ])('refuses %j with a message naming the field', (bad, message) => {
    expect(() => parseSettings({ mutes: [bad] })).toThrow(InvalidSettingsError);
    expect(() => parseSettings({ mutes: [bad] })).toThrow(message);
  });

  test('a finding of a check <check>/<kind> is accepted when that check reports it, and a gap <check>/incomplete', () => {
    expect(() => parseSettings({ mutes: [{ ...mute, rule: 'identity/unexpected-caller' }] })).not.toThrow();
    expect(() => parseSettings({ mutes: [{ ...mute, rule: 'cloudtrail-delivery/stale' }] })).not.toThrow();
    expect(() => parseSettings({ mutes: [{ ...mute, rule: 's3-public-access/incomplete' }] })).not.toThrow();
    expect(() => parseSettings({ mutes: [{ ...mute, rule: 'nope/world-ingress' }] })).toThrow(/mutes\[0\]\.rule/);
  });

  // A kind no check reports mutes nothing: the person would believe accepted a finding that still alarms.
  test.each(['network-exposure/world-open', 'network-exposure/world-ingress/x', 'identity/incomplete-ish'])(
    'refuses %s, a finding no check reports, listing those there are',
    (rule) => {
      expect(() => parseSettings({ mutes: [{ ...mute, rule }] })).toThrow(
        /mutes\[0\]\.rule: must be .* one of the findings of the checks: identity\/unexpected-caller, .*network-exposure\/world-ingress/,
      );
    },
  );

  test("the list of the checks' findings is what the checks and the remediation catalog name", () => {
    // Every '<check>/<kind>' literal of the checks' sources, gaps aside.
    const dir = join(__dirname, '..', '..', '..', 'functions', 'checks');
    const named = new Set<string>();
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      for (const [, rule] of readFileSync(join(dir, file), 'utf8').matchAll(/['`]([a-z0-9-]+\/[a-z0-9-]+)['`]/g)) {
        const [check] = (rule as string).split('/');
        if (isCheckId(check as string) && !(rule as string).endsWith('/incomplete')) named.add(rule as string);
      }
    }
    const fixed = Object.values(REMEDIATIONS).flatMap((action) => action.fixes.rules);

    expect([...named].sort()).toEqual([...CHECK_FINDING_RULES].sort());
    expect(fixed.filter((rule) => !isCheckFindingRule(rule))).toEqual([]);
  });
});

describe('settings: notify and securityHub', () => {
  test('defaults: no emails, only on changes, Security Hub off', () => {
    const settings = parseSettings({});
    expect(settings.notify).toEqual({ emails: [], always: false });
    expect(settings.securityHub).toEqual({ enabled: false });
  });

  test('a wrong email address is named', () => {
    expect(() => parseSettings({ notify: { emails: ['ops@example.com', 'not-an-address'] } })).toThrow(
      /notify\.emails\[1\]: must be an email address/,
    );
  });
});
