import * as path from 'node:path';
import { AssetHashType, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { bundleFunctionSync, FUNCTION_NODE_OPTIONS } from '../bundling';
import { acknowledge } from '../nag';
import { handlerEntry } from '../paths';

/** The service name every function logs under (Powertools `POWERTOOLS_SERVICE_NAME`). */
export const SERVICE_NAME = 'ct-audit';

/** A function's whole environment: `environment` and the variables every function gets. */
export function functionEnvironment(environment: Readonly<Record<string, string>>): Record<string, string> {
  return { ...environment, POWERTOOLS_SERVICE_NAME: SERVICE_NAME, NODE_OPTIONS: FUNCTION_NODE_OPTIONS };
}

/** Properties of {@link AuditFunction}. */
export interface AuditFunctionProps {
  /** The folder under `functions/` whose `handler.ts` exports `handler`, e.g. `resolve-targets`. */
  readonly handlerName: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** Environment variables besides the ones every function gets (service name, source maps). */
  readonly environment: Readonly<Record<string, string>>;
  /** Days the function's log group keeps its events; one of the periods CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
  /**
   * The execution role.
   * @default - a new role that only Lambda can assume, allowed to write to this function's log group (and to X-Ray
   * when tracing is active) and nothing else
   */
  readonly role?: iam.IRole;
  /**
   * X-Ray tracing.
   * @default lambda.Tracing.ACTIVE
   */
  readonly tracing?: lambda.Tracing;
  /**
   * Memory in MB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Longest run of one invocation; keep it below the task's `TimeoutSeconds` in the ASL so that a slow invocation
   * fails as the function's own timeout.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * The one function preset: a bundled TypeScript handler on the newest Node.js runtime, arm64, with source maps,
 * its own log group with retention, and (by default) its own least-privilege role.
 *
 * The bundle is built by infra/bundling.ts (`bundleFunction`), the same code `npm run bench:init` measures and
 * `test/infra/bundles.test.ts` loads, rather than by NodejsFunction, whose esbuild command line cannot take the
 * plugins that leave unused AWS SDK schemas and error classes out (infra/sdk-schema-keys.ts,
 * infra/sdk-error-registry.ts) or give the clients Lambda's credential chain.
 */
export class AuditFunction extends lambda.Function {
  /** The folder under functions/ whose handler this function runs. */
  readonly handlerName: string;

  constructor(scope: Construct, id: string, props: AuditFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetentionDays as logs.RetentionDays,
    });
    const tracing = props.tracing ?? lambda.Tracing.ACTIVE;
    const ownRole =
      props.role === undefined
        ? new iam.Role(scope, `${id}Role`, {
            assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
            description: `${props.description} (execution role)`,
          })
        : undefined;

    const { handlerName } = props;
    super(scope, id, {
      code: lambda.Code.fromAsset(path.dirname(handlerEntry(handlerName)), {
        // The asset is the bundle: its hash is that of the files esbuild wrote.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never used: local bundling always answers (it throws when esbuild fails). CDK requires an image.
          image: lambda.Runtime.NODEJS_24_X.bundlingImage,
          // What local bundling runs, for a reader of the cloud assembly (the folder already keeps CDK's cache
          // entries of two functions apart).
          command: ['bundle-function', handlerName],
          local: {
            tryBundle(outputDir: string): boolean {
              bundleFunctionSync(handlerName, outputDir);
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(5),
      role: props.role ?? ownRole,
      // Active tracing is set below, so that its X-Ray statement goes into a policy of its own (see there).
      tracing: tracing === lambda.Tracing.ACTIVE ? lambda.Tracing.DISABLED : tracing,
      logGroup,
      environment: functionEnvironment(props.environment),
    });

    this.handlerName = handlerName;
    if (ownRole !== undefined) logGroup.grantWrite(ownRole);
    acknowledge(
      logGroup,
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'The functions log no payloads, tokens or report contents (IDs, counts, classified errors only); CloudWatch ' +
        'Logs encrypts the log group at rest with its own keys. The findings are in the KMS-encrypted report bucket.',
    );
    acknowledge(
      this,
      'NIST.800.53.R5-LambdaDLQ',
      'Step Functions invokes the function synchronously and handles failures with Retry and Catch in the ASL; a ' +
        'dead-letter queue applies only to asynchronous invocations and would never receive anything.',
    );
    acknowledge(
      this,
      'NIST.800.53.R5-LambdaInsideVPC',
      'The function calls only AWS APIs (STS, Organizations, S3 and the read calls of the checks) and serves no ' +
        'network; a VPC would need NAT or an endpoint per service and add no control over those calls.',
    );
    if (tracing === lambda.Tracing.ACTIVE) {
      (this.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
      // X-Ray's wildcard in a policy of its own, acknowledged there: the role's default policy carries no
      // acknowledgement, so a wildcard added to it later is reported instead of passing under this one.
      const xray = new iam.Policy(scope, `${id}XRay`, {
        statements: [
          new iam.PolicyStatement({
            actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            resources: ['*'],
          }),
        ],
      });
      xray.attachToRole(props.role ?? (ownRole as iam.IRole));
      this.node.addDependency(xray);
      acknowledge(
        xray,
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions; this policy holds only ' +
          'them, for active tracing.',
      );
    }
  }
}
