import { createHash } from 'node:crypto';
import type { Finding } from './types';

/**
 * The stable identity of a finding, the same in every run that finds the same thing: account + rule + resource
 * (type, region, ID, part) for a current-state finding; a finding made from one CloudTrail event adds its event ID
 * (two root calls are two findings, whatever they acted on); with neither, its title, time and key. SHA-256, hex,
 * 32 characters: short enough for an ASFF `Id`, long enough never to collide in practice.
 */
export function fingerprintOf(accountId: string, finding: Finding): string {
  const parts = [accountId, finding.rule];
  if (finding.resource) {
    parts.push(finding.resource.type, finding.resource.region, finding.resource.id, finding.resource.part ?? '');
  }
  if (finding.eventId) {
    parts.push('event', finding.eventId);
  } else if (!finding.resource) {
    parts.push('text', finding.title, finding.eventTime ?? '', finding.s3Key ?? '');
  }
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** The findings with their fingerprints; one already set is kept. */
export function withFingerprints(accountId: string, findings: readonly Finding[]): Finding[] {
  return findings.map((finding) =>
    finding.fingerprint ? finding : { ...finding, fingerprint: fingerprintOf(accountId, finding) },
  );
}

/**
 * Whether a finding was made from CloudTrail events (it has an event ID or time): something that happened, reported by
 * the run that scans its file and never again (the cursor does not rescan it), not a state that can stay open.
 */
export function isEventFinding(finding: Pick<Finding, 'eventId' | 'eventTime'>): boolean {
  return finding.eventId !== undefined || finding.eventTime !== undefined;
}
