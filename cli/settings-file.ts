import { existsSync, readFileSync } from 'node:fs';
import { configureClientTimeouts } from '../functions/lib/clients';
import { InvalidSettingsError } from '../functions/lib/errors';
import { parseSettings, type Settings, type SettingsInput } from '../functions/lib/settings';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Keys a settings file must never set: assigning `__proto__` replaces an object's prototype, and `constructor` /
 * `prototype` are the usual next steps of prototype pollution. No setting has these names.
 */
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Merges settings objects: nested objects merge, everything else (lists too) is replaced by the later one. The keys
 * `__proto__`, `constructor` and `prototype` are ignored at every depth.
 */
export function mergeSettings(...layers: readonly (Json | undefined)[]): Json {
  const result: Json = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value === undefined || UNSAFE_KEYS.has(key)) continue;
      const current = result[key];
      // An object is always copied through the merge, so that the keys it ignores are ignored at every depth.
      result[key] = isObject(value) ? mergeSettings(isObject(current) ? current : undefined, value) : value;
    }
  }
  return result;
}

/**
 * Reads settings as the stack does: a cdk.json (its `context.ctAudit`), or a file holding `{ "ctAudit": ... }`, or
 * the settings object itself. Without a path, `./cdk.json` is read when there is one.
 */
export function readSettingsFile(path?: string): Json {
  const file = path ?? (existsSync('cdk.json') ? 'cdk.json' : undefined);
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidSettingsError(`cannot read settings file ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidSettingsError(`settings file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(raw)) throw new InvalidSettingsError(`settings file ${file} must hold a JSON object`);
  if (isObject(raw.context)) return isObject(raw.context.ctAudit) ? raw.context.ctAudit : {};
  if ('context' in raw || 'app' in raw) return {};
  if (isObject(raw.ctAudit)) return raw.ctAudit;
  return raw;
}

/** Validated settings from layers of raw settings (file, sandbox, flags), later layers winning. */
export function resolveSettings(...layers: readonly (Json | SettingsInput | undefined)[]): Settings {
  return parseSettings(mergeSettings(...(layers as Json[])), 'ctAudit');
}

/**
 * Applies the `sdk.*` timeouts of the settings file (`--settings`, else `./cdk.json` when there is one) to every AWS
 * client made from now on: for the commands that need no other setting (`show`, `report`, `approve`, `reject`). Only
 * the `sdk` block is validated, so a settings file meant for the stack never stops a read-only command.
 */
export function configureTimeoutsFrom(path?: string): void {
  const { sdk } = readSettingsFile(path);
  configureClientTimeouts(resolveSettings(sdk === undefined ? {} : { sdk }).sdk);
}
