import { dynamoDbClient } from '../../shared/clients';
import { idempotencyStore } from '../../shared/idempotency-store';
import { createCreateRoleHandler } from './handler';
import { roleWriteDeps } from './wiring';

const deps = roleWriteDeps();

// Idempotency-Key records go in the control partition, written with the function's own role (TABLE_ACCESS: GetItem, PutItem).
export const handler = createCreateRoleHandler({ ...deps, idempotency: idempotencyStore(dynamoDbClient(), deps.tableName) });
