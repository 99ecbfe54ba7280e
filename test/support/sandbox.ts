import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalRunOptions, type LocalRunResult, runLocal } from '../../cli/engine';
import { type Gateway, startGateway } from '../../cli/sandbox/gateway';
import { type Emulator, findMoto, MOTO_INSTALL_HINT, startMoto } from '../../cli/sandbox/moto';
import { type SandboxOrganization, type SeedOptions, seedSandbox } from '../../cli/sandbox/seed';
import { mergeSettings } from '../../cli/settings-file';
import { LocalReportStore } from '../../functions/lib/report-store';
import { parseSettings, type SettingsInput } from '../../functions/lib/settings';

/** A seeded sandbox for one test file: moto, the gateway in front of it, and the organization. */
export interface TestSandbox {
  readonly emulator: Emulator;
  readonly gateway: Gateway;
  readonly organization: SandboxOrganization;
  /** Where run records go; one folder per test file. */
  readonly reportDir: string;
  /** Runs the real ASL locally against the sandbox, with the sandbox's credentials and settings. */
  run(
    input: unknown,
    options?: { settings?: SettingsInput } & Partial<Omit<LocalRunOptions, 'settings' | 'input'>>,
  ): Promise<LocalRunResult>;
  stop(): Promise<void>;
}

/**
 * Starts moto_server, seeds a sandbox organization and points every SDK client at it. Fails with one line on how
 * to install moto when it is missing: workflow tests never skip silently.
 */
export async function startSandbox(seed: SeedOptions = {}): Promise<TestSandbox> {
  if (!findMoto()) throw new Error(MOTO_INSTALL_HINT);
  const emulator = await startMoto();
  let gateway: Gateway | undefined;
  let organization: SandboxOrganization;
  try {
    gateway = await startGateway(emulator.url);
    organization = await seedSandbox(gateway.url, seed);
  } catch (error) {
    // Leave nothing running: a test file whose set-up failed must still let jest exit.
    await gateway?.close();
    await emulator.stop();
    throw error;
  }
  const started = gateway;
  process.env.AWS_ENDPOINT_URL = started.url;
  const reportDir = mkdtempSync(join(tmpdir(), 'ct-audit-test-'));
  let runs = 0;
  return {
    emulator,
    gateway: started,
    organization,
    reportDir,
    run: (input, options = {}) => {
      const { settings, ...rest } = options;
      runs++;
      return runLocal({
        settings: parseSettings(mergeSettings(organization.settings as never, settings as never)),
        input,
        store: new LocalReportStore(reportDir),
        credentials: organization.credentials,
        executionName: `test-${process.pid}-${runs}`,
        retryIntervalMs: 0,
        ...rest,
      });
    },
    stop: async () => {
      delete process.env.AWS_ENDPOINT_URL;
      await started.close();
      await emulator.stop();
    },
  };
}

/** The IDs a whole-organization run must audit: every ACTIVE account but the management account. */
export function activeTargets(organization: SandboxOrganization): string[] {
  return [
    organization.auditAccountId,
    organization.logArchiveAccountId,
    ...organization.members.filter((member) => member.planted !== 'suspended').map((member) => member.accountId),
  ].sort();
}
