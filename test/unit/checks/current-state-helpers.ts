import type { CheckContext } from '../../../functions/checks/types';
import type { AccountSession } from '../../../functions/lib/account-session';
import { awsClient } from '../../../functions/lib/clients';
import { parseSettings, type SettingsInput } from '../../../functions/lib/settings';
import type { RunInfo } from '../../../functions/lib/types';

export const ACCOUNT = '111122223333';

const RUN: RunInfo = {
  id: 'run-1',
  mode: 'audit',
  checks: ['network-exposure'],
  role: 'readOnly',
  startedAt: '2026-11-14T12:00:00.000Z',
  maxConcurrency: 10,
  failOnIssues: true,
  reportLocation: '/tmp/reports/run-1/',
};

/**
 * A check context whose target session builds real SDK clients (one per class and region, as AccountSession does),
 * so that `mockClient(EC2Client)` and the like intercept them. `regions` are the governed regions.
 */
export function stateContext(
  options: { regions?: string[]; settings?: SettingsInput; deadline?: number; ensureError?: Error } = {},
): CheckContext & { clientRegions: string[] } {
  const clients = new Map<unknown, unknown>();
  const clientRegions: string[] = [];
  const target: AccountSession = {
    accountId: ACCOUNT,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/aws-controltower-ReadOnlyExecutionRole`,
    sessionName: 'ct-audit-run-1',
    sts: () => {
      throw new Error('not used');
    },
    s3: () => {
      throw new Error('the current-state checks use client(), not s3()');
    },
    client<C>(Ctor: new (config: never) => C, { region }: { readonly region?: string } = {}): C {
      const key = `${Ctor.name}/${region ?? ''}`;
      let client = clients.get(key) as C | undefined;
      if (!client) {
        clientRegions.push(key);
        client = awsClient(
          Ctor as never,
          { accessKeyId: 'test', secretAccessKey: 'test' },
          {
            maxAttempts: 1,
            ...(region ? { region } : {}),
          },
        ) as C;
        clients.set(key, client);
      }
      return client;
    },
    ensure: async () => {
      if (options.ensureError) throw options.ensureError;
    },
  };
  const settings = parseSettings(options.settings ?? {});
  return {
    accountId: ACCOUNT,
    run: RUN,
    settings,
    now: () => new Date('2026-11-14T12:00:00Z'),
    regions: options.regions ?? ['us-east-1'],
    deadline: options.deadline ?? Date.now() + 60_000,
    target,
    logArchive: () => {
      throw new Error('not used');
    },
    clientRegions,
  };
}

/** An error as the SDK throws it: the service's error code as `name`. */
export function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
