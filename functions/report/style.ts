import { createHash } from 'node:crypto';

/** The report's only style sheet, inline; the Content-Security-Policy allows exactly this text by its hash. */
export const REPORT_CSS = `
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#b42318;--fail-bg:#fee4e2;--error:#8a3ffc;--error-bg:#efe5ff;
--skip:#57606a;--skip-bg:#eaeef2;--na:#7a4d00;--na-bg:#fff3cd;--line:#d0d7de;--ink:#1f2328;--muted:#57606a}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;padding:24px;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0;color:var(--muted)}
.meta dt{font-weight:600;color:var(--ink)}.meta dd{margin:0;word-break:break-all}
.tiles{display:flex;flex-wrap:wrap;gap:8px}
.tile{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:110px}
.tile b{display:block;font-size:22px}.tile span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.c{white-space:nowrap;font-weight:600}
.PASS{color:var(--pass);background:var(--pass-bg)}.FAIL{color:var(--fail);background:var(--fail-bg)}
.ERROR{color:var(--error);background:var(--error-bg)}.SKIPPED{color:var(--skip);background:var(--skip-bg)}
.NOT_ASSESSED{color:var(--na);background:var(--na-bg)}
.badge{display:inline-block;border-radius:4px;padding:0 5px;font-size:11px;font-weight:700;margin-left:4px}
.new{background:#cf222e;color:#fff}.reopened{background:#bc4c00;color:#fff}.days{color:var(--muted);font-weight:400;font-size:12px}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}
details details{margin-left:8px}
summary{cursor:pointer;font-weight:600}
.note{color:var(--muted)}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.ev{font-size:12px;color:var(--muted)}
`;

/** The CSP source of the style sheet above. */
export function styleHash(css = REPORT_CSS): string {
  return `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
}
