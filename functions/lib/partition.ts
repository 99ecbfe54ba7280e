/** The AWS partition of a region: ARNs differ in China and GovCloud. */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  if (region?.startsWith('us-iso-')) return 'aws-iso';
  if (region?.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

/** The partition the code runs in, from the Lambda (or shell) region. */
export function currentPartition(): string {
  return partitionOf(process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION);
}

const GLOBAL_EVENTS_REGIONS: Readonly<Record<string, string>> = {
  aws: 'us-east-1',
  'aws-us-gov': 'us-gov-west-1',
  'aws-cn': 'cn-north-1',
};

/**
 * The region CloudTrail logs a partition's global service events in: IAM, the STS global endpoint, AWS sign-in
 * (the root user's console sign-ins and those through the global endpoint), CloudFront, Organizations. An
 * organization trail (multi-Region) delivers them under `CloudTrail/<this region>/`, whatever the home region. In
 * `aws` it is us-east-1; in `aws-us-gov` us-gov-west-1 and in `aws-cn` cn-north-1 (China logs CloudFront in
 * cn-northwest-1, which no rule reads). Undefined for a partition whose region is not known here: then only the
 * governed regions are read.
 */
export function globalEventsRegion(partition: string): string | undefined {
  return GLOBAL_EVENTS_REGIONS[partition];
}
