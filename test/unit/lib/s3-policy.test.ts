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

  test('the account or the bucket setting applies; only Ignore/Restrict void what is there', () => {
    const block = effectiveBlock({ ...NO_BLOCK, ignorePublicAcls: true }, { ...NO_BLOCK, blockPublicPolicy: true });

    expect(neutralises(block, 'acl')).toBe(true);
    expect(neutralises(block, 'policy')).toBe(false);
  });
});
