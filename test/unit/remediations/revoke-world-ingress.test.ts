import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  EC2ServiceException,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { gateAfter } from '../../../functions/remediations/gate';
import { revokeWorldIngress } from '../../../functions/remediations/revoke-world-ingress';
import { actionContext, findings, targetOf } from '../../support/remediation-factories';

const ec2 = mockClient(EC2Client);
const target = targetOf(findings.worldIngress({ ruleId: 'sgr-0world000000000001', port: 22 }));

function givenGroup(name = 'app-servers', tags: { Key: string; Value: string }[] = []) {
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: target.resource.id, GroupName: name, Tags: tags }],
  });
}

function givenRule(present: boolean, port = 22) {
  const call = ec2.on(DescribeSecurityGroupRulesCommand, { SecurityGroupRuleIds: ['sgr-0world000000000001'] });
  if (!present) {
    call.rejects(
      new EC2ServiceException({
        name: 'InvalidSecurityGroupRuleId.NotFound',
        message: 'not found',
        $fault: 'client',
        $metadata: {},
      }),
    );
    return;
  }
  call.resolves({
    SecurityGroupRules: [
      {
        SecurityGroupRuleId: 'sgr-0world000000000001',
        GroupId: target.resource.id,
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        CidrIpv4: '0.0.0.0/0',
        Description: 'ssh for everyone',
      },
    ],
  });
}

describe('revoke-world-ingress', () => {
  beforeEach(() => ec2.reset());

  it('sees a rule that is gone as compliant, so nothing is done', async () => {
    givenGroup();
    givenRule(false);

    const inspection = await revokeWorldIngress.inspect(target, actionContext());

    expect(inspection.compliant).toBe(true);
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  });

  it('revokes exactly the one rule by its ID: the other CIDRs and ports of the group are not named', async () => {
    givenGroup();
    givenRule(true);
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    const context = actionContext();
    const before = await revokeWorldIngress.inspect(target, context);

    const calls = await revokeWorldIngress.apply(target, before, context);

    expect(before.compliant).toBe(false);
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
      GroupId: target.resource.id,
      SecurityGroupRuleIds: ['sgr-0world000000000001'],
    });
    const sent = ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input;
    expect(sent?.IpPermissions).toBeUndefined();
    expect(calls).toEqual([{ call: 'ec2:RevokeSecurityGroupIngress', params: expect.any(Object) }]);
  });

  it('rates the rule as it is now: edited in place to a port in exposure.allowedPublicPorts, it is allowed', async () => {
    givenGroup();
    givenRule(true, 443);

    const inspection = await revokeWorldIngress.inspect(target, actionContext());

    expect(inspection.compliant).toBe(false);
    expect(inspection.allowed).toBe("the rule's ports (tcp/443) are in exposure.allowedPublicPorts: never revoked");
    expect(gateAfter(inspection, false).decision).toBe('ALLOWED_PORT');
  });

  it('does not allow a rule whose ports are not all in exposure.allowedPublicPorts', async () => {
    givenGroup();
    givenRule(true, 22);

    expect((await revokeWorldIngress.inspect(target, actionContext())).allowed).toBeUndefined();
  });

  it('never revokes a rule whose source is a prefix list, nor calls it compliant: it is left to a person', async () => {
    const throughList = targetOf(
      findings.worldIngress({ ruleId: 'sgr-0world000000000001', port: 22, prefixListId: 'pl-0partners' }),
    );
    givenGroup();
    ec2.on(DescribeSecurityGroupRulesCommand, { SecurityGroupRuleIds: ['sgr-0world000000000001'] }).resolves({
      SecurityGroupRules: [
        {
          SecurityGroupRuleId: 'sgr-0world000000000001',
          GroupId: target.resource.id,
          IsEgress: false,
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          PrefixListId: 'pl-0partners',
        },
      ],
    });

    const inspection = await revokeWorldIngress.inspect(throughList, actionContext());

    expect(inspection.compliant).toBe(false);
    expect(inspection.needsPerson).toBe(
      'the rule admits prefix list pl-0partners, not a CIDR: revoking it would cut every range of the list, and the ' +
        'list may serve other groups and accounts; remove 0.0.0.0/0 and ::/0 from the list, or replace the rule',
    );
    expect(inspection.state).toMatchObject({ present: true, prefixListId: 'pl-0partners', cidrIpv4: null });
    expect(gateAfter(inspection, false).decision).toBe('NEEDS_PERSON');
    expect(revokeWorldIngress.describe(throughList, actionContext().settings)).toBe(
      'none: ingress rule sgr-0world000000000001 (tcp 22 from prefix list pl-0partners, which holds 0.0.0.0/0) of ' +
        `${target.resource.id} is left to a person`,
    );
    // Not the key of the rule from 0.0.0.0/0 itself on the same ports: a plan keeps both, each with its decision.
    expect(revokeWorldIngress.key(throughList)).not.toBe(revokeWorldIngress.key(target));
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  });

  it("marks Control Tower's security groups, which are never touched", async () => {
    givenGroup('aws-controltower-VPC-default');
    givenRule(true);

    const inspection = await revokeWorldIngress.inspect(target, actionContext());

    expect(inspection.controlTower).toMatch(/belongs to Control Tower/);
  });

  it('reads the exempt tag of the group', async () => {
    givenGroup('bastion', [{ Key: 'ct-audit:exempt', Value: 'public bastion, ticket SEC-12' }]);
    givenRule(true);

    const inspection = await revokeWorldIngress.inspect(target, actionContext());

    expect(inspection.tags['ct-audit:exempt']).toBe('public bastion, ticket SEC-12');
  });

  it('undo authorizes the recorded rule again, with its description', async () => {
    givenGroup();
    givenRule(true);
    const context = actionContext();
    const before = await revokeWorldIngress.inspect(target, context);
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-new' }] });

    const calls = await revokeWorldIngress.undo(target, before.state, [], context);

    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: target.resource.id,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh for everyone' }],
        },
      ],
    });
    expect(calls[0]?.result).toEqual({ ruleIds: ['sgr-new'] });
  });
});
