import { type CloudTrailRecord, principalNames } from './record';

function patternSource(pattern: string): string {
  return pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
}

/**
 * A test for principals to ignore, from ARN patterns where `*` stands for any run of characters (`/` included,
 * as in IAM). A record matches when its ARN, its session issuer's ARN or its invoking service matches a pattern.
 */
export function principalFilter(patterns: readonly string[]): (record: CloudTrailRecord) => boolean {
  if (patterns.length === 0) return () => false;
  const regex = new RegExp(`^(?:${patterns.map(patternSource).join('|')})$`);
  return (record) => principalNames(record).some((name) => regex.test(name));
}
