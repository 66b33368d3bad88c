import type * as z from 'zod';
import { membershipItem, roleItem } from '../../domain/items';
import { KEY_PREFIX, SORT_KEY } from '../../domain/keys';
import { USER_LIMITS_ATTRIBUTE } from '../../domain/limits';
import { ACTIONS, ADMIN_ROLE_ID } from '../../domain/permissions';
import { USER_INDEX } from '../../domain/table';
import { DETAIL_TYPE, EVENT_CATALOG, isDetailType } from '../../events/catalog';
import { WORKFLOW_ERROR, WORKFLOWS, type WorkflowKey } from '../../workflows/registry';
import {
  aslText,
  catchEdges,
  detailWithSampleValues,
  entriesOf,
  failurePathTasks,
  forwardTasks,
  isSuccessEnd,
  jsonPathsIn,
  load,
  normalEdges,
  paths,
  PUT_EVENTS,
  reachesSuccess,
  state,
  tasksOf,
} from './asl-graph';

/**
 * The state machines read as data: the rules DESIGN.md §6 sets for every workflow, checked on
 * the ASL files themselves, so a new state cannot quietly skip its Catch, Retry or failure event.
 * (The member workflows' own rules are in member-workflows-structure.test.ts.)
 */

type DynamoItem = Record<string, Record<string, unknown>>;

const KEYS = Object.keys(WORKFLOWS) as WorkflowKey[];
/**
 * The machines whose every failure is told by a failure event. The member workflows have no such
 * event in the catalog: they end in their Fail at once, and the API reports the outcome.
 */
const WITH_FAILURE_EVENTS: readonly WorkflowKey[] = ['onboarding', 'switching'];

describe.each(KEYS)('the %s state machine', (key) => {
  const machine = load(key);
  const names = Object.keys(machine.States);

  it('names every state with a stable PascalCase verb phrase', () => {
    const notPascalCase = names.filter((name) => !/^[A-Z][a-z]+(?:[A-Z][a-z0-9]*)*$/.test(name));

    expect(notPascalCase).toEqual([]);
  });

  it("uses exactly the registry's placeholders", () => {
    const used = new Set([...aslText(key).matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]));

    expect([...used].sort()).toEqual([...WORKFLOWS[key].placeholders].sort());
  });

  it("limits the whole run to the registry's timeout", () => {
    expect(machine.TimeoutSeconds).toBe(WORKFLOWS[key].timeoutSeconds);
  });

  it('runs every step as a direct service integration, never a Lambda task', () => {
    const resources = Object.values(machine.States).flatMap((s) => (s.Resource ? [s.Resource] : []));

    expect(resources.filter((resource) => resource.includes('lambda'))).toEqual([]);
    expect(resources.every((resource) => /^arn:aws:states:::(aws-sdk:[a-z]+|dynamodb|events):[a-zA-Z]+$/.test(resource))).toBe(true);
  });

  it('gives every forward step a Catch of any error that keeps the input for the compensation', () => {
    const forward = forwardTasks(machine);
    expect(forward.length).toBeGreaterThan(0);

    for (const name of forward) {
      const catchers = state(machine, name).Catch ?? [];
      const catchAll = catchers.find((catcher) => catcher.ErrorEquals.includes('States.ALL'));
      expect({ name, catchAll: Boolean(catchAll) }).toEqual({ name, catchAll: true });
      expect({ name, resultPath: catchAll?.ResultPath }).toEqual({ name, resultPath: '$.error' });
      expect({ name, leadsToSuccess: reachesSuccess(machine, catchAll?.Next ?? '') }).toEqual({ name, leadsToSuccess: false });
    }
  });

  it('retries throttling on every forward step with capped, jittered exponential backoff, and nothing else', () => {
    for (const name of forwardTasks(machine)) {
      const retriers = state(machine, name).Retry ?? [];
      const throttling = retriers.find((retrier) => retrier.ErrorEquals.some((error) => /TooManyRequests|Throttl/.test(error)));

      expect({ name, throttling: Boolean(throttling) }).toEqual({ name, throttling: true });
      expect({ name, jitter: throttling?.JitterStrategy, capped: (throttling?.MaxDelaySeconds ?? 0) > 0, backoff: (throttling?.BackoffRate ?? 0) > 1 }).toEqual({
        name,
        jitter: 'FULL',
        capped: true,
        backoff: true,
      });
      // A non-transient error goes straight to the compensation instead of spending the run's time.
      expect({ name, retriesAll: retriers.some((retrier) => retrier.ErrorEquals.includes('States.ALL')) }).toEqual({ name, retriesAll: false });
    }
  });

  it('retries every compensation and failure event on any error, then carries on along the failure path', () => {
    const failing = failurePathTasks(machine);
    expect(failing.length).toBeGreaterThan(0);

    for (const name of failing) {
      const current = state(machine, name);
      const last = current.Retry?.at(-1);
      expect({ name, retriesAll: last?.ErrorEquals }).toEqual({ name, retriesAll: ['States.ALL'] });
      expect({ name, backoff: (last?.BackoffRate ?? 0) > 1 }).toEqual({ name, backoff: true });
      // A compensation that keeps failing hands over to the next one, so the failure event is still published.
      expect({ name, onError: catchEdges(current) }).toEqual({ name, onError: [current.Next] });
    }
  });

  it("fails only with the registry's errors, which the API maps to answers", () => {
    const failErrors = names.filter((name) => state(machine, name).Type === 'Fail').map((name) => state(machine, name).Error);

    expect(failErrors.length).toBeGreaterThan(0);
    expect(failErrors.filter((error) => !(Object.values(WORKFLOW_ERROR) as (string | undefined)[]).includes(error))).toEqual([]);
  });

  it('publishes only catalogued events, on the bus placeholder, with details the catalog schema accepts', () => {
    const publishers = names.filter((name) => state(machine, name).Resource === PUT_EVENTS);
    expect(publishers.length).toBeGreaterThan(0);

    for (const name of publishers) {
      const entries = entriesOf(state(machine, name));
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        expect(isDetailType(entry.DetailType)).toBe(true);
        if (!isDetailType(entry.DetailType)) continue;
        const catalogued = EVENT_CATALOG[entry.DetailType];
        expect({ name, source: entry.Source, bus: entry.EventBusName }).toEqual({ name, source: catalogued.source, bus: '${EventBusName}' });
        const detail = detailWithSampleValues(entry.Detail, catalogued.sample as Record<string, unknown>);
        const parsed = (catalogued.schema as z.ZodType).safeParse(detail);
        expect({ name, issues: parsed.error?.issues ?? [] }).toEqual({ name, issues: [] });
      }
    }
  });

  it('never evaluates a path that could carry a token', () => {
    expect(jsonPathsIn(machine).filter((path) => /token/i.test(path))).toEqual([]);
  });
});

describe.each(WITH_FAILURE_EVENTS)('the %s state machine, whose failures are events', (key) => {
  const machine = load(key);
  const names = Object.keys(machine.States);

  it('ends every failed run in a failure event: each Fail state is entered only from a Publish step', () => {
    const failStates = names.filter((name) => state(machine, name).Type === 'Fail');
    expect(failStates.length).toBeGreaterThan(0);

    for (const failName of failStates) {
      const predecessors = names.filter((name) => [...normalEdges(state(machine, name)), ...catchEdges(state(machine, name))].includes(failName));
      expect(predecessors.length).toBeGreaterThan(0);
      for (const predecessor of predecessors) {
        expect({ failName, predecessor, resource: state(machine, predecessor).Resource }).toEqual({ failName, predecessor, resource: PUT_EVENTS });
        expect(predecessor).toMatch(/^Publish[A-Z]/);
      }
    }
  });
});

describe('onboarding', () => {
  const machine = load('onboarding');
  /** The record, the membership and the admin role, as CreateTenantItems puts them in one transaction. */
  const tenantItems = (): (DynamoItem | undefined)[] =>
    ((state(machine, 'CreateTenantItems').Parameters?.TransactItems ?? []) as { Put: { Item: DynamoItem } }[]).map((item) => item.Put.Item);

  it('passes the onboarded event on every path to success', () => {
    const publishers = Object.keys(machine.States).filter((name) =>
      entriesOf(state(machine, name)).some((entry) => entry.DetailType === DETAIL_TYPE.tenantOnboarded),
    );

    expect(publishers).toEqual(['PublishOnboarded']);
    expect(reachesSuccess(machine, machine.StartAt, new Set(publishers))).toBe(false);
  });

  // The undo's Parallel lists the group's branch first, so this order is also the reverse of the steps.
  it.each([
    ['ReserveTenantQuota', ['ReleaseTenantQuota', 'PublishOnboardingFailed']],
    ['CreateTenant', ['DeleteTenantGroup', 'DeleteTenantItemsAndQuota', 'PublishOnboardingFailed']],
    ['SetActiveTenant', ['RestorePreviousAttributes', 'DeleteTenantGroup', 'DeleteTenantItemsAndQuota', 'PublishOnboardingFailed']],
    ['PublishOnboarded', ['RestorePreviousAttributes', 'DeleteTenantGroup', 'DeleteTenantItemsAndQuota', 'PublishOnboardingFailed']],
  ])('undoes, when %s fails, everything it may have done, in reverse order', (step, undo) => {
    const catcher = (state(machine, step).Catch ?? []).find((candidate) => candidate.ErrorEquals.includes('States.ALL'));
    const recorder = state(machine, catcher?.Next ?? '');

    expect({ type: recorder.Type, result: recorder.Result, resultPath: recorder.ResultPath }).toEqual({ type: 'Pass', result: step, resultPath: '$.failedStep' });
    for (const path of paths(machine, catcher?.Next ?? '')) {
      expect(tasksOf(machine, path)).toEqual(undo);
      expect(path.at(-1)).toBe('FailOnboarding');
    }
  });

  it("ends a branch of CreateTenant at its failure, never failing the Parallel, and then undoes both branches as CreateTenant's failure", () => {
    type Rendered = { States: Record<string, { Branches?: { States: Record<string, { Catch?: { ErrorEquals: string[]; Next: string }[]; Parameters?: unknown; End?: boolean }> }[] }> };
    const rendered = JSON.parse(aslText('onboarding')) as Rendered;
    const branches = rendered.States.CreateTenant?.Branches ?? [];
    const steps = branches.flatMap((branch) => Object.entries(branch.States).filter(([, step]) => step.Catch !== undefined));

    // No call of a stopped branch can land after the undo: each step's error ends its own branch.
    expect(steps.map(([name]) => name)).toEqual(['CreateTenantItems', 'CreateTenantGroup', 'AddUserToGroup']);
    for (const [name, step] of steps) {
      const failureEnd = branches.map((branch) => branch.States[step.Catch?.[0]?.Next ?? '']).find(Boolean);
      expect({ name, catches: step.Catch?.map((catcher) => catcher.ErrorEquals), failureEnd }).toEqual({
        name,
        catches: [['States.ALL']],
        failureEnd: { Type: 'Pass', Parameters: { 'error.$': '$.error' }, End: true },
      });
    }
    // The check after the Parallel finds either branch's failure and keeps its error where a Catch would.
    expect(state(machine, 'CheckTenantCreated').Choices).toEqual([
      { Variable: '$.created[0].error', IsPresent: true, Next: 'KeepTenantCreatedError1' },
      { Variable: '$.created[1].error', IsPresent: true, Next: 'KeepTenantCreatedError2' },
    ]);
    for (const keep of ['KeepTenantCreatedError1', 'KeepTenantCreatedError2']) {
      expect(state(machine, keep)).toMatchObject({ Type: 'Pass', ResultPath: '$.error', Next: 'RecordCreateTenantFailure' });
    }
  });

  it('fails every unsuccessful run with the onboarding error', () => {
    expect(state(machine, 'FailOnboarding').Error).toBe(WORKFLOW_ERROR.onboardingFailed);
  });

  describe("the user's limits counter", () => {
    const reserve = state(machine, 'ReserveTenantQuota');
    const release = state(machine, 'ReleaseTenantQuota');
    const { tenantsCreated, memberships, countedTenantIds } = USER_LIMITS_ATTRIBUTE;
    const limitsItemKey = { PK: { 'S.$': `States.Format('${KEY_PREFIX.user}{}', $.userId)` }, SK: { S: SORT_KEY.limits } };

    it('is the first write of every run: no path reaches another task before it', () => {
      for (const path of paths(machine, machine.StartAt)) {
        expect(tasksOf(machine, path)[0]).toBe('ReserveTenantQuota');
      }
    });

    it("adds the run's tenant to both counts on the user's limits item, only while both are under their limits", () => {
      expect(reserve.Resource).toBe('arn:aws:states:::dynamodb:updateItem');
      expect(reserve.Parameters).toEqual({
        TableName: '${TableName}',
        Key: limitsItemKey,
        UpdateExpression: `ADD ${tenantsCreated} :one, ${memberships} :one, ${countedTenantIds} :tenant`,
        ConditionExpression:
          `(attribute_not_exists(${tenantsCreated}) OR ${tenantsCreated} < :maxCreated) AND ` +
          `(attribute_not_exists(${memberships}) OR ${memberships} < :maxMemberships)`,
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':tenant': { 'SS.$': 'States.Array($.tenantId)' },
          ':maxCreated': { N: '${MaxTenantsPerUser}' },
          ':maxMemberships': { N: '${MaxMembershipsPerUser}' },
        },
      });
    });

    it('refuses a run past either limit with the limit error, after a failure event and with nothing to undo', () => {
      const [refused, ...rest] = reserve.Catch ?? [];
      expect(refused?.ErrorEquals).toEqual(['DynamoDB.ConditionalCheckFailedException']);
      expect(rest.map((catcher) => catcher.ErrorEquals)).toEqual([['States.ALL']]);

      const refusals = paths(machine, refused?.Next ?? '');
      expect(refusals.map((path) => tasksOf(machine, path))).toEqual([['PublishTenantLimitReached']]);
      const end = state(machine, refusals[0]?.at(-1) ?? '');
      expect({ type: end.Type, error: end.Error }).toEqual({ type: 'Fail', error: WORKFLOW_ERROR.tenantLimitReached });
      expect(entriesOf(state(machine, 'PublishTenantLimitReached'))[0]?.Detail).toMatchObject({
        failedStep: 'ReserveTenantQuota',
        error: WORKFLOW_ERROR.tenantLimitReached,
      });
    });

    const releaseUpdate = {
      TableName: '${TableName}',
      Key: limitsItemKey,
      UpdateExpression: `ADD ${tenantsCreated} :minusOne, ${memberships} :minusOne DELETE ${countedTenantIds} :tenant`,
      ConditionExpression: `contains(${countedTenantIds}, :tenantId)`,
      ExpressionAttributeValues: { ':minusOne': { N: '-1' }, ':tenant': { 'SS.$': 'States.Array($.tenantId)' }, ':tenantId': { 'S.$': '$.tenantId' } },
    };
    /** Whether a step takes the count back: the release itself, or a transaction holding it. */
    const releasesQuota = (name: string): boolean => {
      const { Parameters: parameters } = state(machine, name);
      const transactItems = (parameters?.TransactItems ?? []) as { Update?: unknown }[];
      return JSON.stringify(parameters) === JSON.stringify(releaseUpdate) || transactItems.some((item) => JSON.stringify(item.Update) === JSON.stringify(releaseUpdate));
    };

    it("takes back only this run's count: both counts down by one while its tenant is counted, removed in the same write", () => {
      expect(release.Resource).toBe('arn:aws:states:::dynamodb:updateItem');
      expect(release.Parameters).toEqual(releaseUpdate);
      expect(releasesQuota('DeleteTenantItemsAndQuota')).toBe(true);
      // A failed condition means nothing of this run's is counted: not worth a retry.
      expect(release.Retry?.[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 });
    });

    it('is taken back, last before the failure event, whichever forward step fails', () => {
      const forward = forwardTasks(machine);
      expect(forward).toContain('ReserveTenantQuota');

      for (const step of forward) {
        const catchAll = (state(machine, step).Catch ?? []).find((catcher) => catcher.ErrorEquals.includes('States.ALL'));
        for (const path of paths(machine, catchAll?.Next ?? '')) {
          const [undo, failureEvent] = tasksOf(machine, path).slice(-2);
          expect({ step, releases: releasesQuota(undo ?? ''), failureEvent }).toEqual({ step, releases: true, failureEvent: 'PublishOnboardingFailed' });
        }
      }
    });
  });

  it("writes the items under the shared keys: the record's sort key, the user index keys and the admin role's", () => {
    const [record, membership, role] = tenantItems();

    expect(record?.SK).toEqual({ S: SORT_KEY.tenant });
    expect(Object.keys(membership ?? {})).toEqual(expect.arrayContaining([USER_INDEX.partitionKey, USER_INDEX.sortKey, 'tenantName', 'roleId']));
    expect(role?.SK).toEqual({ S: SORT_KEY.role(ADMIN_ROLE_ID) });
  });

  it('writes the membership and the admin role with exactly the attributes domain/items.ts defines', () => {
    const [, membership, role] = tenantItems();
    const sample = { tenantId: 't', createdAt: '2026-01-01T00:00:00Z' };

    expect(Object.keys(membership ?? {}).sort()).toEqual(Object.keys(membershipItem({ ...sample, tenantName: 'n', userId: 'u', email: 'e@example.com', roleId: 'r' })).sort());
    expect(Object.keys(role ?? {}).sort()).toEqual(Object.keys(roleItem({ ...sample, roleId: 'r', name: 'n', actions: [], builtIn: true })).sort());
  });

  it('makes the caller the admin: the built-in admin role holds every action, and the membership, attribute, event and output name it', () => {
    const [, membership, role] = tenantItems();
    const attributes = state(machine, 'SetActiveTenant').Parameters?.UserAttributes as { Name: string; Value?: string }[];
    const [onboarded] = entriesOf(state(machine, 'PublishOnboarded'));

    expect(role?.actions).toEqual({ L: ACTIONS.map((action) => ({ S: action })) });
    expect({ roleId: role?.roleId, name: role?.name, builtIn: role?.builtIn }).toEqual({ roleId: { S: ADMIN_ROLE_ID }, name: { S: 'Admin' }, builtIn: { BOOL: true } });
    expect(membership?.roleId).toEqual({ S: ADMIN_ROLE_ID });
    expect(attributes.find((attribute) => attribute.Name === 'custom:role')?.Value).toBe(ADMIN_ROLE_ID);
    expect(onboarded?.Detail.roleId).toBe(ADMIN_ROLE_ID);
    expect(state(machine, 'ReturnTenant').Parameters?.roleId).toBe(ADMIN_ROLE_ID);
  });
});

describe('switching', () => {
  const machine = load('switching');

  it('passes the switched event on every path to success', () => {
    const publishers = Object.keys(machine.States).filter((name) =>
      entriesOf(state(machine, name)).some((entry) => entry.DetailType === DETAIL_TYPE.tenantSwitched),
    );

    expect(publishers).toEqual(['PublishSwitched']);
    expect(reachesSuccess(machine, machine.StartAt, new Set(publishers))).toBe(false);
  });

  it('keeps to the budget on the way to success: one AdminUpdateUserAttributes, at most one DynamoDB read', () => {
    const successPaths = paths(machine, machine.StartAt).filter((path) => isSuccessEnd(state(machine, path.at(-1) ?? '')));
    expect(successPaths.length).toBeGreaterThan(0);

    for (const path of successPaths) {
      const resources = tasksOf(machine, path).map((name) => state(machine, name).Resource ?? '');
      expect(resources.filter((resource) => resource.endsWith(':adminUpdateUserAttributes'))).toHaveLength(1);
      expect(resources.filter((resource) => /dynamodb/.test(resource)).length).toBeLessThanOrEqual(1);
    }
  });

  it('refuses a target without a membership item with the not-a-member error, after an access denied event, whatever the token says', () => {
    const denialPaths = paths(machine, machine.StartAt).filter((path) => path.at(-1) === 'RejectSwitch');

    expect(denialPaths.map((path) => tasksOf(machine, path).join(' → ')).sort()).toEqual(['GetMembership → PublishAccessDenied']);
    expect(state(machine, 'RejectSwitch').Error).toBe(WORKFLOW_ERROR.notAMember);
    expect(entriesOf(state(machine, 'PublishAccessDenied'))[0]?.Detail.action).toBe('tenant:switch');
  });

  it.each([
    ['GetMembership', ['PublishSwitchFailed']],
    ['SetActiveTenant', ['RestorePreviousTenant', 'PublishSwitchFailed']],
    ['PublishSwitched', ['RestorePreviousTenant', 'PublishSwitchFailed']],
  ])('restores, when %s fails, the previous tenant if it may have changed', (step, undo) => {
    const [catcher] = state(machine, step).Catch ?? [];
    const recorder = state(machine, catcher?.Next ?? '');

    expect({ type: recorder.Type, result: recorder.Result, resultPath: recorder.ResultPath }).toEqual({ type: 'Pass', result: step, resultPath: '$.failedStep' });
    for (const path of paths(machine, catcher?.Next ?? '')) {
      expect(tasksOf(machine, path)).toEqual(undo);
      expect(path.at(-1)).toBe('FailSwitch');
    }
  });

  it('fails a switch that passed its checks with the switch error', () => {
    expect(state(machine, 'FailSwitch').Error).toBe(WORKFLOW_ERROR.switchFailed);
  });
});
