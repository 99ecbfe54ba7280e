import { type Command, Option } from 'commander';
import { configureClientTimeouts } from '../../functions/lib/clients';
import { parseExecutionInput } from '../../functions/resolve-targets/input';
import { type CommandContext, type Io, UsageError } from '../context';
import { onInterrupt } from '../interrupt';
import { Progress } from '../output';
import { startGateway } from '../sandbox/gateway';
import { startMoto } from '../sandbox/moto';
import { MAX_SANDBOX_MEMBERS, MIN_SANDBOX_MEMBERS, seedSandbox } from '../sandbox/seed';
import { readSettingsFile, resolveSettings } from '../settings-file';
import { executeLocal } from './local';
import { addRunOptions, executionInput, flagSettings, type RunFlags, wholeNumber } from './options';
import { sandboxRemediate } from './sandbox-remediate';

type SandboxFlags = RunFlags & {
  accounts?: unknown;
  members: number;
  plant: boolean;
  remediate?: boolean;
  approve?: boolean;
};

/** `ct-audit sandbox`: an emulator, a seeded organization, the audit, the emulator stopped. */
export function registerSandbox(root: Command, { io, done }: CommandContext): void {
  addRunOptions(
    root
      .command('sandbox')
      .description('start a local emulator, seed a Control Tower-shaped organization, audit it, stop the emulator')
      .exitOverride()
      .addOption(
        new Option('--accounts <n>', `member accounts to seed (${MIN_SANDBOX_MEMBERS}-${MAX_SANDBOX_MEMBERS})`)
          // Refused here, before the emulator starts.
          .argParser(wholeNumber('--accounts', { min: MIN_SANDBOX_MEMBERS, max: MAX_SANDBOX_MEMBERS }))
          .default(12),
      )
      .option('--clean', 'seed no planted problems: every account should pass')
      .option(
        '--remediate',
        'then plan, approve, apply and verify the remediations, and audit again (--json and --summary-file then ' +
          'give the remediation summary; there is no undo: the emulator stops with the sandbox)',
      )
      .option('--approve', 'with --remediate: approve the plan without asking'),
    { sandbox: true },
  ).action(async (flags: RunFlags & { accounts: number; clean?: boolean; remediate?: boolean; approve?: boolean }) =>
    done(await sandboxCommand(io, { ...flags, members: flags.accounts, accounts: undefined, plant: !flags.clean })),
  );
}

async function sandboxCommand(io: Io, flags: SandboxFlags): Promise<number> {
  // A plain sandbox run applies nothing: an --approve there was meant for something it would not do.
  if (flags.approve && !flags.remediate) {
    throw new UsageError(
      '--approve approves a remediation: give it with --remediate (a plain sandbox run changes nothing)',
    );
  }
  const userSettings = flags.settings ? readSettingsFile(flags.settings) : {};
  const input = executionInput(flags, undefined);
  // Validate before starting anything, so that a typo costs no emulator start.
  const checked = resolveSettings(userSettings, flagSettings(flags));
  parseExecutionInput(input, checked);
  configureClientTimeouts(checked.sdk);

  const started = Date.now();
  const moto = await startMoto();
  const stopAll: (() => Promise<void>)[] = [moto.stop];
  // Ctrl-C or SIGTERM: the emulator stops and the progress bar gives the terminal back (its own cleanup), then exit.
  const release = onInterrupt(() => Promise.all(stopAll.map((stop) => stop())));
  const steps = new Progress(io.stderr, flags.progress && !flags.json);
  try {
    const gateway = await startGateway(moto.url);
    stopAll.unshift(gateway.close);
    io.stderr.write(`Sandbox: moto at ${moto.url}; seeding ${flags.members} member accounts...\n`);
    const organization = await seedSandbox(gateway.url, {
      members: flags.members,
      plant: flags.plant,
      onStep: (step) => steps.note(`Sandbox: seeding ${step} (${((Date.now() - started) / 1000).toFixed(0)}s)`),
    });
    if (steps.active) io.stderr.write('\r\x1b[2K');
    io.stderr.write(
      `Sandbox: organization ${organization.organizationId} with ${organization.members.length} member accounts, ` +
        `seeded in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
    );
    process.env.AWS_ENDPOINT_URL = gateway.url;
    process.env.AWS_REGION ??= 'us-east-1';
    const settings = resolveSettings(userSettings, organization.settings, flagSettings(flags));
    if (flags.remediate) return await sandboxRemediate(io, flags, settings, organization, input);
    return await executeLocal(io, flags, settings, input, organization.credentials, { sandbox: true });
  } finally {
    release();
    for (const stop of stopAll) await stop();
  }
}
