import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  StartConfigurationRecorderCommand,
  StopConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { errorName } from '../lib/errors';
import { ACTION_INFO } from './catalog';
import type { Inspection, RemediationAction } from './types';

/** Control Tower names its recorder `aws-controltower-BaselineConfigRecorder`. */
export function isControlTowerRecorder(name: string): boolean {
  return /^aws-controltower-|^AWSControlTower/.test(name);
}

/**
 * Starts a stopped Config recorder, and nothing else on Config. Control Tower's own recorder is the one exception
 * to "Control Tower's resources are never touched": starting it restores the baseline, and its guardrail
 * (GRCONFIGENABLED) denies Put/Delete/Stop on it but not Start. For the same reason undo never stops it.
 */
export const startConfigRecorder: RemediationAction = {
  ...ACTION_INFO['start-config-recorder'],

  async inspect(target, { session }): Promise<Inspection> {
    const name = target.resource.id;
    if (name === 'none') {
      return {
        compliant: false,
        state: { recorderName: null, recording: false },
        tags: {},
        needsPerson: 'no Config recorder exists here: repair the landing zone baseline (re-register the OU)',
      };
    }
    const config = session.client(ConfigServiceClient, { region: target.resource.region });
    try {
      const { ConfigurationRecordersStatus } = await config.send(
        new DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: [name] }),
      );
      const status = ConfigurationRecordersStatus?.[0];
      return {
        compliant: status?.recording === true,
        state: { recorderName: name, recording: status?.recording === true, lastStatus: status?.lastStatus ?? null },
        tags: {},
      };
    } catch (error) {
      if (errorName(error) !== 'NoSuchConfigurationRecorderException') throw error;
      return {
        compliant: false,
        state: { recorderName: name, recording: false, missing: true },
        tags: {},
        needsPerson: `Config recorder ${name} no longer exists: repair the landing zone baseline`,
      };
    }
  },

  async apply(target, _before, { session }) {
    const config = session.client(ConfigServiceClient, { region: target.resource.region });
    const params = { ConfigurationRecorderName: target.resource.id };
    await config.send(new StartConfigurationRecorderCommand(params));
    return [{ call: 'config:StartConfigurationRecorder', params }];
  },

  async undo(target, before, _applied, { session }) {
    if (before.recording === true) return [];
    if (isControlTowerRecorder(target.resource.id)) {
      throw new UndoRefusedError(
        `not undone: stopping Control Tower's recorder ${target.resource.id} is denied by its guardrail and would ` +
          'break the landing zone baseline',
      );
    }
    const config = session.client(ConfigServiceClient, { region: target.resource.region });
    const params = { ConfigurationRecorderName: target.resource.id };
    await config.send(new StopConfigurationRecorderCommand(params));
    return [{ call: 'config:StopConfigurationRecorder', params }];
  },
};

/** Undo was refused on purpose; the record says why. */
export class UndoRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndoRefused';
  }
}
