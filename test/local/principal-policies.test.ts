import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import type { Denial } from '../../local/iam/role-policies';
import { tenantRoleArn } from '../../local/principals';
import { WORKFLOWS } from '../../workflows/registry';
import { actionsOf, LOCAL_SCOPE, machineOfRole, principalPolicies, refusedBy, statementCases, withoutStatement, type StatementCase, type UnreachableStatement } from './principal-scenarios/cases';
import { makeWorld, scenarioTable, type Observation, type Path, type World } from './principal-scenarios/scenarios';
import { eventually } from './support';

/**
 * Statements no path can make necessary: kept out of the case table, each with its reason, for the
 * lead to decide whether the grant goes. Empty means every statement of every principal is needed.
 */
const UNREACHABLE_STATEMENTS: readonly UnreachableStatement[] = [];

const CASES = statementCases(UNREACHABLE_STATEMENTS);

interface Run {
  readonly observations: Observation[];
  readonly started: string;
}

/** Runs a role's paths one after another: each prepared with the deployed policies, then `during` (the removal) wraps the acts. */
async function runPaths(paths: readonly Path[], during: <T>(act: () => Promise<T>) => Promise<T>): Promise<Run & { contexts: unknown[] }> {
  const contexts: unknown[] = [];
  for (const path of paths) contexts.push(path.prepare ? await path.prepare() : undefined);
  const started = new Date().toISOString();
  const observations = await during(async () => {
    const seen: Observation[] = [];
    for (const [index, path] of paths.entries()) seen.push(await path.act(contexts[index]));
    return seen;
  });
  return { observations, started, contexts };
}

/**
 * The synchronous paths whose caller must see the refusal (those that do not absorb every removed
 * action by design), and those of them whose caller did: at least one must, for the refusal to matter.
 */
function callersOf(paths: readonly Path[], observations: readonly Observation[], removed: readonly string[]): { waiting: string[]; failed: string[] } {
  const waiting = paths.flatMap((path, index) => (path.synchronous && !removed.every((action) => path.absorbs?.includes(action)) ? [index] : []));
  return {
    waiting: waiting.map((index) => paths[index]?.name ?? ''),
    failed: waiting.flatMap((index) => (observations[index]?.ok === false ? [observations[index]?.what ?? ''] : [])),
  };
}

/** The history of the machine's executions since `since`: where Step Functions names the error a task failed with. */
function machineHistories(cloud: LocalCloud, machineName: string, since: string): string {
  return cloud.stepFunctions
    .recentExecutions(100)
    .filter((execution) => execution.stateMachine.endsWith(machineName) && execution.startDate >= since)
    .map((execution) => JSON.stringify(cloud.stepFunctions.executionDetail(execution.executionArn)?.events ?? []))
    .join('\n');
}

describe("each principal's policy holds exactly what its paths need (one statement removed at a time)", () => {
  const previousOutputs = process.env.LOCAL_CLOUD_OUTPUTS;
  const stateDir = mkdtempSync(join(tmpdir(), 'principal-policies-'));
  let cloud: LocalCloud;
  let world: World;
  let table: ReadonlyMap<string, readonly Path[]>;

  beforeAll(async () => {
    // Removing grants on purpose: the refusals are read from `denials()`, not printed.
    cloud = await startLocalCloud({ port: 0, apiPort: 0, stateDir, persist: false, reconcileEveryMinutes: 0, reportMissingGrants: false });
    process.env.LOCAL_CLOUD_OUTPUTS = JSON.stringify(cloud.outputs);
    world = await makeWorld(cloud);
    table = scenarioTable(world);
  }, 180_000);

  afterAll(async () => {
    await cloud?.stop();
    if (previousOutputs === undefined) delete process.env.LOCAL_CLOUD_OUTPUTS;
    else process.env.LOCAL_CLOUD_OUTPUTS = previousOutputs;
    rmSync(stateDir, { recursive: true, force: true });
  });

  const pathsOf = (roleArn: string): readonly Path[] => table.get(roleArn) ?? [];

  it('has a case for every statement of every function and state machine the cloud registers, and paths for every such role', () => {
    const registered = new Map([...cloud.rolePolicies.registered()].filter(([roleArn]) => roleArn !== tenantRoleArn(LOCAL_SCOPE)));
    const built = principalPolicies();

    expect([...registered.keys()].sort()).toEqual([...built.keys()].sort());
    for (const [roleArn, policy] of registered) expect(policy.Statement.map(actionsOf)).toEqual(built.get(roleArn)?.Statement.map(actionsOf));
    expect(CASES.length + UNREACHABLE_STATEMENTS.length).toBe([...registered.values()].reduce((sum, policy) => sum + policy.Statement.length, 0));
    const withStatements = [...registered].filter(([, policy]) => policy.Statement.length > 0).map(([roleArn]) => roleArn);
    expect(withStatements.filter((roleArn) => pathsOf(roleArn).length === 0)).toEqual([]);
  });

  it('answers every path as designed with the deployed policies, and no principal is refused anything', async () => {
    const before = new Set(cloud.rolePolicies.denials());
    const failed: string[] = [];
    for (const paths of table.values()) {
      const run = await runPaths(paths, (act) => act());
      failed.push(...run.observations.filter((observation) => !observation.ok).map((observation) => observation.what));
      for (const [index, path] of paths.entries()) {
        if (path.settled) await eventually(async () => ((await path.settled?.(run.contexts[index])) ? true : undefined), `the effect of ${path.name}`);
      }
    }
    const refused = cloud.rolePolicies.denials().filter((denial) => !before.has(denial));

    expect(failed).toEqual([]);
    expect(refused.map(({ roleArn, action, resource }) => ({ roleArn, action, resource }))).toEqual([]);
  }, 240_000);

  it.each(CASES.map((entry) => [`${entry.roleName} #${entry.index} (${entry.actions.join(', ')})`, entry] as const))(
    'without %s, IAM refuses the path that needs it, and a caller waiting on that path sees it fail',
    async (_title: string, entry: StatementCase) => {
      const policy = cloud.rolePolicies.registered().get(entry.roleArn);
      if (!policy) throw new Error(`${entry.roleArn} is not registered`);
      const statement = policy.Statement[entry.index];
      if (!statement) throw new Error(`${entry.roleArn} has no statement ${entry.index}`);
      const paths = pathsOf(entry.roleArn);
      const before = new Set(cloud.rolePolicies.denials());
      let denial: Denial | undefined;

      const run = await runPaths(paths, async (act) => {
        const restore = cloud.rolePolicies.override(entry.roleArn, withoutStatement(policy, entry.index));
        try {
          const observations = await act();
          denial = await eventually(async () => cloud.rolePolicies.denials().find((made) => !before.has(made) && refusedBy(entry.roleArn, statement)(made)), `a refusal of ${entry.roleName} on ${entry.actions.join('|')}`);
          return observations;
        } finally {
          restore();
        }
      });

      expect(denial).toMatchObject({ roleArn: entry.roleArn });
      const callers = callersOf(paths, run.observations, entry.actions);
      if (callers.waiting.length > 0) expect(callers.failed).not.toEqual([]);
      const machine = machineOfRole(entry.roleArn);
      if (machine) expect(machineHistories(cloud, WORKFLOWS[machine].name, run.started)).toMatch(/\.AccessDenied(Exception)?\b/);
    },
  );
});
