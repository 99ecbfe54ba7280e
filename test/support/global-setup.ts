import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where this run's temporary files go (see {@link globalSetup}); read by global-teardown.ts. */
export const RUN_TMPDIR = 'CT_AUDIT_TEST_RUN_TMPDIR';

/**
 * Jest's globalSetup: one directory of the run's own becomes `TMPDIR` for every test worker and every process the
 * tests start (moto_server, the CLI, Chromium, the CDK's `cdk.out` directories), and global-teardown.ts removes it
 * when the run ends. A test that forgets to remove what it made then leaves nothing behind on a developer's machine.
 */
export default function globalSetup(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ct-audit-jest-'));
  process.env[RUN_TMPDIR] = dir;
  process.env.TMPDIR = dir;
}
