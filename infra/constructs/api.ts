import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  MockIntegration,
  RequestAuthorizer,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct, Node } from 'constructs';
import { type EnvironmentName, FUNCTIONS } from '../../handlers/catalog';
import {
  allowedMethods,
  CORS_CONTEXT_KEY,
  parseAllowedOrigins,
  PREFLIGHT_STATUS,
  preflightStaticHeaders,
} from '../../handlers/api/cors';
import { GATEWAY_RESPONSES, type GatewayResponseType, gatewayResponseBody, gatewayResponseHeaders } from '../../handlers/api/gateway-responses';
import { AUTHORIZER, type RouteDefinition } from '../../handlers/api/routes';
import { physicalName } from '../naming';

export interface ApiProps {
  readonly routes: readonly RouteDefinition[];
  /** The function a route or the authorizer names (catalog `name`). */
  readonly functionNamed: (name: string) => IFunction | undefined;
  readonly retainLogs: boolean;
}

export class UnknownRouteFunctionError extends Error {
  constructor(
    readonly route: string,
    readonly functionName: string,
  ) {
    super(`${route}: no function named ${functionName} in handlers/catalog.ts`);
    this.name = 'UnknownRouteFunctionError';
  }
}

export const STAGE_NAME = 'v1';

/** Stage-wide limits per second; a client over them gets the contract's 429 `Throttled`. */
export const THROTTLING = { rateLimit: 100, burstLimit: 200 } as const;

/**
 * Routes that run a workflow are held under the Cognito quota the workflow spends (DESIGN.md §8):
 * an excess request gets a clean 429 instead of a run that hits TooManyRequests and compensates.
 */
const WORKFLOW_THROTTLING: Partial<Record<EnvironmentName, { rateLimit: number; burstLimit: number }>> = {
  // CreateGroup: 5 per second per user pool.
  ONBOARDING_STATE_MACHINE_ARN: { rateLimit: 5, burstLimit: 5 },
  // AdminUpdateUserAttributes: 25 per second per account, shared with onboarding.
  SWITCHING_STATE_MACHINE_ARN: { rateLimit: 20, burstLimit: 20 },
};

function workflowThrottling(functionName: string): { rateLimit: number; burstLimit: number } | undefined {
  const definition = Object.values(FUNCTIONS).find((candidate) => candidate.name === functionName);
  const environment: readonly EnvironmentName[] = definition?.environment ?? [];
  return environment.map((name) => WORKFLOW_THROTTLING[name]).find((limit) => limit !== undefined);
}

/**
 * The allowed CORS origins of the app this construct is in (`-c corsOrigins=…`), read from the
 * context so that the API and the functions' variable cannot disagree. `*` or a malformed origin
 * stops synthesis (WildcardOriginError, InvalidOriginError).
 */
export function allowedOriginsOf(scope: IConstruct): readonly string[] {
  return parseAllowedOrigins(Node.of(scope).tryGetContext(CORS_CONTEXT_KEY));
}

/**
 * The VTL of a preflight's integration response: it sets Access-Control-Allow-Origin only when the
 * request's Origin is allowed (`$context.responseOverride`, API Gateway developer guide "Override
 * your API's request and response parameters and status codes"); any other origin gets no such
 * header. Origins are validated (handlers/api/cors.ts), so none can break out of the string literal.
 */
function preflightOriginTemplate(origins: readonly string[]): string {
  const condition = origins.map((origin) => `$origin == "${origin}"`).join(' || ');
  return [
    '#set($origin = $input.params().header.get("Origin"))',
    '#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#end',
    `#if(${condition})`,
    '#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
    '#end',
  ].join('\n');
}

/** `{userId}` in a route path is a required path parameter of the method. */
const pathParameters = (routePath: string): string[] => [...routePath.matchAll(/\{([^}]+)\}/g)].map(([, name = '']) => name);

/**
 * One JSON line per request in the stage's access log: the standard fields, who called (the
 * authorizer's principal, the user id), and why a request failed: the gateway's error and response
 * type, the authorizer's status, error and latency, the integration's status, error and latency.
 * Never `$context.authorizer.<key>` of the context the authorizer returns: that holds the caller's
 * tenant credentials (an infra test keeps it so).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: AccessLogField.contextRequestId(),
  extendedRequestId: AccessLogField.contextExtendedRequestId(),
  ip: AccessLogField.contextIdentitySourceIp(),
  requestTime: AccessLogField.contextRequestTime(),
  httpMethod: AccessLogField.contextHttpMethod(),
  resourcePath: AccessLogField.contextResourcePath(),
  status: AccessLogField.contextStatus(),
  protocol: AccessLogField.contextProtocol(),
  responseLength: AccessLogField.contextResponseLength(),
  responseLatency: AccessLogField.contextResponseLatency(),
  userId: AccessLogField.contextAuthorizerPrincipalId(),
  errorMessage: AccessLogField.contextErrorMessage(),
  errorResponseType: AccessLogField.contextErrorResponseType(),
  authorizerStatus: AccessLogField.contextAuthorizerStatus(),
  authorizerError: AccessLogField.contextAuthorizerError(),
  authorizerLatency: AccessLogField.contextAuthorizerLatency(),
  integrationStatus: AccessLogField.contextIntegrationStatus(),
  integrationError: AccessLogField.contextIntegrationErrorMessage(),
  integrationLatency: AccessLogField.contextIntegrationLatency(),
} as const;

/**
 * The REST API of handlers/api/routes.ts: Lambda proxy integrations, every method behind the
 * REQUEST authorizer, API Gateway's own errors in the contract's shape.
 */
export class ControlPlaneApi extends Construct {
  readonly restApi: RestApi;
  readonly authorizer: RequestAuthorizer;
  /** The stage's base URL without a trailing slash, as `apiUrl` in API.md: clients append `/me`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const functionNamed = (route: string, name: string): IFunction => {
      const fn = props.functionNamed(name);
      if (!fn) throw new UnknownRouteFunctionError(route, name);
      return fn;
    };

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const methodOptions: Record<string, MethodDeploymentOptions> = {};
    for (const route of props.routes) {
      const limit = workflowThrottling(route.functionName);
      if (limit) {
        methodOptions[`${route.path}/${route.method}`] = { throttlingRateLimit: limit.rateLimit, throttlingBurstLimit: limit.burstLimit };
      }
    }

    this.authorizer = new RequestAuthorizer(this, 'Authorizer', {
      handler: functionNamed('authorizer', AUTHORIZER.functionName),
      identitySources: [IdentitySource.header(AUTHORIZER.identityHeader)],
      resultsCacheTtl: Duration.seconds(AUTHORIZER.resultTtlSeconds),
    });

    this.restApi = new RestApi(this, 'Api', {
      // API Gateway's metrics are keyed by ApiName and Stage (`v1` in every stage): without the
      // stage in the name, two stages' alarms would watch each other's requests.
      restApiName: physicalName(this, 'restApi', 'Api'),
      description: 'Control plane and sample data plane (API.md)',
      endpointTypes: [EndpointType.REGIONAL],
      // The API Gateway account's CloudWatch role is one per account and region: a stack must not own it.
      cloudWatchRole: false,
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        // Execution logs need that account role; request bodies (refresh tokens) must never be logged anyway.
        loggingLevel: MethodLoggingLevel.OFF,
        dataTraceEnabled: false,
        throttlingRateLimit: THROTTLING.rateLimit,
        throttlingBurstLimit: THROTTLING.burstLimit,
        methodOptions,
      },
      defaultMethodOptions: { authorizer: this.authorizer, authorizationType: AuthorizationType.CUSTOM },
    });

    // Bodies are validated by each handler (zod) so that a 400 carries the contract's `details` in
    // both runtimes; the gateway checks only what costs nothing: the header and path parameters.
    const requestValidator = this.restApi.addRequestValidator('Parameters', { validateRequestParameters: true });
    for (const route of props.routes) {
      const fn = functionNamed(`${route.method} ${route.path}`, route.functionName);
      this.restApi.root.resourceForPath(route.path).addMethod(route.method, new LambdaIntegration(fn, { allowTestInvoke: false }), {
        requestValidator,
        requestParameters: {
          [`method.request.header.${AUTHORIZER.identityHeader}`]: true,
          ...Object.fromEntries(pathParameters(route.path).map((name) => [`method.request.path.${name}`, true])),
        },
      });
    }

    const origins = allowedOriginsOf(this);
    if (origins.length > 0) this.addPreflights(props.routes, origins);

    for (const type of Object.keys(GATEWAY_RESPONSES) as GatewayResponseType[]) {
      this.restApi.addGatewayResponse(type, {
        type: ResponseType.of(type),
        statusCode: String(GATEWAY_RESPONSES[type].statusCode),
        responseHeaders: gatewayResponseHeaders(origins),
        templates: { 'application/json': gatewayResponseBody(type) },
      });
    }

    // RestApi adds an `Endpoint` output of its own, with a trailing slash; the stack's `apiUrl` replaces it.
    this.restApi.node.tryRemoveChild('Endpoint');
    const stack = Stack.of(this);
    this.url = `https://${this.restApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${STAGE_NAME}`;

    Validations.of(this.restApi).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'The gateway validates the Authorization header and path parameters; bodies are validated by each handler ' +
          "(zod), so that a 400 carries the contract's ValidationError with its details in the deployed and the local API alike.",
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'A web ACL is priced per deployment and its rules depend on the traffic the operator expects; the stage throttles ' +
          'per method and every method needs a valid token before any handler runs.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging needs the per-account API Gateway CloudWatch role, which a stack must not own; access logs record ' +
          'every request and X-Ray traces every call.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'The REQUEST authorizer verifies the Cognito ID token itself and exchanges it for tenant-scoped credentials and ' +
          'membership checks, which a Cognito user pool authorizer cannot do.',
      },
    );
  }

  /**
   * One `OPTIONS` method per resource of the route table, answered by API Gateway itself (a MOCK
   * integration) without the authorizer: a browser's preflight carries no Authorization header.
   * cdk-nag needs no acknowledgement for them: AwsSolutions-APIG4 counts an OPTIONS method whose
   * responses are 204 with `Access-Control-Allow-*` headers as a CORS preflight (not applicable),
   * and AwsSolutions-COG4 skips every OPTIONS method (cdk-nag's APIGWAuthorization and
   * CognitoUserPoolAPIGWAuthorizer rules); the CORS stack's cdk-nag test keeps that true.
   */
  private addPreflights(routes: readonly RouteDefinition[], origins: readonly string[]): void {
    for (const path of [...new Set(routes.map((route) => route.path))]) {
      const headers = Object.entries(preflightStaticHeaders(allowedMethods(path, routes)));
      const status = String(PREFLIGHT_STATUS);
      this.restApi.root.resourceForPath(path).addMethod(
        'OPTIONS',
        new MockIntegration({
          requestTemplates: { 'application/json': '{ "statusCode": 200 }' },
          integrationResponses: [
            {
              statusCode: status,
              responseParameters: Object.fromEntries(headers.map(([name, value]) => [`method.response.header.${name}`, `'${value}'`])),
              responseTemplates: { 'application/json': preflightOriginTemplate(origins) },
            },
          ],
        }),
        {
          // Overrides the API's default (the REQUEST authorizer), as CDK's own addCorsPreflight does.
          authorizationType: AuthorizationType.NONE,
          methodResponses: [
            {
              statusCode: status,
              responseParameters: Object.fromEntries(
                [...headers.map(([name]) => name), 'Access-Control-Allow-Origin'].map((name) => [`method.response.header.${name}`, true]),
              ),
            },
          ],
        },
      );
    }
  }
}
