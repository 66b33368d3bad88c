import { InvalidOutputsFileError, operatorClientConfig, parseStackOutputs, requiredOutput } from '../../infra/operations/outputs';

const shared = {
  region: 'eu-west-1',
  apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1',
  userPoolId: 'eu-west-1_pool',
  userPoolClientId: 'client',
  identityPoolId: 'eu-west-1:pool',
  tableName: 'ControlPlane-dev-Table',
  eventBusName: 'ControlPlane-dev-Bus',
};
const machines = { onboarding: 'arn:aws:states:eu-west-1:1:stateMachine:ControlPlane-dev-Onboarding' };
const credentials = { accessKeyId: 'LOCALADMINKEY', secretAccessKey: 'local-admin-secret' };

describe("reading either runtime's outputs file", () => {
  it('reads the local cloud\'s flat file as the local target, reached at its endpoint with the given credentials', () => {
    const text = JSON.stringify({ ...shared, endpoint: 'http://127.0.0.1:4566', consoleUrl: 'http://127.0.0.1:4566/_local/console', stateMachines: machines });

    const outputs = parseStackOutputs('outputs.json', text);

    expect({ target: outputs.target, stateMachines: outputs.stateMachines, tableName: outputs.tableName }).toEqual({ target: 'local', stateMachines: machines, tableName: shared.tableName });
    expect(operatorClientConfig(outputs, credentials)).toEqual({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566', credentials, disableHostPrefix: true });
  });

  it("reads cdk's file of one stack as a deployed target, its state machines out of their JSON string, with the default credential chain", () => {
    const text = JSON.stringify({ 'ControlPlane-dev': { ...shared, stateMachines: JSON.stringify(machines), reconcilerFunctionName: 'ControlPlane-dev-Reconciler' } });

    const outputs = parseStackOutputs('cdk-outputs.json', text);

    expect({ target: outputs.target, stateMachines: outputs.stateMachines, endpoint: outputs.endpoint }).toEqual({ target: 'aws', stateMachines: machines, endpoint: undefined });
    expect(requiredOutput(outputs, 'reconcilerFunctionName')).toBe('ControlPlane-dev-Reconciler');
    expect(operatorClientConfig(outputs, credentials)).toEqual({ region: 'eu-west-1' });
  });

  it('asks for --stack when the file holds several stacks, and takes the one named', () => {
    const stack = { ...shared, stateMachines: JSON.stringify(machines) };
    const text = JSON.stringify({ 'ControlPlane-dev': stack, 'ControlPlane-prod': { ...stack, region: 'us-east-1' } });

    expect(() => parseStackOutputs('cdk-outputs.json', text)).toThrow(/name one with --stack/);
    expect(parseStackOutputs('cdk-outputs.json', text, 'ControlPlane-prod').region).toBe('us-east-1');
  });

  it.each([
    ['not JSON', '{', /it is not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['a missing output, named', JSON.stringify({ S: { ...shared, tableName: undefined, stateMachines: '{}' } }), /S: tableName/],
    ['state machines that are no JSON', JSON.stringify({ S: { ...shared, stateMachines: 'nope' } }), /stateMachines is not JSON/],
  ])('refuses %s with a message that names the problem', (_case, text, message) => {
    expect(() => parseStackOutputs('f.json', text)).toThrow(InvalidOutputsFileError);
    expect(() => parseStackOutputs('f.json', text)).toThrow(message);
  });

  it('names an output another part adds when a stack deployed before it lacks it', () => {
    const outputs = parseStackOutputs('f.json', JSON.stringify({ S: { ...shared, stateMachines: '{}' } }));

    expect(() => requiredOutput(outputs, 'asyncFailureQueueUrl')).toThrow(/no asyncFailureQueueUrl output/);
  });
});
