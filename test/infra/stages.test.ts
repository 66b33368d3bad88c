import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InvalidContextValueError, stageContext, STAGE_CONTEXT_KEY } from '../../infra/context';
import { DEFAULT_STAGE, MAX_STAGE_LENGTH, NAME_LIMITS, type NamedKind, physicalName, PhysicalNameTooLongError, stackNameFor } from '../../infra/naming';
import { ControlPlaneStack } from '../../infra/stack';
import { FUNCTIONS, type FunctionKey } from '../../handlers/catalog';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';
import { testApp } from './support';

// What the local cloud reads, copied before any stack is built: synthesizing stages must not touch it.
const sharedBefore = JSON.stringify({ FUNCTIONS, WORKFLOWS });

const app = testApp();
const stages = ['dev', 'prod'] as const;
const stacks = stages.map((stage) => new ControlPlaneStack(app, stackNameFor(stage), { functionCode: 'placeholder' }));
const templates = stacks.map((stack) => Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> });

/**
 * `*Name` properties whose values are the same in every stage by design, each scoped to a resource
 * of its own stage or not a resource's name at all: they cannot collide between stages.
 */
const SCOPED_NAMES: Record<string, string> = {
  'AWS::ApiGateway::Stage.StageName': "a stage of the stage's own REST API (v1 in every stage)",
  'AWS::Cognito::UserPoolClient.ClientName': 'a client of its own user pool',
  'AWS::Cognito::IdentityPool.DeveloperProviderName': 'a provider of its own identity pool (domain/identity.ts; every call names the pool id)',
  'AWS::IAM::Policy.PolicyName': 'an inline policy of its own roles',
  'AWS::CloudWatch::Alarm.MetricName': 'the metric an alarm watches, not a name the alarm takes',
};

/** Every literal `*Name` property of every resource, as `Type.Property` → values. References (Ref, GetAtt) name the stack's own resources and are left out. */
function literalNames(template: (typeof templates)[number]): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  for (const resource of Object.values(template.Resources)) {
    for (const [property, value] of Object.entries(resource.Properties ?? {})) {
      if (!property.endsWith('Name') || typeof value !== 'string') continue;
      const key = `${resource.Type}.${property}`;
      names.set(key, (names.get(key) ?? new Set()).add(value));
    }
  }
  return names;
}

describe('two stages in one account', () => {
  const [dev, prod] = templates.map(literalNames) as [Map<string, Set<string>>, Map<string, Set<string>>];

  it('are two stacks, each named for its stage', () => {
    expect(stacks.map((stack) => stack.stackName)).toEqual(['ControlPlane-dev', 'ControlPlane-prod']);
  });

  it('share no physical name, only names scoped to their own resources', () => {
    const collisions = [...dev].flatMap(([key, values]) => [...values].filter((value) => prod.get(key)?.has(value)).map((value) => `${key}=${value}`));

    expect([...new Set(collisions.map((collision) => collision.split('=')[0]))].sort()).toEqual(Object.keys(SCOPED_NAMES).sort());
  });

  it.each(stages.map((stage, i) => [stage, i] as const))('name every %s resource that is named, with the stage in the name', (stage, i) => {
    const names = [...literalNames(templates[i] as (typeof templates)[number])].filter(([key]) => !(key in SCOPED_NAMES)).flatMap(([key, values]) => [...values].map((value) => [key, value]));
    const stackName = stackNameFor(stage);
    // CDK's generated names (the bus, the authorizer) drop the hyphen: ControlPlanedevEventsBus….
    const withoutStage = names.filter(([, value]) => !value?.includes(stackName) && !value?.includes(stackName.replace('-', '')));

    expect(names.length).toBeGreaterThan(Object.keys(FUNCTIONS).length);
    expect(withoutStage).toEqual([]);
  });

  it('name the functions and state machines with the catalog names the local cloud uses as their stems', () => {
    const named = (type: string, property: string) =>
      Object.values(templates[0]?.Resources ?? {})
        .filter((resource) => resource.Type === type)
        .map((resource) => resource.Properties?.[property])
        .sort();

    expect(named('AWS::Lambda::Function', 'FunctionName')).toEqual((Object.keys(FUNCTIONS) as FunctionKey[]).map((key) => `ControlPlane-dev-${FUNCTIONS[key].name}`).sort());
    expect(named('AWS::StepFunctions::StateMachine', 'StateMachineName')).toEqual(
      (Object.keys(WORKFLOWS) as WorkflowKey[]).map((key) => `ControlPlane-dev-${WORKFLOWS[key].name}`).sort(),
    );
  });

  it('leave the shared catalogs that the local cloud names its resources from as they were', () => {
    expect(JSON.stringify({ FUNCTIONS, WORKFLOWS })).toEqual(sharedBefore);
  });
});

describe('the stage context value', () => {
  const contextOf = (stage?: unknown) => new App({ context: stage === undefined ? {} : { [STAGE_CONTEXT_KEY]: stage } });

  it(`is ${DEFAULT_STAGE} when not given`, () => {
    expect(stageContext(contextOf())).toBe(DEFAULT_STAGE);
  });

  it.each(['prod', 'dev2', 'a', 'abcdefghijkl'])('takes %s', (stage) => {
    expect(stageContext(contextOf(stage))).toBe(stage);
  });

  it.each([['Prod'], ['pr-od'], ['2dev'], [''], ['abcdefghijklm'], ['dev '], [7]])('refuses %j with an error naming the key', (stage) => {
    expect(() => stageContext(contextOf(stage))).toThrow(InvalidContextValueError);
    expect(() => stageContext(contextOf(stage))).toThrow(/Context 'stage' must be/);
  });
});

describe('the longest stage', () => {
  const longest = 'a'.repeat(MAX_STAGE_LENGTH);
  const longApp = testApp();
  const stack = new ControlPlaneStack(longApp, stackNameFor(longest), { functionCode: 'placeholder' });
  const names = literalNames(Template.fromStack(stack).toJSON() as (typeof templates)[number]);

  const LIMITED: Record<string, NamedKind> = {
    'AWS::Lambda::Function.FunctionName': 'lambdaFunction',
    'AWS::StepFunctions::StateMachine.StateMachineName': 'stateMachine',
    'AWS::Logs::LogGroup.LogGroupName': 'logGroup',
    'AWS::CloudWatch::Alarm.AlarmName': 'alarm',
    'AWS::Cognito::UserPool.UserPoolName': 'userPool',
    'AWS::Cognito::IdentityPool.IdentityPoolName': 'identityPool',
    'AWS::ApiGateway::RestApi.Name': 'restApi',
  };

  it.each(Object.entries(LIMITED))('keeps every %s within its limit', (key, kind) => {
    const values = [...(names.get(key) ?? [])];

    expect(values.length).toBeGreaterThan(0);
    expect(values.filter((value) => value.length > NAME_LIMITS[kind])).toEqual([]);
  });

  it('gives a stack name CloudFormation accepts (a letter, then letters, digits and hyphens, at most 128)', () => {
    expect(stack.stackName).toMatch(/^[A-Za-z][A-Za-z0-9-]{0,127}$/);
  });
});

describe('a physical name over its limit', () => {
  it('stops the synth with the kind, the name and the limit', () => {
    const stack = new Stack(new App(), `${'S'.repeat(60)}`);

    expect(() => physicalName(stack, 'lambdaFunction', 'CreateReservation')).toThrow(PhysicalNameTooLongError);
    expect(() => physicalName(stack, 'lambdaFunction', 'CreateReservation')).toThrow(/the limit is 64/);
    expect(physicalName(stack, 'alarm', 'CreateReservation')).toBe(`${'S'.repeat(60)}-CreateReservation`);
  });
});
