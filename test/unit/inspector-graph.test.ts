import { flattenStates, parseAsl, AslShapeError } from '../../web/inspector/graph/asl';
import { layoutGraph } from '../../web/inspector/graph/layout';
import { buildGraph, choiceLabel, compensationOf, joinNodeId, overlayPath, stateNodeId } from '../../web/inspector/graph/machine-graph';
import { renderDefinition } from '../../workflows/render';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';

const KEYS = Object.keys(WORKFLOWS) as WorkflowKey[];
const graphOf = (key: WorkflowKey) => buildGraph(parseAsl(renderDefinition(key)));

describe('the inspector graph of each rendered workflow', () => {
  it.each(KEYS)('%s: every state of every scope is one node, and every transition ends at a node', (key) => {
    // Prepare
    const states = flattenStates(parseAsl(renderDefinition(key)));
    // Act
    const graph = graphOf(key);
    // Assess
    const stateNodes = graph.nodes.filter((node) => node.kind === 'state').map((node) => node.state);
    expect(stateNodes.sort()).toEqual(states.map((state) => state.name).sort());
    const ids = new Set(graph.nodes.map((node) => node.id));
    expect(graph.edges.filter((edge) => !ids.has(edge.from) || !ids.has(edge.to))).toEqual([]);
    const groups = new Set(graph.groups.map((group) => group.id));
    expect(graph.nodes.filter((node) => node.group !== undefined && !groups.has(node.group))).toEqual([]);
  });

  it.each(KEYS)('%s: every Catch of the ASL is a catch edge, labelled with its errors', (key) => {
    // Prepare
    const catches = flattenStates(parseAsl(renderDefinition(key))).flatMap(({ name, state }) =>
      (state.Catch ?? []).map((catcher) => ({ from: name, to: catcher.Next, label: catcher.ErrorEquals.join(', ') })),
    );
    // Act
    const graph = graphOf(key);
    // Assess
    const drawn = graph.edges.filter((edge) => edge.kind === 'catch').map((edge) => ({ from: edge.from.replace(/^(state|join):/, ''), to: edge.to.replace(/^state:/, ''), label: edge.label }));
    expect(drawn).toEqual(expect.arrayContaining(catches));
    expect(drawn).toHaveLength(catches.length);
  });

  it('draws the onboarding Parallel states as groups of branches, entered from the state and left from its join', () => {
    // Act
    const graph = graphOf('onboarding');
    // Assess
    expect(graph.groups.filter((group) => group.kind === 'container').map((group) => group.label)).toEqual(['CreateTenant (Parallel)', 'UndoTenant (Parallel)']);
    expect(graph.groups.filter((group) => group.parent === 'group:CreateTenant').map((group) => group.label)).toEqual(['branch 1', 'branch 2']);
    expect(graph.nodes.find((node) => node.state === 'AddUserToGroup')).toMatchObject({ group: 'group:CreateTenant#1', scope: 'CreateTenant#1' });
    const edgesOf = (from: string) => graph.edges.filter((edge) => edge.from === from).map((edge) => `${edge.kind}->${edge.to}`);
    expect(edgesOf(stateNodeId('CreateTenant'))).toEqual(['branch->state:CreateTenantItems', 'branch->state:CreateTenantGroup']);
    expect(edgesOf(joinNodeId('CreateTenant'))).toEqual(['next->state:CheckTenantCreated', 'catch->state:RecordCreateTenantFailure']);
    expect(graph.edges.filter((edge) => edge.to === joinNodeId('CreateTenant')).map((edge) => edge.from).sort()).toEqual(
      ['TenantGroupCreated', 'TenantGroupFailed', 'TenantItemsCreated', 'TenantItemsFailed'].map(stateNodeId),
    );
  });

  it('puts the onboarding undo chain in the compensation set, and none of the forward steps', () => {
    // Act
    const { compensation } = graphOf('onboarding');
    // Assess
    for (const name of ['RecordCreateTenantFailure', 'UndoTenant', 'DeleteTenantGroup', 'DeleteTenantItemsAndQuota', 'PublishOnboardingFailed', 'FailOnboarding', 'RestorePreviousAttributes', 'ReleaseTenantQuota', 'TenantGroupFailed', 'TenantItemsFailed']) {
      expect(compensation).toContain(name);
    }
    for (const name of ['GenerateTenantId', 'ReserveTenantQuota', 'CreateTenant', 'CreateTenantGroup', 'AddUserToGroup', 'TenantGroupCreated', 'CheckTenantCreated', 'SetActiveTenant', 'PublishOnboarded', 'ReturnTenant']) {
      expect(compensation).not.toContain(name);
    }
  });

  it.each([
    ['switching', ['RecordGetMembershipFailure', 'RestorePreviousTenant', 'PublishSwitchFailed', 'FailSwitch'], ['GetMembership', 'SetActiveTenant', 'ReturnActiveTenant', 'PublishAccessDenied']],
    ['addMember', ['RemoveUserFromGroup', 'DeleteMembership', 'DeleteMembershipAndRestoreInvitation', 'FailAddMember'], ['WriteMembership', 'AddUserToGroup', 'PublishMemberAdded', 'ReturnMember']],
    ['removeMember', ['UndoRemoval', 'RecreateMembership', 'RestoreActiveTenant', 'FailRemoveMember'], ['DeleteMembership', 'RemoveUserFromGroup', 'ClearActiveTenant', 'ReturnRemoved']],
  ] as const)('%s: the compensation set holds its undo steps and none of its forward steps', (key, undo, forward) => {
    // Act
    const { compensation } = graphOf(key);
    // Assess
    expect([...undo].filter((name) => !compensation.has(name))).toEqual([]);
    expect([...forward].filter((name) => compensation.has(name))).toEqual([]);
  });

  it('keeps a state that a Catch leads to on the main path out of the compensation set', () => {
    // Prepare: an idempotent step whose "already exists" carries on along the main path
    const scope = parseAsl(
      JSON.stringify({
        StartAt: 'Create',
        States: {
          Create: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Next: 'Done', Catch: [{ ErrorEquals: ['Exists'], Next: 'Done' }, { ErrorEquals: ['States.ALL'], Next: 'Undo' }] },
          Done: { Type: 'Succeed' },
          Undo: { Type: 'Pass', Next: 'Failed' },
          Failed: { Type: 'Fail' },
        },
      }),
    );
    // Act
    const compensation = compensationOf(scope);
    // Assess
    expect([...compensation].sort()).toEqual(['Failed', 'Undo']);
  });
});

describe('an execution path laid over the onboarding graph', () => {
  // What a run whose CreateTenantGroup failed entered, branches interleaved as they ran.
  const failedRun = [
    'GenerateTenantId', 'ReserveTenantQuota', 'CreateTenant', 'CreateTenantItems', 'CreateTenantGroup', 'TenantGroupFailed', 'TenantItemsCreated',
    'CheckTenantCreated', 'KeepTenantCreatedError2', 'RecordCreateTenantFailure', 'UndoTenant', 'DeleteTenantGroup', 'DeleteTenantItemsAndQuota',
    'TenantGroupUndone', 'TenantItemsUndone', 'PublishOnboardingFailed', 'FailOnboarding',
  ];

  it('takes the failed step\'s Catch inside its branch, both branches into the join, and the undo Parallel', () => {
    // Prepare
    const graph = graphOf('onboarding');
    // Act
    const overlay = overlayPath(graph, failedRun, [{ state: 'CreateTenantGroup', error: 'States.TaskFailed', cause: 'injected' }]);
    // Assess
    const taken = graph.edges.filter((edge) => overlay.taken.has(edge.id)).map((edge) => `${edge.from} ${edge.kind} ${edge.to}`);
    expect(taken).toEqual(
      expect.arrayContaining([
        'state:CreateTenantGroup catch state:TenantGroupFailed',
        'state:TenantGroupFailed branch join:CreateTenant',
        'state:TenantItemsCreated branch join:CreateTenant',
        'join:CreateTenant next state:CheckTenantCreated',
        'state:UndoTenant branch state:DeleteTenantGroup',
        'join:UndoTenant next state:PublishOnboardingFailed',
      ]),
    );
    expect(taken).not.toContain('state:CreateTenantGroup next state:AddUserToGroup');
    expect(overlay.visited).toContain(joinNodeId('CreateTenant'));
    expect(overlay.visited).not.toContain(stateNodeId('AddUserToGroup'));
    expect(overlay.failed.get(stateNodeId('CreateTenantGroup'))).toEqual({ state: 'CreateTenantGroup', error: 'States.TaskFailed', cause: 'injected' });
  });

  it('marks a step that failed and was retried into the same next state as leaving by its Catch', () => {
    // Prepare: RestorePreviousAttributes goes to UndoTenant both by Next and by Catch
    const graph = graphOf('onboarding');
    const path = ['RestorePreviousAttributes', 'UndoTenant'];
    // Act
    const failedOverlay = overlayPath(graph, path, [{ state: 'RestorePreviousAttributes', error: 'X' }]);
    const passedOverlay = overlayPath(graph, path, []);
    // Assess
    const kinds = (overlay: ReturnType<typeof overlayPath>) => graph.edges.filter((edge) => overlay.taken.has(edge.id) && edge.from === stateNodeId('RestorePreviousAttributes')).map((edge) => edge.kind);
    expect(kinds(failedOverlay)).toEqual(['catch']);
    expect(kinds(passedOverlay)).toEqual(['next']);
  });
});

describe('reading definitions', () => {
  it.each(['not json', '{"States":{}}', '{"StartAt":"A","States":{"A":{}}}', '{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{}]}}}'])('refuses %s with AslShapeError', (text) => {
    // Act / Assess
    expect(() => parseAsl(text)).toThrow(AslShapeError);
  });

  it('labels a Choice rule in a few words', () => {
    // Act / Assess
    expect(choiceLabel({ Variable: '$.previousTenantId', IsNull: true, Next: 'X' })).toBe('$.previousTenantId IsNull true');
    expect(choiceLabel({ And: [{ Variable: '$.a', StringEquals: 'x' }, { Not: { Variable: '$.b', IsPresent: true } }], Next: 'X' })).toBe('And($.a StringEquals "x"; Not($.b IsPresent true))');
  });
});

describe('laying a rendered workflow out', () => {
  it.each(KEYS)('%s: dagre places every node and group inside the drawing and routes every edge', (key) => {
    // Prepare
    const graph = graphOf(key);
    // Act
    const laid = layoutGraph(graph);
    // Assess
    for (const id of [...graph.nodes.map((node) => node.id), ...graph.groups.map((group) => group.id)]) {
      const box = laid.boxes.get(id);
      expect(box).toBeDefined();
      expect(box && box.x - box.width / 2 >= 0 && box.x + box.width / 2 <= laid.width + 1).toBe(true);
    }
    expect(graph.edges.filter((edge) => (laid.edges.get(edge.id)?.points.length ?? 0) < 2)).toEqual([]);
  });

  it('draws each branch of a Parallel inside its group', () => {
    // Prepare
    const laid = layoutGraph(graphOf('onboarding'));
    const inside = (inner: string, outer: string) => {
      const a = laid.boxes.get(inner);
      const b = laid.boxes.get(outer);
      return !!a && !!b && a.x - a.width / 2 >= b.x - b.width / 2 && a.x + a.width / 2 <= b.x + b.width / 2 && a.y - a.height / 2 >= b.y - b.height / 2 && a.y + a.height / 2 <= b.y + b.height / 2;
    };
    // Assess
    expect(inside(stateNodeId('AddUserToGroup'), 'group:CreateTenant#1')).toBe(true);
    expect(inside('group:CreateTenant#1', 'group:CreateTenant')).toBe(true);
    expect(inside(stateNodeId('DeleteTenantGroup'), 'group:UndoTenant')).toBe(true);
  });
});
