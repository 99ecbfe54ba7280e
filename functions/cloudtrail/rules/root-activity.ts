import { asObject, asString } from '../record';
import { eventRule } from './types';

/** `root-activity`: the root user signed in or made a call itself (AWS services acting for root do not count). */
export const rootActivity = eventRule({
  id: 'root-activity',
  severity: 'CRITICAL',
  title: 'Root user activity',
  description: 'The root user signed in or made a call; outside break-glass use the root user should never be used.',
  // Pre-filter: it matches only `userIdentity.type === "Root"`.
  needs: { keyValues: { type: ['Root'] } },
  match(record) {
    const identity = asObject(record.userIdentity);
    // invokedBy: an AWS service acted on the root user's behalf (CIS 3.3 / 4.3 leave these out).
    if (identity?.type !== 'Root' || identity.invokedBy !== undefined) return false;
    if (record.eventName === 'ConsoleLogin') {
      return {
        detail: `root signed in to the console (MFA used: ${asString(asObject(record.additionalEventData)?.MFAUsed) ?? 'unknown'})`,
      };
    }
    return { detail: `root called ${record.eventSource ?? 'an AWS service'} ${record.eventName ?? ''}`.trimEnd() };
  },
});
