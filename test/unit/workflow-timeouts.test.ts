import { Logger } from '@aws-lambda-powertools/logger';
import { ThrottledError, WorkflowFailedError, WorkflowIncompleteError } from '../../domain/errors';
import { errorResponse } from '../../handlers/api/http';
import { createRemoveMemberHandler } from '../../handlers/api/members/handler';
import { createCreateTenantHandler, createSwitchTenantHandler } from '../../handlers/api/tenants/handler';
import type { RefreshTokens } from '../../handlers/shared/tokens';
import { runFailure, type RunWorkflow, type WorkflowResult } from '../../handlers/shared/workflow-runner';
import { WORKFLOW_ERROR, WORKFLOWS } from '../../workflows/registry';
import { apiEvent, parse } from './api-fixtures';
import { memoryIdempotencyStore } from './idempotency-fixtures';

/**
 * A run its own limit stopped (StartSyncExecution status TIMED_OUT) may have stopped half way
 * through its undo: the API answers 503 `Unavailable`, "may be incomplete" (API.md Conventions),
 * never the "rolled back; nothing was changed" of a run that reached its Fail state.
 */

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

const result = (overrides: Partial<WorkflowResult>): WorkflowResult => ({
  status: 'FAILED',
  output: undefined,
  error: undefined,
  cause: undefined,
  executionArn: 'arn:exec',
  ...overrides,
});

// What StartSyncExecution reports for a run that reached the machine's TimeoutSeconds.
const TIMED_OUT = result({ status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than the state machine TimeoutSeconds' });

const runAnswering = (answer: WorkflowResult): RunWorkflow & { runs: number } => {
  const run = Object.assign(async () => {
    run.runs += 1;
    return answer;
  }, { runs: 0 });
  return run;
};

const refreshCalls: string[] = [];
const refresh: RefreshTokens = async (token) => {
  refreshCalls.push(token);
  throw new Error('no refresh after a run that did not succeed');
};

const caller = { userId: 'caller', username: 'caller', email: 'caller@example.com', tenantId: 't1', roleId: 'admin', groups: JSON.stringify(['t1']) };

describe('what a run that did not succeed tells the caller', () => {
  it('is WorkflowIncompleteError, naming the workflow, for a run that timed out', () => {
    const error = runFailure(WORKFLOWS.onboarding.name, TIMED_OUT);

    expect(error).toBeInstanceOf(WorkflowIncompleteError);
    expect((error as WorkflowIncompleteError).workflow).toBe('Onboarding');
  });

  it('is incomplete for a timed-out run even when its last error was throttling', () => {
    const error = runFailure('AddMember', result({ status: 'TIMED_OUT', error: 'CognitoIdentityProvider.TooManyRequestsException' }));

    expect(error).toBeInstanceOf(WorkflowIncompleteError);
  });

  it('is still "rolled back" for a failed run, and throttling for a failed throttled one', () => {
    expect(runFailure('Switching', result({ error: WORKFLOW_ERROR.switchFailed }))).toBeInstanceOf(WorkflowFailedError);
    expect(runFailure('Switching', result({ error: 'CognitoIdentityProvider.TooManyRequestsException' }))).toBeInstanceOf(ThrottledError);
  });

  it('is the same for the member workflows, which answer through runFailure too', () => {
    expect(runFailure('RemoveMember', TIMED_OUT)).toBeInstanceOf(WorkflowIncompleteError);
    expect(runFailure('RemoveMember', result({ error: WORKFLOW_ERROR.removeMemberFailed }))).toBeInstanceOf(WorkflowFailedError);
  });
});

describe('the answer to an incomplete run', () => {
  it('is 503 Unavailable saying it may be incomplete, not that it was rolled back', () => {
    const answer = errorResponse(new WorkflowIncompleteError('Onboarding'));

    expect(answer?.statusCode).toBe(503);
    expect(parse(answer as { body: string }).error).toEqual({ code: 'Unavailable', message: expect.stringContaining('may be incomplete') });
    expect(answer?.body).not.toContain('rolled back');
  });

  it('is what POST /tenants answers when onboarding times out, without exchanging the refresh token', async () => {
    const run = runAnswering(TIMED_OUT);
    const handler = createCreateTenantHandler({ run, onboardingArn: 'arn:onboarding', refresh, logger, idempotency: memoryIdempotencyStore().store });

    const answer = await handler(apiEvent({ method: 'POST', path: '/tenants', body: { name: 'Blue Sky', refreshToken: 'refresh-1' }, caller }));

    expect({ status: answer.statusCode, code: parse(answer).error?.code, runs: run.runs }).toEqual({ status: 503, code: 'Unavailable', runs: 1 });
    expect(refreshCalls).not.toContain('refresh-1');
  });

  it('is what PUT /tenants/active answers when switching times out, even with a refusal-like error', async () => {
    const run = runAnswering(result({ status: 'TIMED_OUT', error: WORKFLOW_ERROR.notAMember }));
    const handler = createSwitchTenantHandler({ run, switchingArn: 'arn:switching', refresh, logger });

    const answer = await handler(apiEvent({ method: 'PUT', path: '/tenants/active', body: { tenantId: 't2', refreshToken: 'refresh-2' }, caller }));

    expect({ status: answer.statusCode, code: parse(answer).error?.code }).toEqual({ status: 503, code: 'Unavailable' });
  });

  it('is what DELETE /members/{userId} answers when RemoveMember times out, running it once', async () => {
    const run = runAnswering(TIMED_OUT);
    const handler = createRemoveMemberHandler({
      readsFor: () => ({ getRole: async () => undefined }),
      control: {
        membership: async (_tenantId, userId) => ({ userId, email: `${userId}@example.com`, roleId: 'pilot' }),
        currentGrant: async () => undefined,
        tenant: async () => ({ name: 'Blue Sky', roleHolders: { admin: 1 } }),
      },
      run,
      removeMemberArn: 'arn:remove-member',
      now: () => new Date(),
      reportDenied: async () => undefined,
      logger,
    });

    const answer = await handler(apiEvent({ method: 'DELETE', path: '/members/maya', pathParameters: { userId: 'maya' }, caller }));

    expect({ status: answer.statusCode, code: parse(answer).error?.code, runs: run.runs }).toEqual({ status: 503, code: 'Unavailable', runs: 1 });
  });
});
