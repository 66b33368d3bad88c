import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { booleanContext, integerContext, sesEmailContext, stageContext } from './context';
import { stackNameFor } from './naming';
import { ControlPlaneStack } from './stack';

const app = new App();
const stage = stageContext(app);
const maxTenantsPerUser = integerContext(app, 'maxTenantsPerUser');
const invitationTtlDays = integerContext(app, 'invitationTtlDays');
const sesEmail = sesEmailContext(app);

// One stack per stage (`-c stage=prod`), named for it, so stages deploy side by side (infra/naming.ts).
new ControlPlaneStack(app, stackNameFor(stage), {
  description: `Multi-tenant control plane (stage ${stage}): pooled table isolated by IAM, user pool, identity pool`,
  retainData: booleanContext(app, 'retainData', true),
  apiGatewayAccountRole: booleanContext(app, 'apiGatewayAccountRole', false),
  ...(maxTenantsPerUser === undefined ? {} : { maxTenantsPerUser }),
  ...(invitationTtlDays === undefined ? {} : { invitationTtlDays }),
  ...(sesEmail === undefined ? {} : { sesEmail }),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
