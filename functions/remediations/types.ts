import type { AccountSession } from '../lib/account-session';
import type { RemediationId } from '../lib/remediation-settings';
import type { Settings } from '../lib/settings';
import type { Finding, ResourceRef } from '../lib/types';

/** A small JSON value, as recorded in plans and records. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: Json };

/** What an action acts on: one finding's resource and evidence, in one account. */
export interface Target {
  readonly accountId: string;
  readonly rule: string;
  readonly resource: ResourceRef;
  readonly evidence: Readonly<Record<string, string | number | boolean | null>>;
  readonly severity: Finding['severity'];
  readonly fingerprint?: string;
}

/** What an action sees of its resource now. */
export interface Inspection {
  /** The resource is in the state the action would bring it to (or gone). */
  readonly compliant: boolean;
  /** The state, as recorded in the plan and the record (the "state before" at apply time). */
  readonly state: JsonObject;
  /** The resource's tags (`ct-audit:exempt` is read from them); empty for resources without tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** Why a person must decide instead (a website bucket, a CloudFront origin, no recorder to start). */
  readonly needsPerson?: string;
  /** Why the resource belongs to Control Tower and is never touched. */
  readonly controlTower?: string;
  /**
   * Why the settings allow the resource as it is now, whatever the finding said (a rule whose ports are all in
   * `exposure.allowedPublicPorts`): never changed. Rated from the current state, so that a rule edited in place
   * since the audit is rated as it is.
   */
  readonly allowed?: string;
}

/** A call an action made, as recorded: enough to undo it. */
export interface AppliedCall {
  /** `ec2:RevokeSecurityGroupIngress`, ... */
  readonly call: string;
  readonly params: JsonObject;
  /** What the call returned that undo needs (the ID of a created detector, ...). */
  readonly result?: JsonObject;
}

/** What an action works with in one account. */
export interface ActionContext {
  /** The execution role session in the target account: read-only while planning, administrator when applying. */
  readonly session: AccountSession;
  readonly settings: Settings;
  readonly now: () => Date;
  /**
   * Apply only: told of each call that changed something as soon as it returned. An action that makes more than one
   * call tells it of each before making the next, so that what it changed is recorded (and can be undone) even when
   * a later call throws.
   */
  readonly callMade?: (call: AppliedCall) => Promise<void>;
}

/** What is known of an action without its code (catalog.ts): a plan matches, gates and describes with it. */
export interface ActionInfo {
  readonly id: RemediationId;
  readonly title: string;
  /** The check and the finding rule it fixes. */
  readonly fixes: { readonly check: string; readonly rules: readonly string[] };
  /** What could go wrong, shown in the plan. */
  readonly risk: string;
  /** What apply would do, in words, for the plan. */
  describe(target: Target, settings: Settings): string;
  /** A stable key for "this resource was remediated before" that outlives IDs apply changes (a new rule ID). */
  key(target: Target): string;
  /**
   * The fields of the state that must be at apply as the plan saw them (the plan item's `stateSeen`): the person
   * approved a change to the resource as the plan showed it. A resource changed in place since (a rule edited to
   * another port, keeping its ID) is not applied to.
   */
  readonly mustMatchPlan?: readonly string[];
}

/**
 * A remediation: its description (catalog.ts) plus three small functions. `inspect` reads the current state (plan,
 * the re-check before apply, and verify all use it); `apply` changes the resource; `undo` restores the state recorded
 * before.
 */
export interface RemediationAction extends ActionInfo {
  inspect(target: Target, context: ActionContext): Promise<Inspection>;
  apply(target: Target, before: Inspection, context: ActionContext): Promise<AppliedCall[]>;
  /**
   * Restores `before`; returns the calls made. `applied` are the calls apply made: all of them, or, when it failed
   * part-way, the ones made before the failure.
   */
  undo(
    target: Target,
    before: JsonObject,
    applied: readonly AppliedCall[],
    context: ActionContext,
  ): Promise<AppliedCall[]>;
}
