import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CORS_CONTEXT_KEY, CORS_ENVIRONMENT_VARIABLE, CORS_MAX_AGE_SECONDS, InvalidOriginError, WildcardOriginError } from '../../handlers/api/cors';
import { GATEWAY_RESPONSES, type GatewayResponseType } from '../../handlers/api/gateway-responses';
import { FUNCTIONS } from '../../handlers/catalog';
import { AUTHORIZER, ROUTES } from '../../handlers/api/routes';
import { STAGE_NAME, THROTTLING } from '../../infra/constructs/api';
import { ControlPlaneStack } from '../../infra/stack';
import { cdkContext, onlyResource, resourcePaths, testApp } from './support';

const app = testApp();
const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
const template = Template.fromStack(stack);
const ref = (token: string): unknown => stack.resolve(token);

const functionArn = (name: string): unknown => {
  const fn = stack.functions.byName(name);
  if (!fn) throw new Error(`No function ${name}`);
  return { 'Fn::GetAtt': [stack.getLogicalId(fn.node.defaultChild as CfnFunction), 'Arn'] };
};

interface CfnMethod {
  HttpMethod: string;
  ResourceId: { Ref: string };
  AuthorizationType: string;
  AuthorizerId: unknown;
  RequestParameters?: Record<string, boolean>;
  RequestValidatorId?: unknown;
  Integration: { Type: string; IntegrationHttpMethod: string; Uri: unknown };
}

const paths = resourcePaths(template);
const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map(
  (method) => (method as { Properties: CfnMethod }).Properties,
);
const methodFor = (method: string, path: string): CfnMethod | undefined =>
  methods.find((candidate) => candidate.HttpMethod === method && paths.get(candidate.ResourceId.Ref) === path);

const authorizer = onlyResource(template, 'AWS::ApiGateway::Authorizer');

describe('the routes of handlers/api/routes.ts', () => {
  it('are the only methods of the API', () => {
    expect(methods).toHaveLength(ROUTES.length);
  });

  describe.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))('%s', (_name, route) => {
    it('exists', () => {
      expect(methodFor(route.method, route.path)).toBeDefined();
    });

    it('is behind the REQUEST authorizer', () => {
      expect(methodFor(route.method, route.path)).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizer.logicalId },
      });
    });

    it('proxies to its function', () => {
      const integration = methodFor(route.method, route.path)?.Integration;

      expect(integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(integration?.Uri)).toContain(JSON.stringify(functionArn(route.functionName)));
    });

    it('requires the Authorization header, checked by the request validator', () => {
      const method = methodFor(route.method, route.path);
      const validator = onlyResource(template, 'AWS::ApiGateway::RequestValidator');

      expect(method?.RequestParameters).toMatchObject({ [`method.request.header.${AUTHORIZER.identityHeader}`]: true });
      expect(method?.RequestValidatorId).toEqual({ Ref: validator.logicalId });
      expect(validator.Properties).toMatchObject({ ValidateRequestParameters: true });
    });
  });
});

describe('the authorizer', () => {
  it('is a REQUEST authorizer keyed and cached on the Authorization header', () => {
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: `method.request.header.${AUTHORIZER.identityHeader}`,
      AuthorizerResultTtlInSeconds: AUTHORIZER.resultTtlSeconds,
    });
  });

  it('runs the catalog authorizer function', () => {
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(JSON.stringify(functionArn(AUTHORIZER.functionName)));
  });
});

describe('the gateway responses', () => {
  const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).map(
    (response) => (response as { Properties: Record<string, unknown> }).Properties,
  );

  it('are exactly the shared ones', () => {
    expect(responses.map((response) => response.ResponseType).sort()).toEqual(Object.keys(GATEWAY_RESPONSES).sort());
  });

  it.each(Object.keys(GATEWAY_RESPONSES) as GatewayResponseType[])('%s answers with its status and the contract error body', (type) => {
    const response = responses.find((candidate) => candidate.ResponseType === type);
    const { statusCode, code, message } = GATEWAY_RESPONSES[type];

    expect(response?.StatusCode).toBe(String(statusCode));
    expect(JSON.parse((response?.ResponseTemplates as Record<string, string>)['application/json'] ?? 'null')).toEqual({
      error: { code, message },
    });
    expect(response?.ResponseParameters).toEqual({ 'gatewayresponse.header.Content-Type': "'application/json'" });
  });
});

describe('the stage', () => {
  const stage = onlyResource(template, 'AWS::ApiGateway::Stage');
  const settings = stage.Properties.MethodSettings as Record<string, unknown>[];

  it('is traced', () => {
    expect(stage.Properties.TracingEnabled).toBe(true);
  });

  it('writes access logs to a log group with a retention', () => {
    const destination = (stage.Properties.AccessLogSetting as { DestinationArn: { 'Fn::GetAtt': [string, string] } }).DestinationArn;
    const logGroup = template.findResources('AWS::Logs::LogGroup')[destination['Fn::GetAtt'][0]] as { Properties: Record<string, unknown> };

    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  it("logs, per request, why it failed: the gateway's error, the authorizer's status and error, the integration's status", () => {
    const format = JSON.parse((stage.Properties.AccessLogSetting as { Format: string }).Format) as Record<string, string>;

    expect(format).toMatchObject({
      status: '$context.status',
      userId: '$context.authorizer.principalId',
      errorResponseType: '$context.error.responseType',
      authorizerStatus: '$context.authorizer.status',
      authorizerError: '$context.authorizer.error',
      integrationStatus: '$context.integrationStatus',
      integrationError: '$context.integrationErrorMessage',
    });
  });

  it("never logs the authorizer's context, which holds the caller's tenant credentials", () => {
    const format = (stage.Properties.AccessLogSetting as { Format: string }).Format;
    const authorizerFields = [...format.matchAll(/\$context\.authorizer\.([A-Za-z]+)/g)].map((match) => match[1]);

    expect([...new Set(authorizerFields)].sort()).toEqual(['error', 'latency', 'principalId', 'status'].sort());
    expect(format).not.toMatch(/accessKeyId|secretAccessKey|sessionToken|Authorization/);
  });

  it('throttles every method by default and never logs request data', () => {
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: THROTTLING.rateLimit,
        ThrottlingBurstLimit: THROTTLING.burstLimit,
        DataTraceEnabled: false,
      }),
    );
    expect(settings.filter((setting) => setting.DataTraceEnabled === true)).toEqual([]);
  });

  it('holds the workflow routes under the Cognito quotas they spend', () => {
    const limit = (method: string, path: string) =>
      settings.find((setting) => setting.HttpMethod === method && setting.ResourcePath === `/~1${path.slice(1).replaceAll('/', '~1')}`);

    expect(limit('POST', '/tenants')).toMatchObject({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 5 });
    expect(limit('PUT', '/tenants/active')).toMatchObject({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 20 });
  });
});

describe('the apiUrl output', () => {
  it('is the stage URL without a trailing slash', () => {
    const restApi = onlyResource(template, 'AWS::ApiGateway::RestApi');
    const value = template.findOutputs('apiUrl').apiUrl?.Value;

    expect(value).toEqual({
      'Fn::Join': [
        '',
        ['https://', { Ref: restApi.logicalId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, `/${STAGE_NAME}`],
      ],
    });
    expect(ref(stack.api.url)).toEqual(value);
  });
});

describe('CORS', () => {
  const APP = 'https://app.example.com';
  const ADMIN = 'https://admin.example.com';
  const stackWith = (corsOrigins: string, id = 'ControlPlane'): ControlPlaneStack =>
    new ControlPlaneStack(new App({ context: { ...cdkContext(), [CORS_CONTEXT_KEY]: corsOrigins }, builtinCloudFormationValidation: false }), id, {
      functionCode: 'placeholder',
    });
  const gatewayResponses = (from: Template): Record<string, unknown>[] =>
    Object.values(from.findResources('AWS::ApiGateway::GatewayResponse')).map((response) => (response as { Properties: Record<string, unknown> }).Properties);

  describe('with no origins configured', () => {
    it('has no OPTIONS method', () => {
      expect(methods.filter((method) => method.HttpMethod === 'OPTIONS')).toEqual([]);
    });

    it('gives the functions an empty list of origins', () => {
      const fn = stack.functions.byName(FUNCTIONS.getMe.name)?.node.defaultChild as CfnFunction;
      const variables = (template.findResources('AWS::Lambda::Function')[stack.getLogicalId(fn)] as { Properties: { Environment: { Variables: Record<string, unknown> } } })
        .Properties.Environment.Variables;

      expect(variables[CORS_ENVIRONMENT_VARIABLE]).toBe('');
    });
  });

  it("refuses '*' when the app is synthesized", () => {
    expect(() => stackWith('*')).toThrow(WildcardOriginError);
  });

  it('refuses an origin no browser sends', () => {
    expect(() => stackWith(`${APP}/`)).toThrow(InvalidOriginError);
  });

  describe('with two origins', () => {
    const corsStack = stackWith(`${APP},${ADMIN}`);
    const corsTemplate = Template.fromStack(corsStack);
    const corsPaths = resourcePaths(corsTemplate);
    const preflights = Object.values(corsTemplate.findResources('AWS::ApiGateway::Method'))
      .map((method) => (method as { Properties: CfnMethod & Record<string, unknown> }).Properties)
      .filter((method) => method.HttpMethod === 'OPTIONS');
    const preflightFor = (path: string) => preflights.find((method) => corsPaths.get(method.ResourceId.Ref) === path);
    const integrationResponse = (path: string) =>
      (preflightFor(path)?.Integration as unknown as { IntegrationResponses: { StatusCode: string; ResponseParameters: Record<string, string>; ResponseTemplates: Record<string, string> }[] })
        .IntegrationResponses[0];
    const routePaths = [...new Set(ROUTES.map((route) => route.path))];

    it('has one OPTIONS method per resource of the route table, and no other', () => {
      expect(preflights.map((method) => corsPaths.get(method.ResourceId.Ref)).sort()).toEqual([...routePaths].sort());
    });

    it.each(routePaths)('OPTIONS %s is answered by API Gateway itself, without the authorizer', (path) => {
      expect(preflightFor(path)).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'MOCK' } });
      expect(preflightFor(path)?.AuthorizerId).toBeUndefined();
    });

    it.each(routePaths)('OPTIONS %s allows the methods of its routes, the three request headers and a max age', (path) => {
      const methodsOfPath = [...ROUTES.filter((route) => route.path === path).map((route) => route.method), 'OPTIONS'].sort().join(',');

      expect(integrationResponse(path)).toMatchObject({
        StatusCode: '204',
        ResponseParameters: {
          'method.response.header.Access-Control-Allow-Methods': `'${methodsOfPath}'`,
          'method.response.header.Access-Control-Allow-Headers': "'Authorization,Content-Type,Idempotency-Key'",
          'method.response.header.Access-Control-Max-Age': `'${CORS_MAX_AGE_SECONDS}'`,
          'method.response.header.Vary': "'Origin'",
        },
      });
    });

    it('names the allowed origin only when the request comes from one of them', () => {
      const response = integrationResponse('/members');
      const vtl = response?.ResponseTemplates['application/json'] ?? '';

      expect(response?.ResponseParameters).not.toHaveProperty('method.response.header.Access-Control-Allow-Origin');
      expect(vtl).toContain(`#if($origin == "${APP}" || $origin == "${ADMIN}")`);
      expect(vtl).toContain('#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)');
    });

    it('leaves every route method behind the authorizer', () => {
      const authorizerId = onlyResource(corsTemplate, 'AWS::ApiGateway::Authorizer').logicalId;
      const routeMethods = Object.values(corsTemplate.findResources('AWS::ApiGateway::Method'))
        .map((method) => (method as { Properties: CfnMethod }).Properties)
        .filter((method) => method.HttpMethod !== 'OPTIONS');

      expect(routeMethods).toHaveLength(ROUTES.length);
      expect(routeMethods.every((method) => method.AuthorizationType === 'CUSTOM' && JSON.stringify(method.AuthorizerId) === JSON.stringify({ Ref: authorizerId }))).toBe(true);
    });

    it.each(Object.keys(GATEWAY_RESPONSES))("%s copies the request's Origin and varies on it", (type) => {
      const response = gatewayResponses(corsTemplate).find((candidate) => candidate.ResponseType === type);

      expect(response?.ResponseParameters).toEqual({
        'gatewayresponse.header.Content-Type': "'application/json'",
        'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.Origin',
        'gatewayresponse.header.Vary': "'Origin'",
      });
    });

    it('gives every API function the same origins', () => {
      const served = new Set(ROUTES.map((route) => route.functionName));
      const values = Object.values(FUNCTIONS)
        .filter((definition) => served.has(definition.name))
        .map((definition) => {
          const fn = corsStack.functions.byName(definition.name)?.node.defaultChild as CfnFunction;
          const resource = corsTemplate.findResources('AWS::Lambda::Function')[corsStack.getLogicalId(fn)] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
          return resource.Properties.Environment.Variables[CORS_ENVIRONMENT_VARIABLE];
        });

      expect(new Set(values)).toEqual(new Set([`${APP},${ADMIN}`]));
    });

    it('leaves cdk-nag clean with the OPTIONS methods open, as CORS preflights', () => {
      const { violations } = new AwsSolutionsChecks(corsStack).validateScope(corsStack);

      expect(violations.map((violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    });
  });

  describe('with one origin', () => {
    const oneTemplate = Template.fromStack(stackWith(APP));

    it.each(Object.keys(GATEWAY_RESPONSES))('%s names that origin literally', (type) => {
      const response = gatewayResponses(oneTemplate).find((candidate) => candidate.ResponseType === type);

      expect(response?.ResponseParameters).toMatchObject({
        'gatewayresponse.header.Access-Control-Allow-Origin': `'${APP}'`,
        'gatewayresponse.header.Vary': "'Origin'",
      });
    });
  });
});
