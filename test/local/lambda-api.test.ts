import { GetFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { FUNCTIONS } from '../../handlers/catalog';
import { LAMBDA_PLATFORM } from '../../infra/bundling';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { mintCredentials, outputs } from './support';

const lambda = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL_ADMIN_CREDENTIALS): LambdaClient =>
  new LambdaClient({ endpoint: outputs().endpoint, region: outputs().region, credentials, maxAttempts: 1 });

describe("the local Lambda API's read operations", () => {
  it('lists every function of the catalog, paged by MaxItems and Marker', async () => {
    const client = lambda();
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new ListFunctionsCommand({ MaxItems: 5, ...(marker ? { Marker: marker } : {}) }));
      expect((page.Functions ?? []).length).toBeLessThanOrEqual(5);
      names.push(...(page.Functions ?? []).map((fn) => fn.FunctionName ?? ''));
      marker = page.NextMarker;
    } while (marker);

    expect(names.sort()).toEqual(Object.values(FUNCTIONS).map((fn) => fn.name).sort());
  });

  it('describes a function as deployed: runtime, architecture, timeout, memory, and only its declared variables', async () => {
    const definition = FUNCTIONS.authorizer;

    const { Configuration } = await lambda().send(new GetFunctionCommand({ FunctionName: definition.name }));
    const configurationOnly = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: definition.name }));

    expect(Configuration).toMatchObject({
      FunctionName: definition.name,
      Runtime: LAMBDA_PLATFORM.runtime,
      Architectures: [LAMBDA_PLATFORM.architecture],
      Timeout: definition.timeoutSeconds,
      MemorySize: definition.memoryMb,
    });
    expect(Object.keys(Configuration?.Environment?.Variables ?? {}).sort()).toEqual([...definition.environment].sort());
    expect(configurationOnly.FunctionArn).toBe(Configuration?.FunctionArn);
  });

  it('answers an unknown function with ResourceNotFoundException', async () => {
    await expect(lambda().send(new GetFunctionCommand({ FunctionName: 'NoSuchFunction' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses tenant credentials, which hold no lambda:ListFunctions or lambda:GetFunction', async () => {
    const client = lambda(await mintCredentials({ userId: 'lambda-reader', tenantId: 'lambda-tenant' }));

    await expect(client.send(new ListFunctionsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('lambda:ListFunctions') });
    await expect(client.send(new GetFunctionCommand({ FunctionName: FUNCTIONS.authorizer.name }))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('lambda:GetFunction') });
  });
});
