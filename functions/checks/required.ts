import { type MissingSetting, missingSettings, type PresenceContext } from '../lib/required-settings';
import type { Settings } from '../lib/settings';
import { CHECK_INFO, type CheckInfo } from './catalog';

/** The settings the given checks need and the settings lack (unknown check IDs are left to input validation). */
export function missingSettingsFor(
  checkIds: readonly string[],
  settings: Settings,
  context: PresenceContext = { organizationDiscoverable: true },
): MissingSetting[] {
  const catalog: Readonly<Record<string, CheckInfo | undefined>> = CHECK_INFO;
  const checks = checkIds.map((id) => catalog[id]).filter((check): check is CheckInfo => check !== undefined);
  return missingSettings(checks, settings, context);
}
