import { CHECKS } from '../../../functions/checks/registry';
import { missingSettingsFor } from '../../../functions/checks/required';
import { missingSettings, missingSettingsMessage, REQUIRED_SETTINGS } from '../../../functions/lib/required-settings';
import { parseSettings } from '../../../functions/lib/settings';

const COMPLETE = parseSettings({ homeRegion: 'eu-west-1', logArchive: { accountId: '222222222222' } });
const EMPTY = parseSettings({});
const UNDISCOVERABLE = { organizationDiscoverable: false };

describe('settings completeness per check', () => {
  test.each(Object.values(CHECKS).map((check) => [check.id, check] as const))(
    '%s: with every setting it declares, nothing is missing',
    (_id, check) => {
      const settings = parseSettings({
        homeRegion: 'eu-west-1',
        organizationId: 'o-a1b2c3d4e5',
        logArchive: { accountId: '222222222222' },
      });

      expect(missingSettings([check], settings, UNDISCOVERABLE)).toEqual([]);
    },
  );

  test.each(Object.values(CHECKS).map((check) => [check.id, check] as const))(
    '%s: with no settings, exactly what it declares is missing',
    (_id, check) => {
      const missing = missingSettings([check], EMPTY, UNDISCOVERABLE).map((item) => item.setting);

      expect(missing).toEqual([...check.requires].sort((a, b) => order(a) - order(b)));
    },
  );

  test('the identity check needs nothing', () => {
    expect(missingSettingsFor(['identity'], EMPTY)).toEqual([]);
  });

  test('the organization ID counts as present when Resolve Targets can discover it', () => {
    expect(missingSettingsFor(['cloudtrail-delivery'], COMPLETE, { organizationDiscoverable: true })).toEqual([]);
    expect(missingSettingsFor(['cloudtrail-delivery'], COMPLETE, UNDISCOVERABLE).map((item) => item.setting)).toEqual([
      'organizationId',
    ]);
  });

  test('regions and a bucket stand in for the home region', () => {
    const settings = parseSettings({
      regions: ['us-east-1'],
      logArchive: { accountId: '222222222222', bucket: 'my-trail-bucket' },
    });

    expect(missingSettingsFor(['cloudtrail-events'], settings)).toEqual([]);
  });

  test('one message lists every missing setting with its flag, its setting and the checks that need it', () => {
    const message = missingSettingsMessage(missingSettingsFor(['cloudtrail-delivery', 'cloudtrail-events'], EMPTY));

    expect(message).toBe(
      'settings missing for the checks chosen: set ' +
        '--home-region (ctAudit.homeRegion), needed by cloudtrail-delivery, cloudtrail-events; ' +
        '--log-archive-account (ctAudit.logArchive.accountId), needed by cloudtrail-delivery, cloudtrail-events',
    );
  });

  test('every required setting has a flag and a settings path', () => {
    for (const info of Object.values(REQUIRED_SETTINGS)) {
      expect(info.flag).toMatch(/^--[a-z-]+$/);
      expect(info.path).toMatch(/^ctAudit\./);
    }
  });
});

function order(setting: string): number {
  return Object.keys(REQUIRED_SETTINGS).indexOf(setting);
}
