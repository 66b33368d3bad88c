import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { TenantData } from './constructs/data';
import { TenantIdentity } from './constructs/identity';

export interface ControlPlaneStackProps extends StackProps {
  /**
   * Retain and deletion-protect the table and the user pool, which hold every tenant's data and
   * users. Turn off only for throw-away stacks.
   * @default true
   */
  readonly retainData?: boolean;
}

/** The deployed control plane. Output names are those of `.local/outputs.json` (API.md). */
export class ControlPlaneStack extends Stack {
  readonly data: TenantData;
  readonly identity: TenantIdentity;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps = {}) {
    super(scope, id, props);
    const retainData = props.retainData ?? true;

    this.data = new TenantData(this, 'Data', { retainData });
    this.identity = new TenantIdentity(this, 'Identity', { tableArn: this.data.table.tableArn, retainData });

    const outputs: Record<string, string> = {
      region: this.region,
      userPoolId: this.identity.userPool.userPoolId,
      userPoolClientId: this.identity.userPoolClient.userPoolClientId,
      identityPoolId: this.identity.identityPool.ref,
      tableName: this.data.table.tableName,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
