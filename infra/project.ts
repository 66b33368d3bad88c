import path from 'node:path';

/** The repository root: function entries and ASL files are named relative to it in the shared catalogs. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');
