import { type MissingSetting, missingSettings, type PresenceContext } from '../lib/required-settings';
import type { Settings } from '../lib/settings';
import { CHECKS } from './registry';
import type { Check } from './types';

/** The settings the given checks need and the settings lack (unknown check IDs are left to input validation). */
export function missingSettingsFor(
  checkIds: readonly string[],
  settings: Settings,
  context: PresenceContext = { organizationDiscoverable: true },
): MissingSetting[] {
  const registry: Readonly<Record<string, Check | undefined>> = CHECKS;
  const checks = checkIds.map((id) => registry[id]).filter((check): check is Check => check !== undefined);
  return missingSettings(checks, settings, context);
}
