import type { Status } from './types';

const RANK: Readonly<Record<Status, number>> = { PASS: 0, SKIPPED: 1, FAIL: 2, ERROR: 3 };

/**
 * The worst of some statuses: ERROR (we do not know) over FAIL (we know of a problem) over SKIPPED over PASS.
 * No statuses at all is SKIPPED: nothing was checked.
 */
export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status | undefined;
  for (const status of statuses) {
    if (worst === undefined || RANK[status] > RANK[worst]) worst = status;
  }
  return worst ?? 'SKIPPED';
}
