import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where Debian's packages put Chromium (`apt-get install chromium` or `chromium-headless-shell`). */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-headless-shell', '/usr/bin/chromium-browser'];

/** The hint a test fails with when no browser is installed: the tests never skip silently. */
export const CHROMIUM_INSTALL_HINT =
  'no Chromium found: install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH); ' +
  '.ci/run does this';

/** The Chromium to drive: CHROMIUM_PATH, or Debian's. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Headless Chromium with a fresh profile (a new user data directory: Playwright passes it as --user-data-dir), and
 * the flags that keep it quiet on a machine with no network: no background requests, component updates, first-run
 * or sync. `--no-sandbox` because CI runs as root.
 */
export async function launchChromium(): Promise<BrowserContext> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(CHROMIUM_INSTALL_HINT);
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ct-audit-chromium-')), {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
