import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeSettings, readSettingsFile, resolveSettings } from '../../../cli/settings-file';

let directory: string;
const startDirectory = process.cwd();

async function file(name: string, content: unknown): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ct-audit-settings-'));
});

afterEach(async () => {
  process.chdir(startDirectory);
  await rm(directory, { recursive: true, force: true });
});

describe('readSettingsFile', () => {
  test('reads context.ctAudit of a cdk.json', async () => {
    const path = await file('cdk.json', { app: 'npx tsx infra/app.ts', context: { ctAudit: { maxConcurrency: 5 } } });

    expect(readSettingsFile(path)).toEqual({ maxConcurrency: 5 });
  });

  test('a cdk.json without ctAudit in its context gives no settings', async () => {
    const path = await file('cdk.json', { app: 'npx tsx infra/app.ts', context: { other: true } });

    expect(readSettingsFile(path)).toEqual({});
  });

  test('a cdk.json without a context gives no settings, not its app line', async () => {
    const path = await file('cdk.json', { app: 'npx tsx infra/app.ts' });

    expect(readSettingsFile(path)).toEqual({});
  });

  test('reads a file that holds { ctAudit }', async () => {
    const path = await file('settings.json', { ctAudit: { adminEnabled: true } });

    expect(readSettingsFile(path)).toEqual({ adminEnabled: true });
  });

  test('reads a file that holds the settings themselves', async () => {
    const path = await file('settings.json', { maxConcurrency: 7, failOnIssues: false });

    expect(readSettingsFile(path)).toEqual({ maxConcurrency: 7, failOnIssues: false });
  });

  test('a file that is not valid JSON is InvalidSettings naming the file', async () => {
    const path = await file('broken.json', '{ "maxConcurrency": ');

    expect(() => readSettingsFile(path)).toThrow(
      expect.objectContaining({
        name: 'InvalidSettings',
        message: expect.stringContaining(`settings file ${path} is not valid JSON`),
      }),
    );
  });

  test('a file holding something other than an object is InvalidSettings', async () => {
    const path = await file('list.json', [1, 2]);

    expect(() => readSettingsFile(path)).toThrow(`settings file ${path} must hold a JSON object`);
  });

  test('a missing file is InvalidSettings naming the file', () => {
    const path = join(directory, 'missing.json');

    expect(() => readSettingsFile(path)).toThrow(
      expect.objectContaining({
        name: 'InvalidSettings',
        message: expect.stringContaining(`cannot read settings file ${path}`),
      }),
    );
  });

  test('without a path, the cdk.json of the working directory is read', async () => {
    await file('cdk.json', { context: { ctAudit: { maxConcurrency: 9 } } });
    process.chdir(directory);

    expect(readSettingsFile()).toEqual({ maxConcurrency: 9 });
  });

  test('without a path and without a cdk.json there are no settings', () => {
    process.chdir(directory);

    expect(readSettingsFile()).toEqual({});
  });
});

describe('mergeSettings', () => {
  test('nested objects merge field by field', () => {
    const merged = mergeSettings(
      { schedule: { expression: 'rate(1 day)', timeZone: 'UTC' } },
      { schedule: { timeZone: 'Europe/Paris' } },
    );

    expect(merged).toEqual({ schedule: { expression: 'rate(1 day)', timeZone: 'Europe/Paris' } });
  });

  test('lists are replaced, not concatenated', () => {
    const merged = mergeSettings(
      { include: { accounts: ['111111111111', '222222222222'] } },
      { include: { accounts: ['333333333333'] } },
    );

    expect(merged).toEqual({ include: { accounts: ['333333333333'] } });
  });

  test('a later layer wins for plain values', () => {
    expect(mergeSettings({ maxConcurrency: 40 }, { maxConcurrency: 3 })).toEqual({ maxConcurrency: 3 });
  });

  test('an undefined value does not erase an earlier one', () => {
    expect(mergeSettings({ maxConcurrency: 40 }, { maxConcurrency: undefined })).toEqual({ maxConcurrency: 40 });
  });

  test('a missing layer is ignored', () => {
    expect(mergeSettings(undefined, { adminEnabled: true }, undefined)).toEqual({ adminEnabled: true });
  });

  test('a __proto__ key from a JSON file neither sets the prototype nor reaches the settings', () => {
    const layer = JSON.parse('{"__proto__": {"adminEnabled": true}, "schedule": {"__proto__": {"enabled": false}}}');

    const merged = mergeSettings(layer);

    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(merged.schedule)).toBe(Object.prototype);
    expect((merged as { adminEnabled?: unknown }).adminEnabled).toBeUndefined();
    expect(({} as { adminEnabled?: unknown }).adminEnabled).toBeUndefined();
    expect(resolveSettings(layer).adminEnabled).toBe(false);
  });

  test.each(['constructor', 'prototype'])('a %s key is ignored at any depth', (key) => {
    const layer = JSON.parse(`{"${key}": {"x": 1}, "schedule": {"${key}": {"y": 2}, "timeZone": "UTC"}}`);

    expect(mergeSettings(layer)).toEqual({ schedule: { timeZone: 'UTC' } });
  });

  test('the layers themselves are not changed', () => {
    const base = { schedule: { timeZone: 'UTC' } };

    mergeSettings(base, { schedule: { timeZone: 'Europe/Paris' } });

    expect(base).toEqual({ schedule: { timeZone: 'UTC' } });
  });
});

describe('resolveSettings', () => {
  test('validates the merged layers and fills in defaults', () => {
    const settings = resolveSettings({ maxConcurrency: 10 }, { adminEnabled: true });

    expect(settings).toMatchObject({ maxConcurrency: 10, adminEnabled: true, defaultChecks: ['identity'] });
  });

  test('a wrong merged setting is InvalidSettings naming it', () => {
    expect(() => resolveSettings({ maxConcurrency: 10 }, { maxConcurrency: 0 })).toThrow(
      'ctAudit.maxConcurrency: must be a whole number from 1 to 1000 (got 0)',
    );
  });
});
