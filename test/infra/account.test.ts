import { Template } from 'aws-cdk-lib/assertions';
import type { CfnStage } from 'aws-cdk-lib/aws-apigateway';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlPlaneStack } from '../../infra/stack';
import { onlyResource, testApp } from './support';

function synthesized(props: { apiGatewayAccountRole?: boolean; retainData?: boolean }) {
  const app = testApp();
  const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder', ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

describe("API Gateway's account-level CloudWatch role", () => {
  it('is not touched by default: the setting is one per account and Region, shared by every API there', () => {
    const { stack, template } = synthesized({});

    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(stack.accountSettings).toBeUndefined();
  });

  describe('opted in (-c apiGatewayAccountRole=true)', () => {
    const { app, stack, template } = synthesized({ apiGatewayAccountRole: true });
    const settings = stack.accountSettings;
    const roleId = settings ? stack.getLogicalId(settings.role.node.defaultChild as never) : '';

    it("sets the account's role to one API Gateway assumes, with AWS's policy for pushing logs", () => {
      const account = onlyResource(template, 'AWS::ApiGateway::Account');
      const role = template.findResources('AWS::IAM::Role')[roleId] as { Properties: Record<string, unknown> };

      expect(account.Properties.CloudWatchRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } }],
      });
      expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AmazonAPIGatewayPushToCloudWatchLogs');
    });

    it('creates the stage, whose access logging needs the role, only after the account has it', () => {
      const stageId = stack.getLogicalId(stack.api.restApi.deploymentStage.node.defaultChild as CfnStage);
      const stage = template.toJSON().Resources[stageId] as { DependsOn?: string[] };
      const accountId = onlyResource(template, 'AWS::ApiGateway::Account').logicalId;

      expect(stage.DependsOn ?? []).toContain(accountId);
    });

    it('keeps the role and the setting when the stack is deleted: other APIs of the account may rely on them', () => {
      const account = onlyResource(template, 'AWS::ApiGateway::Account');
      const role = template.toJSON().Resources[roleId] as { DeletionPolicy?: string };

      expect(account.DeletionPolicy).toBe('Retain');
      expect(role.DeletionPolicy).toBe('Retain');
    });

    it('leaves cdk-nag nothing unacknowledged', () => {
      app.synth();
      const { violations } = new AwsSolutionsChecks(app).validateScope(app);

      expect(violations.map((violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    });
  });
});

describe("the bus's archive", () => {
  it('is kept when the stack is deleted, with the data', () => {
    const archive = onlyResource(synthesized({}).template, 'AWS::Events::Archive');

    expect(archive.DeletionPolicy).toBe('Retain');
    expect(archive.UpdateReplacePolicy).toBe('Retain');
  });

  it('goes with a throw-away stack (-c retainData=false)', () => {
    const archive = onlyResource(synthesized({ retainData: false }).template, 'AWS::Events::Archive');

    expect(archive.DeletionPolicy).toBe('Delete');
  });
});
