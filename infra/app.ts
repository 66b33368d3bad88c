import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlPlaneStack } from './stack';

class InvalidContextValueError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
  ) {
    super(`Context '${key}' must be true or false, got ${JSON.stringify(value)}`);
    this.name = 'InvalidContextValueError';
  }
}

// Values given on the command line (`cdk synth -c retainData=false`) arrive as strings.
function booleanContext(app: App, key: string, fallback: boolean): boolean {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new InvalidContextValueError(key, value);
}

const app = new App();

new ControlPlaneStack(app, 'ControlPlane', {
  description: 'Multi-tenant control plane: pooled table isolated by IAM, user pool, identity pool',
  retainData: booleanContext(app, 'retainData', true),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
