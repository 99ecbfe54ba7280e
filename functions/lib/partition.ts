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
