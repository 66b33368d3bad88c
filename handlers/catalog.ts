/**
 * Every Lambda function of the control plane, defined once: the CDK app bundles each entry with
 * esbuild, the local cloud imports the same entry and runs its `handler` export in process.
 *
 * `environment` names the variables a function reads; their values come from the deployment
 * (CDK) or the running local cloud, which set the matching permission/resource together.
 */
export type EnvironmentName = 'EVENT_BUS_NAME' | 'TABLE_NAME' | 'USER_POOL_ID' | 'USER_POOL_CLIENT_ID' | 'IDENTITY_POOL_ID';

export interface FunctionDefinition {
  /** The deployed function name's stem and the local function name. */
  readonly name: string;
  /** Path from the project root to the module exporting `handler`. */
  readonly entry: string;
  readonly environment: readonly EnvironmentName[];
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export const FUNCTIONS = {
  postConfirmation: {
    name: 'PostConfirmation',
    entry: 'handlers/post-confirmation/index.ts',
    environment: ['EVENT_BUS_NAME'],
    // Cognito gives a trigger 5 seconds in all; the function publishes one event and returns.
    timeoutSeconds: 5,
    memoryMb: 256,
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionKey = keyof typeof FUNCTIONS;
