import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import type { SettingsInput } from '../../functions/lib/settings';
import { ControlTowerAuditStack } from '../../infra/audit-stack';
import { loadSettings, SETTINGS_CONTEXT_KEY } from '../../infra/config';
import { REPO_ROOT, STATE_MACHINE_DEFINITION } from '../../infra/paths';

const CDK_JSON = path.resolve(__dirname, '..', '..', 'cdk.json');

/** The context of cdk.json: feature flags and the `ctAudit` block a deploy uses. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

/** A synthesized stack and the app around it. */
export interface Synthesized {
  readonly app: App;
  readonly stack: ControlTowerAuditStack;
  readonly template: Template;
}

/** Options of {@link synthesize}. */
export interface SynthesizeOptions {
  /**
   * Whether esbuild bundles the handlers, as `cdk synth` does; off, the assets are placeholders and synth is fast.
   * @default false
   */
  readonly bundle?: boolean;
  /**
   * The account (with eu-west-1) the stack is for, as `env` of a stack that names its environment.
   * @default - environment-agnostic, as infra/app.ts builds it
   */
  readonly account?: string;
}

/**
 * Builds the stack the way infra/app.ts does, from cdk.json's context with `ctAudit` fields replaced by `settings`
 * (shallowly: a nested object given here replaces cdk.json's whole object).
 */
export function synthesize(settings: SettingsInput = {}, options: SynthesizeOptions = {}): Synthesized {
  const context = cdkJsonContext();
  const app = new App({
    context: {
      ...context,
      [SETTINGS_CONTEXT_KEY]: { ...(context[SETTINGS_CONTEXT_KEY] as object), ...settings },
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = new ControlTowerAuditStack(app, 'ControlTowerAudit', {
    settings: loadSettings(app),
    ...(options.account ? { env: { account: options.account, region: 'eu-west-1' } } : {}),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** One statement of an IAM policy document, as CloudFormation holds it. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: {
    readonly PolicyDocument?: unknown;
    readonly Policies?: { readonly PolicyDocument: unknown }[];
  };
}

/** A statement and the resource whose policy holds it. */
export interface FoundStatement {
  readonly logicalId: string;
  readonly type: string;
  readonly statement: Statement;
}

/** Every statement of every identity and resource policy in the template (trust policies left out). */
export function allPolicyStatements(template: Template): FoundStatement[] {
  const found: FoundStatement[] = [];
  const add = (logicalId: string, type: string, document: unknown) => {
    const statements = (document as { Statement?: Statement[] } | undefined)?.Statement ?? [];
    for (const statement of statements) found.push({ logicalId, type, statement });
  };
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  for (const [logicalId, { Type: type, Properties: properties = {} }] of Object.entries(resources)) {
    if (type === 'AWS::IAM::Role') {
      for (const inline of properties.Policies ?? []) add(logicalId, type, inline.PolicyDocument);
    } else if (properties.PolicyDocument !== undefined) {
      add(logicalId, type, properties.PolicyDocument);
    }
  }
  return found;
}

/** A policy value that may be one item or a list, as a list. */
export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The logical IDs of the template's resources of one type. */
export function logicalIdsOf(template: Template, type: string, properties?: Record<string, unknown>): string[] {
  return Object.keys(template.findResources(type, properties ? { Properties: properties } : undefined));
}

/** The one logical ID of a resource type the stack has exactly one of. */
export function onlyLogicalIdOf(template: Template, type: string): string {
  const ids = logicalIdsOf(template, type);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0] as string;
}

/** The text of statemachine/audit.asl.json. */
export function aslText(): string {
  return readFileSync(STATE_MACHINE_DEFINITION, 'utf8');
}

/** Every `${Key}` the ASL file expects a substitution for. */
export function aslSubstitutionKeys(): string[] {
  return [...new Set([...aslText().matchAll(/\$\{(\w+)\}/g)].map((match) => match[1] as string))].sort();
}

/** The ARN of a role of this account, as `Role.fromRoleName` writes it into the template. */
export function importedRoleArn(roleName: string): unknown {
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:role/${roleName}`]],
  };
}

/** Whether a template value refers to a resource (`Ref` or `Fn::GetAtt`) anywhere inside it. */
export function refersTo(value: unknown, logicalId: string): boolean {
  if (Array.isArray(value)) return value.some((item) => refersTo(item, logicalId));
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (record.Ref === logicalId) return true;
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[0] === logicalId) return true;
  return Object.values(record).some((item) => refersTo(item, logicalId));
}

/** A bucket's ARN as the template writes it. */
export function bucketArn(bucketId: string): unknown {
  return { 'Fn::GetAtt': [bucketId, 'Arn'] };
}

/** The ARN of a bucket's objects that match a key pattern, as the template writes it. */
export function objectsArn(bucketId: string, keyPattern: string): unknown {
  return { 'Fn::Join': ['', [bucketArn(bucketId), `/${keyPattern}`]] };
}

/** The text of the file asset that a template's S3 object key refers to, from the synthesized cloud assembly. */
export function fileAssetText({ app, stack }: Synthesized, objectKey: string): string {
  const assembly = app.synth();
  const manifestPath = path.join(assembly.directory, `${stack.artifactId}.assets.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
  };
  const asset = Object.values(manifest.files).find((file) =>
    Object.values(file.destinations).some((destination) => destination.objectKey === objectKey),
  );
  if (asset === undefined) throw new Error(`no file asset has the object key ${objectKey}`);
  return readFileSync(path.join(assembly.directory, asset.source.path), 'utf8');
}

/** The logical ID of the report bucket: the one bucket under Object Lock (the other holds its access logs). */
export function reportBucketIdOf(template: Template): string {
  const ids = logicalIdsOf(template, 'AWS::S3::Bucket', { ObjectLockEnabled: true });
  if (ids.length !== 1) throw new Error(`expected one report bucket, found ${ids.length}`);
  return ids[0] as string;
}

/** The logical ID of the report bucket's KMS key (the stack has others: the topics'). */
export function reportKeyIdOf(template: Template): string {
  const ids = logicalIdsOf(template, 'AWS::KMS::Key', {
    Description: Match.stringLikeRegexp('encrypts the audit reports'),
  });
  if (ids.length !== 1) throw new Error(`expected one report key, found ${ids.length}`);
  return ids[0] as string;
}

/** The statements of the report key's policy (a KeyPolicy, which allPolicyStatements does not read). */
export function keyPolicyStatements(template: Template): Statement[] {
  const key = template.findResources('AWS::KMS::Key')[reportKeyIdOf(template)];
  return (key?.Properties.KeyPolicy as { Statement?: Statement[] } | undefined)?.Statement ?? [];
}

/** The properties of the one resource of a type the stack has exactly one of. */
export function onlyPropertiesOf<T = Record<string, unknown>>(template: Template, type: string): T {
  const resources = template.findResources(type);
  return resources[onlyLogicalIdOf(template, type)]?.Properties as T;
}

/** node_modules/@aws-sdk of the installed (package-lock.json) SDK. */
export const SDK_DIR = path.join(REPO_ROOT, 'node_modules', '@aws-sdk');

/** The AWS SDK clients the project depends on (package.json `dependencies`), `@aws-sdk/client-*`. */
export function sdkClientDependencies(): string[] {
  const { dependencies } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return Object.keys(dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));
}

/** The files under `dir` whose path matches `pattern`, in nested folders but not nested node_modules. */
export function filesUnder(dir: string, pattern: RegExp): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(full);
      else if (entry.isFile() && pattern.test(full)) found.push(full);
    }
  };
  walk(dir);
  return found;
}

/**
 * Bundles `options` (an entry point or `stdin`, and plugins) into CommonJS in memory and loads the result as a module
 * of its own: its exports, and esbuild's account of what went in. For the tests of the bundling plugins.
 */
export async function loadBundled<T>(options: BuildOptions): Promise<{ exports: T; metafile: Metafile }> {
  const result = await build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'silent',
    ...options,
    write: false,
    metafile: true,
  });
  const module = { exports: {} as T };
  new Function('module', 'exports', 'require', result.outputFiles[0]?.text ?? '')(module, module.exports, require);
  return { exports: module.exports, metafile: result.metafile };
}
