import { InvalidSettingsError } from '../../../functions/lib/errors';
import { parseSettings } from '../../../functions/lib/settings';

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

  test('a current-state rule <check>/<kind> is accepted for a known check', () => {
    expect(() => parseSettings({ mutes: [{ ...mute, rule: 'identity/unexpected-caller' }] })).not.toThrow();
    expect(() => parseSettings({ mutes: [{ ...mute, rule: 'cloudtrail-delivery/stale' }] })).not.toThrow();
    expect(() => parseSettings({ mutes: [{ ...mute, rule: 'nope/world-ingress' }] })).toThrow(/mutes\[0\]\.rule/);
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
