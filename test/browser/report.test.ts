import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import type { AccountFindings } from '../../functions/lib/changes';
import { renderReportHtml } from '../../functions/report/html';
import { launchChromium } from '../support/chromium';
import {
  accountFindings,
  changeSummary,
  runSummary,
  summaryAccount,
  trackedFinding,
} from '../support/report-factories';

const XSS = '<img src=x onerror=alert(1)>';
const DOCS_SCREENSHOT = resolve(__dirname, '..', '..', 'docs', 'report.png');

/** A run as a person would see it: a few accounts, each status, findings new, open and resolved. */
function sampleReport(): string {
  const accounts = [
    summaryAccount({
      accountId: '111111111111',
      name: 'Prod payments',
      status: 'FAIL',
      checks: {
        identity: { status: 'PASS' },
        'cloudtrail-delivery': { status: 'PASS' },
        'cloudtrail-events': { status: 'FAIL', message: '2 alarming events', findings: 2 },
      },
    }),
    summaryAccount({
      accountId: '222222222222',
      name: XSS,
      status: 'ERROR',
      checks: {
        identity: {
          status: 'ERROR',
          error: { kind: 'ACCESS_DENIED', message: 'cannot assume aws-controltower-ReadOnlyExecutionRole' },
        },
      },
    }),
    summaryAccount({
      accountId: '333333333333',
      name: 'Sandbox data',
      status: 'FAIL',
      checks: {
        identity: { status: 'PASS' },
        'cloudtrail-delivery': { status: 'FAIL', message: 'us-east-1: newest file 2h 5m old' },
        'cloudtrail-events': { status: 'PASS' },
      },
    }),
    summaryAccount({
      accountId: '444444444444',
      name: 'Shared services',
      status: 'PASS',
      checks: {
        identity: { status: 'PASS' },
        'cloudtrail-delivery': { status: 'PASS' },
        'cloudtrail-events': { status: 'PASS', muted: 1 },
      },
    }),
  ];
  const findings = new Map<string, AccountFindings>([
    [
      '111111111111',
      accountFindings(
        [
          trackedFinding({
            accountId: '111111111111',
            fingerprint: 'a1',
            state: 'NEW',
            severity: 'CRITICAL',
            rule: 'root-activity',
            title: 'Root user signed in to the console',
            resource: { type: 'AwsAccount', id: '111111111111', region: 'global' },
            eventName: 'ConsoleLogin',
            principalArn: 'arn:aws:iam::111111111111:root',
            firstSeen: '2030-01-05T06:00:00.000Z',
          }),
          trackedFinding({
            accountId: '111111111111',
            fingerprint: 'a2',
            state: 'STILL_OPEN',
            firstSeen: '2029-12-20T06:00:00.000Z',
            evidence: { ruleId: 'sgr-0abc', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' },
            cause: {
              eventName: 'AuthorizeSecurityGroupIngress',
              principalArn: 'arn:aws:sts::111111111111:assumed-role/Dev/alice',
              eventTime: '2029-12-20T05:41:00Z',
            },
          }),
          trackedFinding({
            accountId: '111111111111',
            fingerprint: 'a3',
            state: 'RESOLVED',
            rule: 'kms-key-disabled',
            severity: 'MEDIUM',
            title: 'KMS key disabled',
            resource: { type: 'AwsKmsKey', id: 'k-1', region: 'eu-west-1' },
            resolvedAt: '2030-01-05T06:00:00.000Z',
          }),
        ],
        '111111111111',
      ),
    ],
    [
      '444444444444',
      accountFindings(
        [
          trackedFinding({
            accountId: '444444444444',
            fingerprint: 'd1',
            state: 'MUTED',
            previousState: 'STILL_OPEN',
            severity: 'MEDIUM',
            title: 'Security group open on port 8443',
            mute: { reason: 'public API gateway, reviewed by security', owner: 'platform-team', expires: '2030-03-31' },
          }),
        ],
        '444444444444',
      ),
    ],
  ]);
  return renderReportHtml({
    summary: runSummary({
      runId: 'ct-audit-2030-01-05T0600Z',
      checks: ['identity', 'cloudtrail-delivery', 'cloudtrail-events'],
      startedAt: '2030-01-05T06:00:00.000Z',
      finishedAt: '2030-01-05T06:02:41.000Z',
      reportLocation: 's3://ct-audit-reports/runs/2030-01-05/ct-audit-2030-01-05T0600Z/',
      totals: { accounts: 4, pass: 1, fail: 2, error: 1, skipped: 1 },
      accounts,
      skipped: [
        { accountId: '555555555555', name: 'Closed', reason: 'account is SUSPENDED: only ACTIVE accounts are audited' },
      ],
      changes: changeSummary({
        previousRunIds: ['ct-audit-2030-01-04T0600Z'],
        counts: { new: 1, stillOpen: 1, resolved: 1, reopened: 0, notAssessed: 0, muted: 1 },
        newlyUnreachable: ['222222222222'],
        new: [
          {
            accountId: '111111111111',
            accountName: 'Prod payments',
            check: 'cloudtrail-events',
            rule: 'root-activity',
            severity: 'CRITICAL',
            title: 'Root user signed in to the console',
            resource: '111111111111',
            fingerprint: 'a1',
            firstSeen: '2030-01-05T06:00:00.000Z',
          },
        ],
        resolved: [
          {
            accountId: '111111111111',
            accountName: 'Prod payments',
            check: 'cloudtrail-events',
            rule: 'kms-key-disabled',
            severity: 'MEDIUM',
            title: 'KMS key disabled',
            resource: 'k-1',
            fingerprint: 'a3',
            firstSeen: '2030-01-02T06:00:00.000Z',
          },
        ],
      }),
    }),
    findings,
    now: new Date('2030-01-05T06:02:41.000Z'),
  });
}

describe('report.html in a real browser (headless Chromium)', () => {
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const dialogs: string[] = [];
  let url: string;

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ct-audit-report-')), 'report.html');
    writeFileSync(file, sampleReport());
    url = pathToFileURL(file).href;
    context = await launchChromium();
    page = await context.newPage();
    // Every request the page makes, besides the file itself, is recorded and refused.
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    page.on('request', (request) => {
      if (request.url() !== url && !requests.includes(request.url())) requests.push(request.url());
    });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
  });
  afterAll(() => context?.close());

  it('makes no request to anywhere', () => {
    expect(requests).toEqual([]);
  });

  it('shows an account named like markup as text, and runs no script', async () => {
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('#grid').innerText()).resolves.toContain(XSS);
    expect(dialogs).toEqual([]);
  });

  it('has one row per account in the grid, worst first', async () => {
    const rows = await page
      .locator('#grid tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-account')));
    expect(rows).toEqual(['222222222222', '111111111111', '333333333333', '444444444444']);
  });

  it('opens the drill-down of an account and of a check', async () => {
    const account = page.locator('#acct-111111111111');
    await expect(account.evaluate((el) => (el as unknown as { open: boolean }).open)).resolves.toBe(false);

    await account.locator('> summary').click();
    const check = account.locator('details.check', { hasText: 'cloudtrail-events' });
    await check.locator('> summary').click();

    await expect(account.evaluate((el) => (el as unknown as { open: boolean }).open)).resolves.toBe(true);
    await expect(check.locator('table').innerText()).resolves.toContain('AuthorizeSecurityGroupIngress');
    await expect(check.locator('table').isVisible()).resolves.toBe(true);
  });

  it('captures the whole page, as the README screenshot shows it (written with UPDATE_SCREENSHOT=1)', async () => {
    // The page's own measure of itself (this project has no DOM types: the function runs in the browser).
    const size = await page.evaluate(() => {
      const root = (
        globalThis as unknown as { document: { documentElement: { clientWidth: number; scrollHeight: number } } }
      ).document.documentElement;
      return { width: root.clientWidth, height: root.scrollHeight };
    });
    const shot = await page.screenshot({
      fullPage: true,
      ...(process.env.UPDATE_SCREENSHOT ? { path: DOCS_SCREENSHOT } : {}),
    });
    // A PNG's size is in its IHDR chunk: the capture is the laid-out page, every row of it, not a blank frame.
    expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect({ width: shot.readUInt32BE(16), height: shot.readUInt32BE(20) }).toEqual(size);
    expect(size.height).toBeGreaterThan(size.width / 2);
  });
});
