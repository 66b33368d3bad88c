import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { ConflictError, ForbiddenError, ValidationError } from '../../../domain/errors';
import { TENANT_ID_CLAIM } from '../../../domain/identity';
import { claimLeaseSeconds, requestFingerprint } from '../../../domain/idempotency';
import { TENANT_ID_PATTERN, userIdempotencyKey } from '../../../domain/keys';
import { TENANT_LIMITS } from '../../../domain/limits';
import { tenantNameSchema } from '../../../domain/tenant-name';
import {
  WORKFLOW_ERROR,
  WORKFLOWS,
  type OnboardingInput,
  type OnboardingOutput,
  type SwitchingInput,
  type SwitchingOutput,
  type WorkflowDefinition,
} from '../../../workflows/registry';
import { FUNCTIONS } from '../../catalog';
import { ANY_CALLER, idempotentUnder, type IdempotencyStore } from '../../shared/idempotency-store';
import type { ScopedCredentials } from '../../shared/scoped-clients';
import type { TenancyStore } from '../../shared/tenancy-store';
import type { RefreshTokens } from '../../shared/tokens';
import { runFailure, type RunWorkflow, type WorkflowResult } from '../../shared/workflow-runner';
import { callerOf, json, parseBody, route, type Caller } from '../http';

/** `GET /tenants`: the caller's memberships, read from the user index with the caller's own credentials. */
export function createListTenantsHandler(deps: { storeFor: (credentials: ScopedCredentials) => TenancyStore; logger: Logger }) {
  return route(deps.logger, async (event) => {
    const caller = callerOf(event);
    const memberships = await deps.storeFor(caller.credentials).listMemberships(caller.userId);
    return json(200, {
      tenants: memberships.map(({ tenantId, tenantName, roleId }) => ({ tenantId, name: tenantName, roleId })),
      activeTenantId: caller.tenantId,
    });
  });
}

const refreshToken = z.string().min(1, 'required').max(8192);

export const createTenantBody = z.strictObject({
  name: tenantNameSchema,
  refreshToken,
});

export const switchTenantBody = z.strictObject({
  tenantId: z.string().regex(TENANT_ID_PATTERN, 'must be a tenant id'),
  refreshToken,
});

/**
 * Said when the run's Cause is missing. The Cause is the onboarding definition's own sentence,
 * with both numbers of this deployment substituted; only the state machine knows the first.
 */
const TENANT_LIMIT_MESSAGE =
  'You cannot create another tenant: you have created as many tenants as one user may, ' +
  `or you belong to ${TENANT_LIMITS.maxMembershipsPerUser} tenants, the most one user may belong to`;

/** A run that did not succeed: a refusal the caller can act on, or what `runFailure` makes of it. */
function failure(workflow: string, result: WorkflowResult): Error {
  if (result.status === 'FAILED' && result.error === WORKFLOW_ERROR.notAMember) return new ForbiddenError('You are not a member of that tenant');
  if (result.status === 'FAILED' && result.error === WORKFLOW_ERROR.tenantLimitReached) return new ConflictError(result.cause ?? TENANT_LIMIT_MESSAGE);
  return runFailure(workflow, result);
}

/**
 * A successful run's output, cast rather than parsed: it is our own state machine's final state,
 * whose shape the registry declares and the workflow tier checks.
 */
async function runToSuccess<Output>(run: RunWorkflow, stateMachineArn: string, workflow: WorkflowDefinition, input: object): Promise<Output> {
  const result = await run(stateMachineArn, input);
  if (result.status !== 'SUCCEEDED') throw failure(workflow.name, result);
  return result.output as Output;
}

/**
 * The refresh comes after the change, so its refusal must not read as "nothing happened": the
 * answer says what did happen and how to get tokens that show it.
 */
async function refreshAfter(refresh: RefreshTokens, refreshToken: string, userId: string, done: string) {
  try {
    return await refresh(refreshToken, userId);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(`${done}, but the refresh token was rejected: sign in again to get tokens that show it`, error.details);
    }
    throw error;
  }
}

/**
 * A body member that is a credential, not part of what the request creates: left out of the
 * `Idempotency-Key` fingerprint, so that no hash of a token is stored and a client that signed in
 * again between two tries still gets its tenant.
 */
const NOT_FINGERPRINTED = ['refreshToken'] as const;

/** What the `Idempotency-Key` record of a created tenant keeps: the tenant, never tokens. */
interface CreatedTenant {
  readonly tenant: { readonly tenantId: string; readonly name: string };
}

export interface CreateTenantDeps {
  readonly run: RunWorkflow;
  readonly onboardingArn: string;
  readonly refresh: RefreshTokens;
  /** Where `Idempotency-Key` records are kept (the caller's `USER#{userId}#IDEMPOTENCY`), with the function's own role. */
  readonly idempotency: IdempotencyStore;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/**
 * Onboarding, made idempotent under the caller's `Idempotency-Key`: its answer is the tenant alone,
 * which is what the record keeps. The lease outlasts an onboarding run the function started just
 * before it was stopped; a failed run throws, which releases the claim for a retry.
 */
function idempotentOnboarding(deps: CreateTenantDeps) {
  const options = {
    logger: deps.logger,
    now: deps.now,
    leaseSeconds: claimLeaseSeconds(FUNCTIONS.createTenant.timeoutSeconds, [WORKFLOWS.onboarding.timeoutSeconds]),
    placeOf: (caller: Caller, clientKey: string) => ({ store: deps.idempotency, key: userIdempotencyKey(caller.userId, FUNCTIONS.createTenant.name, clientKey) }),
    fingerprintOf: (body: string | null) => requestFingerprint(body, NOT_FINGERPRINTED),
    // Any signed-in user may create a tenant (within the limits onboarding enforces).
    admit: ANY_CALLER,
  };
  return idempotentUnder(options, async (event) => {
    const caller = callerOf(event);
    const body = parseBody(createTenantBody, event.body);
    const input: OnboardingInput = {
      userId: caller.userId,
      username: caller.username,
      email: caller.email,
      tenantName: body.name,
      previousTenantId: caller.tenantId,
      previousRoleId: caller.roleId,
    };
    const output = await runToSuccess<OnboardingOutput>(deps.run, deps.onboardingArn, WORKFLOWS.onboarding, input);
    deps.logger.info('tenant onboarded', { tenantId: output.tenantId, userId: caller.userId });
    const created: CreatedTenant = { tenant: { tenantId: output.tenantId, name: output.tenantName } };
    return json(201, created);
  });
}

/**
 * `POST /tenants`: runs onboarding synchronously, then exchanges the refresh token so the caller
 * leaves with tokens that name the new tenant. The exchange happens here, not in the workflow, so
 * that no token ever enters an execution's input, output or history; and after the
 * `Idempotency-Key` record is kept, so that no token enters it either: a replay answers the same
 * tenant with tokens refreshed by its own request's refresh token, as the first answer was, and a
 * refused exchange (400) still leaves the tenant recorded for a retry with a good token.
 */
export function createCreateTenantHandler(deps: CreateTenantDeps) {
  const onboard = idempotentOnboarding(deps);
  return route(deps.logger, async (event) => {
    const caller = callerOf(event);
    // Only a 201 comes back (a refusal throws), the first one's or the one kept for the key.
    const { tenant } = JSON.parse((await onboard(event)).body) as CreatedTenant;
    const { refreshToken } = parseBody(createTenantBody, event.body);
    const tokens = await refreshAfter(deps.refresh, refreshToken, caller.userId, `Tenant ${tenant.tenantId} was created`);
    return json(201, { tenant, tokens: { idToken: tokens.idToken, accessToken: tokens.accessToken } });
  });
}

/** `PUT /tenants/active`: runs switching synchronously, then refreshes the caller's tokens. */
export function createSwitchTenantHandler(deps: { run: RunWorkflow; switchingArn: string; refresh: RefreshTokens; logger: Logger }) {
  return route(deps.logger, async (event) => {
    const caller = callerOf(event);
    const body = parseBody(switchTenantBody, event.body);
    const input: SwitchingInput = {
      userId: caller.userId,
      username: caller.username,
      targetTenantId: body.tenantId,
      previousTenantId: caller.tenantId,
      previousRoleId: caller.roleId,
    };
    const output = await runToSuccess<SwitchingOutput>(deps.run, deps.switchingArn, WORKFLOWS.switching, input);
    const tokens = await refreshAfter(deps.refresh, body.refreshToken, caller.userId, `The active tenant is now ${output.tenantId}`);
    // Concurrent switches race on one attribute: report the tenant the new tokens actually carry.
    const activeTenantId = typeof tokens.claims[TENANT_ID_CLAIM] === 'string' ? tokens.claims[TENANT_ID_CLAIM] : output.tenantId;
    deps.logger.info('tenant switched', { tenantId: activeTenantId, userId: caller.userId });
    return json(200, { activeTenantId, tokens: { idToken: tokens.idToken, accessToken: tokens.accessToken } });
  });
}
