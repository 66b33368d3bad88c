/**
 * Writes the catalog's JSON Schemas to `events/schemas/` (`npx tsx events/export-schemas.ts`).
 * Run it after changing a detail schema and commit the result; the contract tier fails until then.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DETAIL_TYPE } from './catalog';
import { detailJsonSchemas, SCHEMA_DIRECTORY, schemaFileName, serializeSchema } from './json-schema';

const directory = resolve(__dirname, '..', SCHEMA_DIRECTORY);
mkdirSync(directory, { recursive: true });

const schemas = detailJsonSchemas();
const expected = new Set(Object.values(DETAIL_TYPE).map(schemaFileName));
// A detail type removed from the catalog must not leave its schema behind.
for (const file of readdirSync(directory)) {
  if (file.endsWith('.json') && !expected.has(file)) rmSync(join(directory, file));
}
for (const detailType of Object.values(DETAIL_TYPE)) {
  writeFileSync(join(directory, schemaFileName(detailType)), serializeSchema(schemas[detailType]));
}
console.log(`wrote ${expected.size} schemas to ${SCHEMA_DIRECTORY}/`);
