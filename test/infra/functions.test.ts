import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { TESTED_NODE_MAJORS } from '../../functions/cloudtrail/kept-gunzip';
import { parseSettings, SETTINGS_ENV } from '../../functions/lib/settings';
import { SETTINGS_PARAMETER_ENV } from '../../functions/lib/settings-parameter';
import {
  allPolicyStatements,
  asList,
  aslText,
  bucketArn,
  logicalIdsOf,
  objectsArn,
  onlyLogicalIdOf,
  refersTo,
  reportBucketIdOf,
  type Statement,
  type Synthesized,
  synthesize,
} from './support';

interface FunctionProperties {
  readonly Role: unknown;
  readonly Runtime: string;
  readonly Architectures: string[];
  readonly Environment: { readonly Variables: Record<string, unknown> };
  readonly LoggingConfig?: { readonly LogGroup: { readonly Ref: string } };
  readonly TracingConfig: { readonly Mode: string };
  readonly Timeout: number;
  readonly MemorySize: number;
}

interface AslState {
  readonly Type: string;
  readonly TimeoutSeconds?: number;
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
}

/** `TimeoutSeconds` of every Task state of the ASL, nested ones included, by state name. */
function aslTaskTimeouts(): Record<string, number | undefined> {
  const timeouts: Record<string, number | undefined> = {};
  const visit = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') timeouts[name] = state.TimeoutSeconds;
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
    }
  };
  visit((JSON.parse(aslText()) as { States: Record<string, AslState> }).States);
  return timeouts;
}

/** The function whose description starts with the name of its state in the ASL. */
function functionByState(template: Template, state: string): { id: string; properties: FunctionProperties } {
  const found = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp(`^control-tower-audit ${state}:`) },
  });
  const [entry] = Object.entries(found);
  if (entry === undefined) throw new Error(`no function for ${state}`);
  return { id: entry[0], properties: entry[1].Properties as FunctionProperties };
}

/** The logical ID of a function's own role (`Fn::GetAtt [role, Arn]`). */
function roleIdOf(properties: FunctionProperties): string {
  return (properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** The statements of every policy attached to a role. */
function statementsOfRole(template: Template, roleId: string) {
  const policyIds = logicalIdsOf(template, 'AWS::IAM::Policy', { Roles: Match.arrayWith([{ Ref: roleId }]) });
  return allPolicyStatements(template)
    .filter(({ logicalId }) => policyIds.includes(logicalId))
    .map(({ statement }) => statement);
}

/**
 * The files of a function's code asset (a folder in the cloud assembly, zipped on upload) whose names end with
 * `ending`, joined: index.js, the files it loads on first use and those they share (infra/bundling.ts).
 */
function bundleText({ app, stack }: Synthesized, objectKey: string, ending = '.js'): string {
  const assembly = app.synth();
  const manifest = JSON.parse(readFileSync(join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
  };
  const asset = Object.values(manifest.files).find((file) =>
    Object.values(file.destinations).some((destination) => destination.objectKey === objectKey),
  );
  if (asset === undefined) throw new Error(`no asset has the object key ${objectKey}`);
  const folder = join(assembly.directory, asset.source.path);
  const names = readdirSync(folder);
  if (!names.includes('index.js')) throw new Error(`the asset ${objectKey} has no index.js`);
  const files = names.filter((name) => name.endsWith(ending));
  return files.map((name) => readFileSync(join(folder, name), 'utf8')).join('\n');
}

describe('Functions (bundled with esbuild, as cdk synth does)', () => {
  let synthesized: Synthesized;
  let template: Template;
  let bucketId: string;

  beforeAll(() => {
    synthesized = synthesize({ maxConcurrency: 25 }, { bundle: true });
    ({ template } = synthesized);
    bucketId = reportBucketIdOf(template);
  });

  test("Compliance: each bundle carries the AWS SDK of the lock file, not the runtime's", () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));

    for (const { Properties: properties } of functions) {
      const code = bundleText(synthesized, (properties as { Code: { S3Key: string } }).Code.S3Key);
      // The clients are inside the bundle; the runtime's @aws-sdk/client-* are never loaded.
      expect(code).not.toMatch(/require\(["']@aws-sdk\/client-/);
      expect(code).toContain('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED');
    }
  });

  test("Compliance: the stack deploys infra/bundling.ts's bundles: AWS SDK schemas shaken, source maps without the sources", () => {
    const s3KeyOf = (properties: unknown) => (properties as { Code: { S3Key: string } }).Code.S3Key;
    const auditAccount = bundleText(synthesized, s3KeyOf(functionByState(template, 'Audit Account').properties));

    // The EC2 operations the checks send are there; EC2's others, which the schemas as shipped would bring, are not.
    expect(auditAccount).toContain('"DescribeSecurityGroupRules"');
    expect(auditAccount).toContain('"GetManagedPrefixListEntries"');
    expect(auditAccount).not.toContain('RunInstances');
    for (const { Properties: properties } of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const map = JSON.parse(bundleText(synthesized, s3KeyOf(properties), 'index.js.map')) as Record<string, unknown>;
      expect(map.sources).toEqual(expect.arrayContaining([expect.stringMatching(/functions\/.+\/handler\.ts$/)]));
      expect(bundleText(synthesized, s3KeyOf(properties), '.map')).not.toContain('sourcesContent');
    }
  });

  test('Compliance: every function is Node.js 24 on arm64, with source maps and the service name', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));

    // Resolve Targets, Audit Account, Record Account Error, Summarize, Publish Report.
    expect(functions).toHaveLength(5);
    for (const { Properties: properties } of functions) {
      expect(properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Environment: {
          Variables: { POWERTOOLS_SERVICE_NAME: 'ct-audit', NODE_OPTIONS: '--enable-source-maps' },
        },
      });
    }
  });

  test("Compliance: the functions' Node.js is one whose zlib handle the log reader's kept buffer was tested on", () => {
    // Another major would decompress every log file with gunzipSync instead, correct but slower, and nothing else
    // would say so: run kept-gunzip.test.ts on it, then add it to TESTED_NODE_MAJORS.
    for (const { Properties: properties } of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const major = Number(/^nodejs(\d+)\.x$/.exec((properties as FunctionProperties).Runtime)?.[1]);
      expect(TESTED_NODE_MAJORS).toContain(major);
    }
  });

  test('Compliance: the stack writes the validated settings to one String SSM parameter, Standard tier while they fit', () => {
    const parameterId = onlyLogicalIdOf(template, 'AWS::SSM::Parameter');
    const { Value, Type, Tier } = template.toJSON().Resources[parameterId].Properties;

    expect({ Type, Tier }).toEqual({ Type: 'String', Tier: 'Standard' });
    expect(parseSettings(JSON.parse(Value as string))).toMatchObject({ maxConcurrency: 25 });
  });

  test('Compliance: every function gets the report bucket name; none gets the settings file in its environment but Audit Account on a Control Tower role', () => {
    for (const [id, { Properties: properties }] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
      const variables = (properties as FunctionProperties).Environment.Variables;

      expect(variables.REPORT_BUCKET).toEqual({ Ref: bucketId });
      if (id !== functionByState(template, 'Audit Account').id) expect(variables[SETTINGS_ENV]).toBeUndefined();
    }
  });

  test.each(['Resolve Targets', 'Summarize', 'Publish Report'])(
    'Compliance: %s reads the settings parameter: its name in the environment, ssm:GetParameter on it alone',
    (state) => {
      const parameterId = onlyLogicalIdOf(template, 'AWS::SSM::Parameter');
      const { properties } = functionByState(template, state);
      const ssmStatements = statementsOfRole(template, roleIdOf(properties)).filter((statement) =>
        asList(statement.Action).some((action) => action.startsWith('ssm:')),
      );

      expect(properties.Environment.Variables[SETTINGS_PARAMETER_ENV]).toEqual({ Ref: parameterId });
      expect(ssmStatements).toHaveLength(1);
      expect((ssmStatements[0] as Statement).Action).toBe('ssm:GetParameter');
      expect(refersTo((ssmStatements[0] as Statement).Resource, parameterId)).toBe(true);
    },
  );

  test('Compliance: Audit Account on a Control Tower role gets the validated settings in its environment (that role cannot be granted SSM)', () => {
    const variables = functionByState(template, 'Audit Account').properties.Environment.Variables;

    expect(variables[SETTINGS_PARAMETER_ENV]).toBeUndefined();
    expect(parseSettings(JSON.parse(variables[SETTINGS_ENV] as string), SETTINGS_ENV)).toMatchObject({
      maxConcurrency: 25,
    });
  });

  test('Compliance: Record Account Error neither gets nor may read the settings', () => {
    const { properties } = functionByState(template, 'Record Account Error');
    const actions = statementsOfRole(template, roleIdOf(properties)).flatMap((statement) => asList(statement.Action));

    expect(properties.Environment.Variables[SETTINGS_PARAMETER_ENV]).toBeUndefined();
    expect(actions.filter((action) => action.startsWith('ssm:'))).toEqual([]);
  });

  test('Compliance: every function logs to its own log group, kept for logRetentionDays', () => {
    const logGroups = Object.values(template.findResources('AWS::Lambda::Function')).map(
      ({ Properties: properties }) => (properties as FunctionProperties).LoggingConfig?.LogGroup.Ref,
    );

    const keptForRetention = logicalIdsOf(template, 'AWS::Logs::LogGroup', { RetentionInDays: 90 });

    expect(new Set(logGroups).size).toBe(5);
    for (const logGroupId of logGroups) {
      expect(keptForRetention).toContain(logGroupId);
    }
  });

  test('Compliance: no function outlives the ASL task that invokes it', () => {
    const taskTimeouts = aslTaskTimeouts();
    for (const state of ['Resolve Targets', 'Audit Account', 'Record Account Error', 'Summarize']) {
      const { properties } = functionByState(template, state);

      expect(taskTimeouts[state]).toBeDefined();
      expect(properties.Timeout).toBeLessThanOrEqual(taskTimeouts[state] as number);
    }
  });

  test('Compliance: the Express time budget: Audit Account 90 s with one vCPU (1,769 MB), Record Account Error 10 s', () => {
    expect(functionByState(template, 'Audit Account').properties).toMatchObject({ Timeout: 90, MemorySize: 1769 });
    expect(functionByState(template, 'Record Account Error').properties).toMatchObject({ Timeout: 10 });
  });

  test('Compliance: functions with roles of their own trace actively; no role has a managed policy', () => {
    for (const state of ['Resolve Targets', 'Record Account Error', 'Summarize']) {
      expect(functionByState(template, state).properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('Compliance: Resolve Targets may list the organization, read the settings and write targets.json, nothing more', () => {
    const statements = statementsOfRole(template, roleIdOf(functionByState(template, 'Resolve Targets').properties));

    const resourcesByAction = Object.fromEntries(
      statements.flatMap((statement) => asList(statement.Action).map((action) => [action, statement.Resource])),
    );

    expect(resourcesByAction).toMatchObject({
      'organizations:DescribeOrganization': '*',
      'organizations:ListAccounts': '*',
      'organizations:ListRoots': '*',
      'organizations:ListOrganizationalUnitsForParent': '*',
      'organizations:ListAccountsForParent': '*',
      's3:PutObject': objectsArn(bucketId, 'runs/*/targets.json'),
    });
    expect(statements.flatMap((statement) => asList(statement.Action)).sort()).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'organizations:DescribeOrganization',
        'organizations:ListAccounts',
        'organizations:ListAccountsForParent',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListRoots',
        's3:PutObject',
        'ssm:GetParameter',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  test('Compliance: Summarize may read and write run files and the previous-run pointers, and list only those', () => {
    const statements = statementsOfRole(template, roleIdOf(functionByState(template, 'Summarize').properties));

    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: [objectsArn(bucketId, 'runs/*'), objectsArn(bucketId, 'state/last-run/*')],
        },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: bucketArn(bucketId),
          Condition: { StringLike: { 's3:prefix': ['runs/*'] } },
        },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: bucketArn(bucketId),
          Condition: { StringLike: { 's3:prefix': ['state/last-run/*'] } },
        },
      ]),
    );
    expect(
      statements.filter((statement) => asList(statement.Action).some((action) => action.startsWith('s3:'))),
    ).toHaveLength(3);
  });

  test('Compliance: Record Account Error may only read and write account records', () => {
    const statements = statementsOfRole(
      template,
      roleIdOf(functionByState(template, 'Record Account Error').properties),
    );
    const s3Statements = statements.filter((statement) =>
      asList(statement.Action).some((action) => action.startsWith('s3:')),
    );

    expect(s3Statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: objectsArn(bucketId, 'runs/*/accounts/*'),
      },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['runs/*/accounts/*'] } },
      },
    ]);
  });
});
