import type { FunctionDefinition } from '../../handlers/catalog';
import { LAMBDA_PLATFORM } from '../../infra/bundling';
import type { AwsRequest, AwsResponse } from '../server/types';
import { restError } from './rest-errors';

/** ListFunctions (`GET /2015-03-31/functions/`), GetFunction and GetFunctionConfiguration (Lambda API Reference). */
export const LIST_FUNCTIONS_PATH = /^\/2015-03-31\/functions\/?$/;
export const GET_FUNCTION_PATH = /^\/2015-03-31\/functions\/([^/]+)(\/configuration)?$/;

/**
 * A function as GetFunction's `Configuration` and ListFunctions' entries describe it (Lambda API
 * Reference, FunctionConfiguration), from the catalog entry the CDK app deploys. What only a
 * deployment has is left out rather than made up: no CodeSha256, CodeSize or LastModified (there
 * is no package), no Role (the local cloud runs functions with its own credentials today).
 */
export function functionConfiguration(definition: FunctionDefinition, arn: string, environment: (name: string) => string | undefined) {
  const variables = Object.fromEntries(definition.environment.flatMap((name) => {
    const value = environment(name);
    return value === undefined ? [] : [[name, value]];
  }));
  return {
    FunctionName: definition.name,
    FunctionArn: arn,
    Runtime: LAMBDA_PLATFORM.runtime,
    Architectures: [LAMBDA_PLATFORM.architecture],
    Handler: 'index.handler',
    Timeout: definition.timeoutSeconds,
    MemorySize: definition.memoryMb,
    Version: '$LATEST',
    PackageType: 'Zip',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    Environment: { Variables: variables },
  };
}

/** ListFunctions' page size when MaxItems is absent (the API Reference: "up to 50 functions"). */
export const LIST_FUNCTIONS_PAGE = 50;

const json = (body: unknown): AwsResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** ListFunctions and GetFunction(Configuration): read-only, from the catalog this cloud runs. */
export function describeFunctions(
  request: AwsRequest,
  catalog: {
    readonly byName: ReadonlyMap<string, FunctionDefinition>;
    readonly arnOf: (name: string) => string;
    readonly resolveName: (identifier: string) => string;
    /** The function's declared variables as its workers get them. */
    readonly variablesOf: (definition: FunctionDefinition) => Readonly<Record<string, string>>;
  },
): AwsResponse {
  const { byName, arnOf } = catalog;
  const configurationOf = (definition: FunctionDefinition) => functionConfiguration(definition, arnOf(definition.name), (name) => catalog.variablesOf(definition)[name]);
  if (LIST_FUNCTIONS_PATH.test(request.path)) {
    const all = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    const maxItems = Number(request.query.get('MaxItems') ?? LIST_FUNCTIONS_PAGE);
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10_000) {
      return restError(400, 'InvalidParameterValueException', `MaxItems must be from 1 to 10000, not ${request.query.get('MaxItems')}`);
    }
    const marker = request.query.get('Marker');
    const start = marker ? all.findIndex((definition) => definition.name > marker) : 0;
    const page = start < 0 ? [] : all.slice(start, start + maxItems);
    const last = page[page.length - 1];
    const more = start >= 0 && start + maxItems < all.length && last !== undefined;
    return json({ Functions: page.map(configurationOf), ...(more ? { NextMarker: last.name } : {}) });
  }
  const [, identifier = '', configurationOnly] = GET_FUNCTION_PATH.exec(request.path) ?? [];
  const name = catalog.resolveName(identifier);
  const definition = byName.get(name);
  if (!definition) return restError(404, 'ResourceNotFoundException', `Function not found: ${arnOf(name)}`);
  // No Code member: there is no deployment package to point at (GetFunction's Code.Location is a presigned S3 URL).
  return json(configurationOnly ? configurationOf(definition) : { Configuration: configurationOf(definition) });
}
