import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../../domain/table';

export interface TenantDataProps {
  /**
   * Keep the table when the stack is deleted and refuse deletion through the API. Off only for
   * throw-away stacks: every tenant's data lives in this one table.
   */
  readonly retainData: boolean;
}

// Keyed by the domain's literal values, so a new projection or billing mode there fails to compile here.
const PROJECTION: Record<(typeof TABLE_DEFINITION.globalSecondaryIndexes)[number]['projection'], ProjectionType> = {
  ALL: ProjectionType.ALL,
};
const BILLING: Record<typeof TABLE_DEFINITION.billing, () => Billing> = {
  PAY_PER_REQUEST: () => Billing.onDemand(),
};

// Every key is a string built by domain/keys.ts.
const stringKey = (name: string) => ({ name, type: AttributeType.STRING });

/** The pooled table: every tenant's data, isolated by the tenant policy's leading-key conditions. */
export class TenantData extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: TenantDataProps) {
    super(scope, id);
    const { keySchema, globalSecondaryIndexes, billing } = TABLE_DEFINITION;
    this.table = new TableV2(this, 'Table', {
      partitionKey: stringKey(keySchema.partitionKey),
      sortKey: stringKey(keySchema.sortKey),
      globalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        projectionType: PROJECTION[index.projection],
      })),
      billing: BILLING[billing](),
      timeToLiveAttribute: TABLE_DEFINITION.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}
