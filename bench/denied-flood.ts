/**
 * `npx tsx bench/denied-flood.ts [principals]`: the peak RSS of a scan of 400,000 AccessDenied calls, each from a
 * distinct session name (the flood that used to take `access-denied-burst` to 850 MB). Runs the checks' path —
 * gzip bodies in 64 KiB pieces → record splitter → `JSON.parse` → rule engine with every rule on — over 40 files of
 * 10,000 records, built one at a time as they are opened, so that the input does not count. Prints the peak RSS
 * and the aggregating rules' state sizes. A figure, not a test: the bound itself is asserted in the unit tests.
 */
import { gzipSync } from 'node:zlib';
import { RuleEngine } from '../functions/cloudtrail/engine';
import { scanLogFiles } from '../functions/cloudtrail/scanner';
import { cloudTrailSettingsSchema } from '../functions/cloudtrail/settings';

const PRINCIPALS = Number(process.argv[2] ?? 400_000);
const PER_FILE = 10_000;
const MB = 1024 * 1024;

function deniedCall(i: number) {
  const arn = `arn:aws:sts::111122223333:assumed-role/probe/session-${i}`;
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE:session-${i}`,
      arn,
      accountId: '111122223333',
      sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/probe' } },
    },
    eventTime: new Date(Date.UTC(2026, 10, 14, 10, 0, 0) + i * 10).toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource: 'iam.amazonaws.com',
    eventName: 'ListUsers',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.17.20',
    errorCode: 'AccessDenied',
    errorMessage: `User: ${arn} is not authorized to perform: iam:ListUsers`,
    requestParameters: null,
    responseElements: null,
    requestID: `req-${i}`,
    eventID: `evt-${i}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
  };
}

function file(index: number): Buffer {
  const records = Array.from({ length: PER_FILE }, (_, k) => deniedCall(index * PER_FILE + k));
  return gzipSync(JSON.stringify({ Records: records }));
}

async function main(): Promise<void> {
  const engine = new RuleEngine({ settings: cloudTrailSettingsSchema.parse({}) });
  const files = Math.ceil(PRINCIPALS / PER_FILE);
  const before = process.memoryUsage().rss;
  const stats = await scanLogFiles({
    keys: Array.from({ length: files }, (_, i) => `file-${i}`),
    engine,
    concurrency: 8,
    open: async (key) => {
      const body = file(Number(key.slice(5)));
      return (function* () {
        for (let offset = 0; offset < body.length; offset += 64 * 1024) yield body.subarray(offset, offset + 64 * 1024);
      })();
    },
  });
  const sizes = engine.stateSizes();
  const { findings } = engine.result();
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(`records scanned: ${stats.records} in ${stats.files} files`);
  console.log(`aggregator state sizes: ${JSON.stringify(sizes)}`);
  console.log(`findings: ${findings.map((finding) => finding.title).join(' | ')}`);
  console.log(`RSS before the scan: ${(before / MB).toFixed(0)} MB; peak RSS: ${(peak / MB).toFixed(0)} MB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
