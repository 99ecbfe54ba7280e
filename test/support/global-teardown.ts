import { rmSync } from 'node:fs';
import { RUN_TMPDIR } from './global-setup';

/** Jest's globalTeardown: removes the run's temporary directory (see global-setup.ts). */
export default function globalTeardown(): void {
  const dir = process.env[RUN_TMPDIR];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
