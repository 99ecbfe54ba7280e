import type { Finding } from '../lib/types';
import { SEVERITY_ORDER } from './engine';

/** An age as a person reads it: `45m`, `2h 5m`, `3d 4h`. */
export function formatAge(milliseconds: number): string {
  const minutes = Math.max(0, Math.floor(milliseconds / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes % 60 > 0 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  return `${minutes}m`;
}

/**
 * The one-line summary of findings: `3 findings: 1 CRITICAL (root-activity), 2 HIGH`, rules named for the worst
 * severity only. Counts are the findings found (`counts`), which may exceed those kept.
 */
export function summarizeFindings(findings: readonly Finding[], counts: Readonly<Record<string, number>>): string {
  const severityOf = new Map(findings.map((finding) => [finding.rule, finding.severity]));
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const parts: string[] = [];
  for (const severity of SEVERITY_ORDER) {
    const rules = Object.keys(counts).filter((rule) => severityOf.get(rule) === severity);
    if (rules.length === 0) continue;
    const n = rules.reduce((sum, rule) => sum + (counts[rule] ?? 0), 0);
    parts.push(parts.length === 0 ? `${n} ${severity} (${rules.join(', ')})` : `${n} ${severity}`);
  }
  return `${total} finding${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
