import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackNameFor } from '../../infra/naming';
import { ControlPlaneStack } from '../../infra/stack';
import { testApp } from './support';

const app = testApp();
new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
// A second stage, with the user pool's email through SES: the options add resources of their own.
new ControlPlaneStack(app, stackNameFor('prod'), { functionCode: 'placeholder', sesEmail: { fromEmail: 'no-reply@example.com', configurationSet: 'control-plane' } });
app.synth();

describe('cdk-nag AwsSolutions on the control plane', () => {
  it('finds no unacknowledged error or warning', () => {
    const { violations } = new AwsSolutionsChecks(app).validateScope(app);

    const findings = violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('acknowledges every rule with a reason', () => {
    const acknowledgments = app.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>)),
      );

    const withoutReason = acknowledgments
      .filter(([, reason]) => typeof reason !== 'string' || reason.trim() === '')
      .map(([id]) => id);
    expect(acknowledgments.length).toBeGreaterThan(0);
    expect(withoutReason).toEqual([]);
  });
});
