/**
 * What an AWS account needs once, before any stack with API Gateway access logging can deploy:
 * API Gateway's account-level CloudWatch Logs role. Without it, a stage with access logging fails
 * to create ("CloudWatch Logs role ARN must be set in account settings to enable logging", API
 * Gateway developer guide, "Set up CloudWatch logging for REST APIs"), and the rollback leaves the
 * retained table and user pool behind.
 *
 * Opt-in (`cdk deploy -c apiGatewayAccountRole=true`), because the setting is one per account and
 * Region (`AWS::ApiGateway::Account`), shared by every API there: a stack that sets it replaces
 * whatever another stack or person set. Enable it in one stack per account and Region, or set the
 * role once by hand, as the README's deploy guide says.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export class ApiGatewayAccountSettings extends Construct {
  readonly role: Role;
  readonly account: CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new Role(this, 'CloudWatchRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: "API Gateway's account-level role for pushing execution and access logs to CloudWatch Logs",
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    // Kept on delete: other APIs of the account may log through it once it is the account's setting.
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for API Gateway's account CloudWatch role; it grants log-group and log-stream writes only.",
    });
    this.account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    this.account.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}
