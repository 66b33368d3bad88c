import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { GATEWAY_RESPONSES, type GatewayResponseType } from '../../handlers/api/gateway-responses';
import { AUTHORIZER, ROUTES } from '../../handlers/api/routes';
import { STAGE_NAME, THROTTLING } from '../../infra/constructs/api';
import { ControlPlaneStack } from '../../infra/stack';
import { onlyResource, resourcePaths, testApp } from './support';

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
