import { escapeHtml } from '../../../functions/report/escape';
import { FINDINGS_PER_CELL, renderReportHtml } from '../../../functions/report/html';
import { styleHash } from '../../../functions/report/style';
import {
  accountFindings,
  changeSummary,
  runSummary,
  summaryAccount,
  trackedFinding,
} from '../../support/report-factories';

const XSS = '<img src=x onerror=alert(1)>';
const NOW = new Date('2030-01-05T06:00:00.000Z');

function render(overrides: Parameters<typeof runSummary>[0] = {}, findings = new Map()) {
  return renderReportHtml({ summary: runSummary(overrides), findings, now: NOW });
}

describe('report.html', () => {
  test('escapes every character that could start markup or end an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  test('an account name, a finding title and a resource from the records appear as text, never as markup', () => {
    const findings = new Map([
      [
        '111111111111',
        accountFindings([
          trackedFinding({
            title: XSS,
            resource: { type: 'AwsS3Bucket', id: '"><script>x</script>', region: 'eu-west-1' },
          }),
        ]),
      ],
    ]);

    const html = render({ accounts: [summaryAccount({ name: XSS, status: 'FAIL' })] }, findings);

    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  test('has a Content-Security-Policy that allows no request, no script, and only its own style', () => {
    const html = render();

    const csp = (/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '').replace(
      /&#39;/g,
      "'",
    );
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`style-src ${styleHash()}`);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });

  test('the grid has one row per account, worst first, with colour class and symbol', () => {
    const html = render({
      accounts: [
        summaryAccount({ accountId: '111111111111', status: 'PASS' }),
        summaryAccount({
          accountId: '222222222222',
          status: 'ERROR',
          checks: {},
          error: { kind: 'ACCESS_DENIED', message: 'no' },
        }),
        summaryAccount({ accountId: '333333333333', status: 'FAIL', checks: { identity: { status: 'FAIL' } } }),
      ],
    });

    const rows = [...html.matchAll(/<tr data-account="(\d{12})">/g)].map((m) => m[1]);
    expect(rows).toEqual(['222222222222', '333333333333', '111111111111']);
    expect(html).toContain('<td class="c ERROR">⚠ ERROR</td>');
  });

  test('a status that is not one of ours never becomes markup or a class of its own: ERROR-coloured text', () => {
    const status = 'x"><meta http-equiv=refresh content="0;url=https://evil.example">' as never;

    const html = render({
      accounts: [summaryAccount({ status, checks: { identity: { status: 'BOGUS' as never } } })],
    });

    expect(html).not.toContain('<meta http-equiv=refresh');
    expect(html).toContain('<td class="c ERROR">⚠ x&quot;&gt;&lt;meta http-equiv=refresh');
    expect(html).toContain('<td class="c ERROR">⚠ BOGUS</td>');
    expect(html).toContain('<span class="badge ERROR">⚠ BOGUS</span>');
    expect(html).not.toMatch(/class="(c|badge) (?!PASS|FAIL|ERROR|SKIPPED|NOT_ASSESSED|new|reopened)[^"]*"/);
  });

  test('a check with no result is NOT_ASSESSED, never PASS-green', () => {
    const html = render({ accounts: [summaryAccount({ status: 'ERROR', checks: {} })] });

    expect(html).toContain('<td class="c NOT_ASSESSED">? NOT_ASSESSED</td>');
  });

  test('a cell with a new finding carries the NEW marker and the days open', () => {
    const findings = new Map([
      [
        '111111111111',
        accountFindings([
          trackedFinding({ state: 'STILL_OPEN', firstSeen: '2030-01-01T06:00:00.000Z' }),
          trackedFinding({ fingerprint: 'n', state: 'NEW' }),
        ]),
      ],
    ]);

    const html = render(
      { accounts: [summaryAccount({ status: 'FAIL', checks: { 'cloudtrail-events': { status: 'FAIL' } } })] },
      findings,
    );

    expect(html).toMatch(
      /class="c FAIL">✖ FAIL<span class="badge new">NEW<\/span> <span class="days">2 open, oldest 4d<\/span>/,
    );
  });

  test('the drill-down lists at most 50 findings per cell and says how many more there are', () => {
    const many = Array.from({ length: FINDINGS_PER_CELL + 7 }, (_, i) => trackedFinding({ fingerprint: `f${i}` }));

    const html = render({}, new Map([['111111111111', accountFindings(many)]]));

    expect(html).toContain('… and 7 more in findings/111111111111.json.');
  });

  test('changes since the last run: new, resolved, and expired mutes', () => {
    const html = render({
      changes: changeSummary({
        counts: { new: 1, stillOpen: 0, resolved: 1, reopened: 0, notAssessed: 0, muted: 0 },
        new: [
          {
            accountId: '111111111111',
            check: 'c',
            rule: 'r',
            severity: 'HIGH',
            title: 'T new',
            fingerprint: 'a',
            firstSeen: 'x',
          },
        ],
        resolved: [
          {
            accountId: '111111111111',
            check: 'c',
            rule: 'r',
            severity: 'LOW',
            title: 'T gone',
            fingerprint: 'b',
            firstSeen: 'x',
          },
        ],
        expiredMutes: [
          { accountId: '111111111111', rule: 'r', reason: 'accepted', owner: 'ops', expires: '2030-01-01' },
        ],
      }),
    });

    expect(html).toMatch(/<h3>New \(1\)<\/h3>.*T new/s);
    expect(html).toMatch(/<h3>Resolved \(1\)<\/h3>.*T gone/s);
    expect(html).toMatch(/<h3>Expired mutes \(1\)<\/h3>/);
  });

  test('capped lists show their full counts in the headings, and how many more are in the records', () => {
    const ids = Array.from({ length: 50 }, (_, i) => String(100000000000 + i));
    const expiredMutes = ids.map((accountId) => ({
      accountId,
      rule: 'r',
      reason: 'accepted',
      owner: 'ops',
      expires: '2030-01-01',
    }));

    const html = render({
      changes: changeSummary({
        newlyUnreachable: ids,
        newlyUnreachableCount: 5000,
        expiredMutes,
        expiredMuteCount: 1,
        expiredMuteFindings: 120,
      }),
    });

    expect(html).toMatch(
      /<h3>Newly unreachable accounts \(5000\)<\/h3><p>.*?<\/p><p class="note">… and 4950 more in summary\.json\.<\/p>/s,
    );
    expect(html).toMatch(/<h3>Expired mutes \(1\)<\/h3><p class="note">120 findings they matched count again\.<\/p>/);
    expect(html).toContain('… and 70 more in the records.');
  });

  test('a summary written before the counts were kept: the lists are the counts', () => {
    const html = render({
      changes: changeSummary({
        newlyUnreachable: ['111111111111'],
        expiredMutes: [
          { accountId: '111111111111', rule: 'r', reason: 'a', owner: 'ops', expires: '2030-01-01' },
          { accountId: '222222222222', rule: 'r', reason: 'a', owner: 'ops', expires: '2030-01-01' },
        ],
      }),
    });

    expect(html).toContain('<h3>Newly unreachable accounts (1)</h3>');
    expect(html).toMatch(/<h3>Expired mutes \(1\)<\/h3><p class="note">2 findings they matched/);
    expect(html).not.toContain('more in');
  });

  test('counts in an edited summary.json are shown as text, never markup, and never read as a pass', () => {
    const markup = '<a href="https://example.com/x">click</a>';

    const html = render({
      totals: { accounts: 1, pass: markup, fail: markup, error: 0, skipped: markup } as never,
      changes: changeSummary({ counts: { ...changeSummary().counts, new: markup, muted: markup } as never }),
      hasIssues: false,
    });

    expect(html).not.toContain('<a href="https://example.com');
    expect(html).toContain('<b>&lt;a href=&quot;https://example.com/x&quot;…</b>');
    expect(/<h1>(.*?)<\/h1>/.exec(html)?.[1]).toBe('Control Tower audit: the counts in summary.json are not numbers');
  });

  test('counts written as strings of digits are read as numbers', () => {
    const html = render({ totals: { accounts: '3', pass: '1', fail: '2', error: '0', skipped: '0' } as never });

    expect(/<h1>(.*?)<\/h1>/.exec(html)?.[1]).toBe('Control Tower audit: 2 of 3 accounts have issues');
  });

  test('the skipped table and the run issues past 2,000 rows say how many more are in summary.json', () => {
    const skipped = Array.from({ length: 2500 }, (_, i) => ({
      accountId: String(200000000000 + i),
      reason: 'account is SUSPENDED',
      requested: true,
    }));

    const html = render({ skipped, hasIssues: true });

    const table = html.slice(html.indexOf('<h2>Skipped accounts (2500)</h2>'));
    expect(table.match(/<tr><td>/g)).toHaveLength(2000);
    expect(table).toContain('</table><p class="note">… and 500 more in summary.json.</p>');
    const issues = /<ul class="ERROR" id="run-issues">.*?<\/ul>(<p class="note">[^<]*<\/p>)?/s.exec(html);
    expect(issues?.[0].match(/<li>/g)).toHaveLength(2000);
    expect(issues?.[1]).toBe('<p class="note">… and 500 more in summary.json.</p>');
  });

  describe("the heading says Summarize's verdict", () => {
    const heading = (html: string) => /<h1>(.*?)<\/h1>/.exec(html)?.[1];
    const skippedAsked = {
      accountId: '222222222222',
      reason: 'account is SUSPENDED: only ACTIVE accounts are audited',
      requested: true,
    };

    test('a failed map with every account PASS: the run has issues, and the map failure is shown', () => {
      const html = render({
        mapError: { kind: 'UNKNOWN', message: 'States.Runtime: map broke <b>' },
        hasIssues: true,
      });

      expect(heading(html)).toBe('Control Tower audit: the run has issues');
      expect(html).toContain('<li>⚠ The Audit Accounts map failed: States.Runtime: map broke &lt;b&gt;</li>');
    });

    test('an account asked for and skipped: the run has issues, and says which', () => {
      const html = render({ skipped: [skippedAsked], hasIssues: true });

      expect(heading(html)).toBe('Control Tower audit: the run has issues');
      expect(html).toContain(
        '<li>⚠ 222222222222 was asked for and not audited: account is SUSPENDED: only ACTIVE accounts are audited</li>',
      );
    });

    test('a summary written before hasIssues was kept is judged as Summarize judges it', () => {
      expect(heading(render({ mapError: { kind: 'TIMEOUT', message: 'States.Timeout' } }))).toBe(
        'Control Tower audit: the run has issues',
      );
      expect(heading(render({ skipped: [skippedAsked] }))).toBe('Control Tower audit: the run has issues');
      expect(heading(render({ skipped: [{ ...skippedAsked, requested: false }] }))).toBe(
        'Control Tower audit: no issues',
      );
    });

    test('a run that passed says no issues and lists no run issue', () => {
      const html = render({ hasIssues: false });

      expect(heading(html)).toBe('Control Tower audit: no issues');
      expect(html).not.toContain('id="run-issues"');
    });
  });
});
