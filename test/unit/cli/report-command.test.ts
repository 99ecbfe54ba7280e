import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { LocalReportStore } from '../../../functions/lib/report-store';
import { accountFindings, runSummary, summaryAccount, trackedFinding } from '../../support/report-factories';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) > 0 },
    },
  };
}

describe('ct-audit report --run <id>', () => {
  test('renders report.html again from the stored summary and findings, and prints where it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-report-cmd-'));
    const store = new LocalReportStore(dir);
    const ref = { id: 'run-2', startedAt: '2030-01-02T06:00:00.000Z' };
    await store.putJson(ref, 'summary.json', runSummary({ accounts: [summaryAccount({ name: 'Prod <b>' })] }));
    await store.putJson(ref, 'findings/111111111111.json', accountFindings([trackedFinding({ title: 'Root used' })]));
    const { io: streams, out } = io();

    const code = await main(['report', '--run', 'run-2', '--report-dir', dir], streams as never);

    const path = join(dir, 'run-2', 'report.html');
    expect(code).toBe(0);
    expect(out.join('')).toBe(`Report: ${path}\n`);
    expect(readFileSync(path, 'utf8')).toMatch(/Prod &lt;b&gt;.*Root used/s);
  });

  test('a run with no summary is a usage error (exit 2) naming what to check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-report-cmd-'));
    const { io: streams, err } = io();

    const code = await main(['report', '--run', 'no-such-run', '--report-dir', dir], streams as never);

    expect(code).toBe(2);
    expect(err.join('')).toMatch(/no summary\.json at .*no-such-run.*check --run/);
    expect(existsSync(join(dir, 'no-such-run', 'report.html'))).toBe(false);
  });

  test('a run ID that could leave the report folder is refused', async () => {
    const { io: streams, err } = io();

    const code = await main(['report', '--run', '../../etc'], streams as never);

    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--run must be a run ID/);
  });
});
