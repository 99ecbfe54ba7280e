/**
 * The `sdk.*` timeouts of the settings apply to every AWS client the CLI makes, whichever command makes it: each
 * command here is stopped by bad or missing input right after it read its settings, before any AWS call.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { EXIT, main } from '../../../cli/main';
import { clientTimeouts, configureClientTimeouts, DEFAULT_TIMEOUTS } from '../../../functions/lib/clients';

const folder = mkdtempSync(join(tmpdir(), 'ct-audit-timeouts-'));
const settings = join(folder, 'cdk.json');
const SDK = { connectionTimeoutMs: 1_234, requestTimeoutMs: 5_678 };
writeFileSync(settings, JSON.stringify({ context: { ctAudit: { sdk: SDK } } }));
const where = ['--report-dir', folder, '--settings', settings];

async function ctAudit(argv: readonly string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = { write: (text: string) => (stderr += text) };
  const code = await main(argv, { stdout: { write: () => true }, stderr: Object.assign(new PassThrough(), sink) });
  return { code, stderr };
}

afterEach(() => configureClientTimeouts(undefined));

test.each([
  ['remediate', ['remediate', '--run', 'audit-run-1', '--plan', '--accounts', '123', ...where], /accounts/],
  ['undo', ['undo', '--run', 'remediation-run-1', ...where], /no remediation run remediation-run-1/],
  ['approve', ['approve', '--run', 'remediation-run-1', ...where], /is not waiting for approval/],
  ['reject', ['reject', '--run', 'remediation-run-1', ...where], /is not waiting for approval/],
  ['show', ['show', '--run', 'audit-run-1', ...where], /no run "audit-run-1"/],
  ['report', ['report', '--run', 'audit-run-1', ...where], /no summary\.json/],
])('%s makes its AWS clients with the sdk timeouts of the settings', async (_, argv, refusal) => {
  expect(clientTimeouts({})).toEqual(DEFAULT_TIMEOUTS);

  const { code, stderr } = await ctAudit(argv);

  expect(stderr).toMatch(refusal);
  expect(code).toBe(EXIT.invalid);
  expect(clientTimeouts({})).toEqual(SDK);
});

test('a read-only command validates only the sdk block of the settings, naming a bad value', async () => {
  const other = join(folder, 'other.json');
  writeFileSync(other, JSON.stringify({ ctAudit: { sdk: SDK, maxConcurrency: 'not a number' } }));
  const bad = join(folder, 'bad-sdk.json');
  writeFileSync(bad, JSON.stringify({ ctAudit: { sdk: { requestTimeoutMs: 5 } } }));
  const show = (file: string) => ctAudit(['show', '--run', 'audit-run-1', '--report-dir', folder, '--settings', file]);

  const unrelated = await show(other);
  const refused = await show(bad);

  expect(unrelated.stderr).toMatch(/no run "audit-run-1"/);
  expect(refused.stderr).toMatch(/sdk\.requestTimeoutMs: must be a whole number of milliseconds from 100 to 300000/);
  expect(refused.code).toBe(EXIT.invalid);
});
