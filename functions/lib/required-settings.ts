import type { Settings } from './settings';

/**
 * A setting a check cannot run without. The CLI, Resolve Targets and `cdk synth` refuse a run whose checks lack
 * one, naming its flag; `organizationId` counts as present when it can be discovered from Organizations.
 */
export type RequiredSetting = 'homeRegion' | 'logArchive.accountId' | 'organizationId';

/** What the presence tests may know beyond the settings. */
export interface PresenceContext {
  /** Resolve Targets reads the organization (DescribeOrganization), so its ID need not be set. */
  readonly organizationDiscoverable: boolean;
}

/** One required setting: where a person sets it, and when it counts as set. */
export interface RequiredSettingInfo {
  /** The settings path, as cdk.json spells it. */
  readonly path: string;
  /** The ct-audit flag that sets it. */
  readonly flag: string;
  readonly present: (settings: Settings, context: PresenceContext) => boolean;
}

/** The one table of required settings: path, flag and presence test. */
export const REQUIRED_SETTINGS: Readonly<Record<RequiredSetting, RequiredSettingInfo>> = {
  homeRegion: {
    path: 'ctAudit.homeRegion',
    flag: '--home-region',
    // The home region names the Log Archive bucket and is the default governed region; both can be given instead.
    present: (settings) =>
      Boolean(settings.homeRegion) || (settings.regions.length > 0 && Boolean(settings.logArchive.bucket)),
  },
  'logArchive.accountId': {
    path: 'ctAudit.logArchive.accountId',
    flag: '--log-archive-account',
    present: (settings) => Boolean(settings.logArchive.accountId),
  },
  organizationId: {
    path: 'ctAudit.organizationId',
    flag: '--organization-id',
    present: (settings, context) =>
      Boolean(settings.organizationId) || context.organizationDiscoverable || settings.logArchive.layout === 'account',
  },
};

/** What a check says it needs: its ID and its `requires`. */
export interface Requirement {
  readonly id: string;
  readonly requires: readonly RequiredSetting[];
}

/** A missing setting and the checks that need it. */
export interface MissingSetting extends RequiredSettingInfo {
  readonly setting: RequiredSetting;
  readonly neededBy: readonly string[];
}

/** Every setting the given checks need and the settings lack, in the order of the table. */
export function missingSettings(
  checks: readonly Requirement[],
  settings: Settings,
  context: PresenceContext,
): MissingSetting[] {
  const missing: MissingSetting[] = [];
  for (const [setting, info] of Object.entries(REQUIRED_SETTINGS) as [RequiredSetting, RequiredSettingInfo][]) {
    const neededBy = checks.filter((check) => check.requires.includes(setting)).map((check) => check.id);
    if (neededBy.length > 0 && !info.present(settings, context)) missing.push({ ...info, setting, neededBy });
  }
  return missing;
}

/**
 * One message that lists every missing setting with its flag and settings path, and the checks that need it.
 * `flags: false` names only the settings path (for `cdk synth`, where there are no flags).
 */
export function missingSettingsMessage(missing: readonly MissingSetting[], options: { flags?: boolean } = {}): string {
  const items = missing.map(
    (item) =>
      `${options.flags === false ? item.path : `${item.flag} (${item.path})`}, needed by ${item.neededBy.join(', ')}`,
  );
  return `settings missing for the checks chosen: set ${items.join('; ')}`;
}
