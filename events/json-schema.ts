import * as z from 'zod';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType } from './catalog';

/**
 * The catalog's details as JSON Schema (draft 2020-12), for consumers that do not run TypeScript:
 * a schema registry, another team's subscriber, a code generator. The zod schemas stay the one
 * definition; `events/schemas/` holds this function's output, and a contract test keeps the two equal.
 */
export type DetailJsonSchema = z.core.JSONSchema.JSONSchema;

/** Where a detail type's schema is committed, relative to the project root. */
export const SCHEMA_DIRECTORY = 'events/schemas';

export const schemaFileName = (detailType: DetailType): string => `${detailType}.json`;

export function detailJsonSchema(detailType: DetailType): DetailJsonSchema {
  // `io: 'input'`: the schema describes what a publisher may put on the bus.
  const generated = z.toJSONSchema(EVENT_CATALOG[detailType].schema, { io: 'input', unrepresentable: 'throw' });
  // Rebuilt by spreading, so the non-enumerable `~standard` helper zod attaches does not ride along.
  const { $schema, ...body } = generated;
  return { $schema, title: detailType, ...body };
}

export function detailJsonSchemas(): Record<DetailType, DetailJsonSchema> {
  const schemas = {} as Record<DetailType, DetailJsonSchema>;
  for (const detailType of Object.values(DETAIL_TYPE)) schemas[detailType] = detailJsonSchema(detailType);
  return schemas;
}

/** The committed text of one schema: the export script writes it, the contract test compares it. */
export const serializeSchema = (schema: DetailJsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;
