import { existsSync, readFileSync } from 'node:fs';
import { InvalidSettingsError } from '../functions/lib/errors';
import { parseSettings, type Settings, type SettingsInput } from '../functions/lib/settings';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges settings objects: nested objects merge, everything else (lists too) is replaced by the later one. */
export function mergeSettings(...layers: readonly (Json | undefined)[]): Json {
  const result: Json = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value === undefined) continue;
      const current = result[key];
      result[key] = isObject(current) && isObject(value) ? mergeSettings(current, value) : value;
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
