import { createDeleteRoleHandler } from './handler';
import { roleWriteDeps } from './wiring';

export const handler = createDeleteRoleHandler(roleWriteDeps());
