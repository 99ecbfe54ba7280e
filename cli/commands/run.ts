import type { Command } from 'commander';
import { configureClientTimeouts } from '../../functions/lib/clients';
import type { CommandContext, Io } from '../context';
import { useEndpoint } from '../endpoint';
import { readSettingsFile, resolveSettings } from '../settings-file';
import { executeLocal, requireBucket, requireCredentials } from './local';
import { addRunOptions, executionInput, flagSettings, type RunFlags, validateRun } from './options';

/** `ct-audit run`: the workflow in the local engine with the shell's credentials, or against --endpoint. */
export function registerRun(root: Command, { io, done }: CommandContext): void {
  addRunOptions(
    root
      .command('run')
      .description('run the audit workflow locally with the AWS credentials of the shell (or against --endpoint)')
      .exitOverride(),
    { sandbox: false },
  ).action(async (flags: RunFlags) => done(await runCommand(io, flags)));
}

async function runCommand(io: Io, flags: RunFlags): Promise<number> {
  useEndpoint(flags.endpoint);
  const settings = resolveSettings(readSettingsFile(flags.settings), flagSettings(flags));
  configureClientTimeouts(settings.sdk);
  const input = executionInput(flags);
  validateRun(input, settings);
  await requireCredentials(flags.endpoint);
  if (flags.reportBucket) await requireBucket(flags.reportBucket);
  return executeLocal(io, flags, settings, input, undefined);
}
