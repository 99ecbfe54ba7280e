import {
  CreateDetectorCommand,
  DeleteDetectorCommand,
  GetDetectorCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import { ACTION_INFO } from './catalog';
import type { Inspection, RemediationAction } from './types';

/** Enables the region's GuardDuty detector, or creates one where there is none. */
export const enableGuardDuty: RemediationAction = {
  ...ACTION_INFO['enable-guardduty'],

  async inspect(target, { session }): Promise<Inspection> {
    const guardduty = session.client(GuardDutyClient, { region: target.resource.region });
    const { DetectorIds } = await guardduty.send(new ListDetectorsCommand({}));
    const detectorId = DetectorIds?.[0];
    if (!detectorId) return { compliant: false, state: { detectorId: null, status: 'MISSING' }, tags: {} };
    const detector = await guardduty.send(new GetDetectorCommand({ DetectorId: detectorId }));
    const status = detector.Status ?? 'DISABLED';
    return { compliant: status === 'ENABLED', state: { detectorId, status }, tags: { ...(detector.Tags ?? {}) } };
  },

  async apply(target, before, { session }) {
    const guardduty = session.client(GuardDutyClient, { region: target.resource.region });
    const detectorId = before.state.detectorId;
    if (typeof detectorId === 'string') {
      const params = { DetectorId: detectorId, Enable: true };
      await guardduty.send(new UpdateDetectorCommand(params));
      return [{ call: 'guardduty:UpdateDetector', params }];
    }
    const params = { Enable: true };
    const created = await guardduty.send(new CreateDetectorCommand(params));
    return [{ call: 'guardduty:CreateDetector', params, result: { detectorId: created.DetectorId ?? null } }];
  },

  async undo(target, before, applied, { session }) {
    const guardduty = session.client(GuardDutyClient, { region: target.resource.region });
    if (typeof before.detectorId === 'string') {
      const params = { DetectorId: before.detectorId, Enable: false };
      await guardduty.send(new UpdateDetectorCommand(params));
      return [{ call: 'guardduty:UpdateDetector', params }];
    }
    const created = applied.find((call) => call.call === 'guardduty:CreateDetector')?.result?.detectorId;
    if (typeof created !== 'string') return [];
    const params = { DetectorId: created };
    await guardduty.send(new DeleteDetectorCommand(params));
    return [{ call: 'guardduty:DeleteDetector', params }];
  },
};
