import { createCreateRoleHandler } from './handler';
import { roleWriteDeps } from './wiring';

export const handler = createCreateRoleHandler(roleWriteDeps());
