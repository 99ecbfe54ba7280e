/**
 * How a function reads the settings it was deployed with, without their schema: a function should not build the
 * settings' schema with zod at each cold start to check text the stack has already checked (README, "Cold start").
 */

import { createHash } from 'node:crypto';
import { InvalidSettingsError } from './errors';
import type { Settings } from './settings';
import { SETTINGS_ENV } from './settings-env';

/**
 * The environment variable that holds the fingerprint of the settings text the stack wrote, in `CT_AUDIT_SETTINGS` or
 * in the SSM parameter: `cdk synth` validated exactly that text with parseSettings, whose output it is.
 */
export const SETTINGS_SHA256_ENV = 'CT_AUDIT_SETTINGS_SHA256';

/**
 * The identity of the settings' schema this code carries (infra/settings-schema-id.ts), which the build writes in
 * (esbuild `define`). Undefined where the sources run as they are (`ct-audit`, the tests): there every text is
 * validated.
 */
declare const CT_AUDIT_SETTINGS_SCHEMA_ID: string | undefined;

/**
 * The fingerprint of settings text validated by the schema `schemaId` names: the SHA-256, in hex, of the identity, a
 * line feed and the text.
 */
export function settingsFingerprint(text: string, schemaId: string): string {
  return createHash('sha256').update(`${schemaId}\n${text}`, 'utf8').digest('hex');
}

/** The identity of the schema built in, if any. */
function builtSchemaId(): string | undefined {
  return typeof CT_AUDIT_SETTINGS_SCHEMA_ID === 'string' ? CT_AUDIT_SETTINGS_SCHEMA_ID : undefined;
}

/** Settings text and what to call it. */
export interface SettingsText {
  /** The JSON the stack wrote. */
  readonly text: string;
  /** Where it is, at the start of each problem's path: `CT_AUDIT_SETTINGS.maxConcurrency: …`. */
  readonly source: string;
  /** The message when the text is not JSON. */
  readonly notJson: string;
}

/**
 * The settings in `text`. Text whose fingerprint, with the schema this code carries, is the one the stack wrote beside
 * it is the output of that schema's parseSettings at `cdk synth`, which validating again gives back unchanged
 * (test/unit/lib/read-settings.test.ts), so it is only parsed as JSON. Any other text (edited by hand in the console,
 * from a deployment of other code, without a fingerprint, or read by the sources run as they are) is validated by the
 * schema, loaded then. The fingerprint is a check against drift and mistakes, not a control against someone who can
 * change a function's environment: that person can change its code too.
 */
export function readSettings({ text, source, notJson }: SettingsText, env: NodeJS.ProcessEnv = process.env): Settings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidSettingsError(notJson);
  }
  const expected = env[SETTINGS_SHA256_ENV];
  const schemaId = builtSchemaId();
  if (expected !== undefined && schemaId !== undefined && settingsFingerprint(text, schemaId) === expected) {
    return raw as Settings;
  }
  return settingsSchema().parseSettings(raw, source);
}

/**
 * The settings' schema and zod, loaded on first use: in a bundle, a file of its own beside `index.js`
 * (infra/bundling.ts, LOADED_ON_FIRST_USE), which a function whose settings carry the stack's fingerprint never loads.
 */
function settingsSchema(): typeof import('./settings') {
  return require('./settings');
}

/** Reads the settings a function was deployed with; throws at cold start when they are missing or wrong. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const text = env[SETTINGS_ENV];
  if (!text) throw new InvalidSettingsError(`environment variable ${SETTINGS_ENV} is not set`);
  return readSettings(
    { text, source: SETTINGS_ENV, notJson: `environment variable ${SETTINGS_ENV} is not valid JSON` },
    env,
  );
}
