import { effectiveBlock, NO_BLOCK, neutralises, publicStatements } from '../../../functions/lib/s3-policy';

describe('s3-policy', () => {
  const open = { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' };

  test('a policy as text (GetBucketPolicy) or as an object (CloudTrail) gives the same public statements', () => {
    const policy = { Version: '2012-10-17', Statement: [open, { ...open, Sid: 'Closed', Effect: 'Deny' }] };

    expect(publicStatements(JSON.stringify(policy))).toEqual([{ sid: 'Open' }]);
    expect(publicStatements(policy)).toEqual([{ sid: 'Open' }]);
    expect(publicStatements({ Statement: open })).toEqual([{ sid: 'Open' }]);
  });

  test('unreadable or empty policies have no public statement', () => {
    expect(publicStatements('{not json')).toEqual([]);
    expect(publicStatements(undefined)).toEqual([]);
    expect(publicStatements({ Statement: [] })).toEqual([]);
  });

  test('a condition key is matched whatever its case; an empty or "*" value narrows nothing', () => {
    const narrowed = (Condition: object) => publicStatements({ Statement: [{ ...open, Condition }] });

    expect(narrowed({ StringEquals: { 'AWS:PRINCIPALORGID': 'o-abcdefghij' } })).toEqual([]);
    expect(narrowed({ StringEquals: { 'aws:PrincipalOrgID': [] } })).toEqual([{ sid: 'Open' }]);
    expect(narrowed({ StringLike: { 'aws:SourceVpce': ['*'] } })).toEqual([{ sid: 'Open' }]);
  });

  test.each([
    ['the internet as a CIDR', { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }],
    ['the internet as an IPv6 CIDR', { IpAddress: { 'aws:SourceIp': ['2001:db8::/32', '::/0'] } }],
    ['the internet cut in two', { IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '128.0.0.0/1'] } }],
    ['a negated operator', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }],
    ['a negated string operator', { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } }],
    ['IfExists, true for a caller without the key', { StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }],
    ['ForAllValues, true for a caller without the key', { 'ForAllValues:StringEquals': { 'aws:SourceVpc': 'vpc-1' } }],
    ['Null only asks whether the key is there', { Null: { 'aws:SourceVpce': 'false' } }],
    ['a wildcard account in an ARN', { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }],
    ['a wildcard ARN', { ArnLike: { 'aws:SourceArn': 'arn:aws:*' } }],
    ['a wildcard account', { StringLike: { 'aws:SourceAccount': '1111*' } }],
    ['a source IP under a string operator', { StringEquals: { 'aws:SourceIp': '203.0.113.7' } }],
    ['a key that names no caller', { StringEquals: { 's3:prefix': 'public/' } }],
  ])('a condition that does not fix the caller leaves the statement public: %s', (_, Condition) => {
    expect(publicStatements({ Statement: [{ ...open, Condition }] })).toEqual([{ sid: 'Open' }]);
  });

  test.each([
    ['an organization', { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } }],
    [
      'an organization, for any of the values',
      { 'ForAnyValue:StringEquals': { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
    ],
    ['an organization path', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-abcdefghij/r-ab12/ou-*' } }],
    ['an office network', { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/48'] } }],
    ['a single address', { IpAddress: { 'aws:SourceIp': '203.0.113.7' } }],
    ['a VPC endpoint', { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }],
    ['one account', { StringEquals: { 'aws:SourceAccount': 111122223333 } }],
    ['the roles of one account', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' } }],
    ['the sessions of one role', { StringLike: { 'aws:userid': 'AROAEXAMPLEID1234567:*' } }],
    [
      'one CloudFront distribution',
      { StringEquals: { 'AWS:SourceArn': 'arn:aws:cloudfront::111122223333:distribution/E1' } },
    ],
  ])('a fixed caller narrows the statement: %s', (_, Condition) => {
    expect(publicStatements({ Statement: [{ ...open, Condition }] })).toEqual([]);
  });

  test('the account or the bucket setting applies; only Ignore/Restrict void what is there', () => {
    const block = effectiveBlock({ ...NO_BLOCK, ignorePublicAcls: true }, { ...NO_BLOCK, blockPublicPolicy: true });

    expect(neutralises(block, 'acl')).toBe(true);
    expect(neutralises(block, 'policy')).toBe(false);
  });
});
