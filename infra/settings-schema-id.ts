import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { SETTINGS_SHA256_ENV, settingsFingerprint } from '../functions/lib/read-settings';
import { SETTINGS_ENV } from '../functions/lib/settings-env';
import { REPO_ROOT } from './paths';

/** The module of the settings' schema, with zod and all it imports. */
const SCHEMA_MODULE = path.join(REPO_ROOT, 'functions', 'lib', 'settings.ts');

let schemaId: string | undefined;

/**
 * An identity of the settings' validator: the SHA-256 of its module bundled. `bundleFunction` writes it into every
 * bundle (`define`, `CT_AUDIT_SETTINGS_SCHEMA_ID`) and the stack into each fingerprint, so that a function reads as
 * they are only settings validated by the very schema it carries: not the text of a deployment whose code was
 * another (during an update, when new code may briefly run with the environment of the old; or text copied between
 * deployments), which it validates.
 */
export function settingsSchemaId(): string {
  if (schemaId === undefined) {
    const [bundled] = buildSync({
      entryPoints: [SCHEMA_MODULE],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      minify: true,
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    }).outputFiles;
    if (bundled === undefined) throw new Error(`esbuild wrote nothing for ${SCHEMA_MODULE}`);
    schemaId = createHash('sha256').update(bundled.contents).digest('hex');
  }
  return schemaId;
}

/** The fingerprint the stack writes beside the settings text it writes (`CT_AUDIT_SETTINGS_SHA256`). */
export function deployedSettingsFingerprint(text: string): string {
  return settingsFingerprint(text, settingsSchemaId());
}

/** The settings text in a function's environment, with its fingerprint: for a function that cannot read SSM. */
export function settingsVariables(text: string): Record<string, string> {
  return { [SETTINGS_ENV]: text, [SETTINGS_SHA256_ENV]: deployedSettingsFingerprint(text) };
}
