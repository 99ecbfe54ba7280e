import { MAX_FINDINGS_PER_RULE, RuleEngine } from '../cloudtrail/engine';
import { summarizeFindings } from '../cloudtrail/format';
import {
  describeLogArchiveError,
  isCheckResult,
  LogArchiveError,
  logKeysInWindow,
  openLogArchive,
  s3LogOpener,
} from '../cloudtrail/log-archive';
import { scanLogFiles } from '../cloudtrail/scanner';
import { isThrottle } from '../lib/errors';
import type { Check } from './types';

/**
 * `cloudtrail-events`: streams every CloudTrail file of the account in the look-back window through the rules
 * (root activity, tampering, public buckets, ...). Any finding fails the check; the account record keeps the
 * findings (at most `MAX_FINDINGS_PER_RULE` per rule), the message counts them.
 */
export const cloudTrailEventsCheck: Check = {
  id: 'cloudtrail-events',
  title: 'Nothing alarming in the CloudTrail logs of the look-back window',
  role: 'readOnly',
  requires: ['homeRegion', 'logArchive.accountId', 'organizationId'],
  async run(context) {
    const opened = await openLogArchive(context);
    if (isCheckResult(opened)) return opened;
    const { s3, target } = opened;
    const settings = context.settings.cloudtrail;
    const now = context.now();
    const window = { start: new Date(now.getTime() - settings.lookbackHours * 3_600_000), end: now };
    const engine = new RuleEngine({ settings, window });

    let files: number;
    let records: number;
    try {
      ({ files, records } = await scanLogFiles({
        keys: logKeysInWindow(s3, target, context.accountId, window),
        open: s3LogOpener(s3, target.location.bucket),
        engine,
        concurrency: settings.readConcurrency,
      }));
    } catch (error) {
      if (isThrottle(error)) throw error instanceof LogArchiveError ? error.cause : error;
      const info = describeLogArchiveError(error, context.settings.roles.readOnlyExecutionRoleName);
      return { status: 'ERROR', message: 'cannot read the Log Archive bucket', error: info };
    }

    const { findings, counts, capped } = engine.result();
    const span = `${settings.lookbackHours}h`;
    if (files === 0) return { status: 'PASS', message: `no log files in the last ${span}` };
    if (findings.length === 0) {
      const read = `${files} file${files === 1 ? '' : 's'}, ${records} record${records === 1 ? '' : 's'}`;
      return { status: 'PASS', message: `no findings in ${span} (${read})` };
    }
    const cap = capped.length > 0 ? `; kept ${MAX_FINDINGS_PER_RULE} per rule` : '';
    return { status: 'FAIL', message: `${summarizeFindings(findings, counts)}${cap}`, findings };
  },
};
