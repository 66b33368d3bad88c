import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlPlaneStack } from './stack';

class InvalidContextValueError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`Context '${key}' must be ${expected}, got ${JSON.stringify(value)}`);
    this.name = 'InvalidContextValueError';
  }
}

// Values given on the command line (`cdk synth -c retainData=false`) arrive as strings.
function booleanContext(app: App, key: string, fallback: boolean): boolean {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new InvalidContextValueError(key, value, 'true or false');
}

function integerContext(app: App, key: string): number | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(parsed)) throw new InvalidContextValueError(key, value, 'a whole number');
  return parsed;
}

const app = new App();
const maxTenantsPerUser = integerContext(app, 'maxTenantsPerUser');
const invitationTtlDays = integerContext(app, 'invitationTtlDays');

new ControlPlaneStack(app, 'ControlPlane', {
  description: 'Multi-tenant control plane: pooled table isolated by IAM, user pool, identity pool',
  retainData: booleanContext(app, 'retainData', true),
  apiGatewayAccountRole: booleanContext(app, 'apiGatewayAccountRole', false),
  ...(maxTenantsPerUser === undefined ? {} : { maxTenantsPerUser }),
  ...(invitationTtlDays === undefined ? {} : { invitationTtlDays }),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
