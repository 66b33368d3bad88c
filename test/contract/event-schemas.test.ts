import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETAIL_TYPE, EVENT_CATALOG, EVENT_SOURCE } from '../../events/catalog';
import { detailJsonSchemas, SCHEMA_DIRECTORY, schemaFileName, serializeSchema } from '../../events/json-schema';

const detailTypes = Object.values(DETAIL_TYPE);
const schemaDirectory = join(__dirname, '..', '..', SCHEMA_DIRECTORY);
const committed = (file: string): string => readFileSync(join(schemaDirectory, file), 'utf8');

// An independent JSON Schema implementation: what a consumer outside TypeScript would run.
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validators = Object.fromEntries(Object.entries(detailJsonSchemas()).map(([detailType, schema]) => [detailType, ajv.compile(schema)]));
const validatorOf = (detailType: string) => {
  const validate = validators[detailType];
  if (!validate) throw new Error(`no schema for ${detailType}`);
  return validate;
};

describe('committed JSON Schemas of the event catalog', () => {
  it.each(detailTypes)('%s: the committed file is exactly what the catalog generates (run `npx tsx events/export-schemas.ts`)', (detailType) => {
    const generated = serializeSchema(detailJsonSchemas()[detailType]);

    const file = committed(schemaFileName(detailType));

    expect(file).toBe(generated);
  });

  it('holds a schema for every detail type and nothing else', () => {
    const files = readdirSync(schemaDirectory).filter((file) => file.endsWith('.json'));

    expect(files.sort()).toEqual(detailTypes.map(schemaFileName).sort());
  });
});

describe.each(detailTypes)('event catalog entry %s', (detailType) => {
  const entry = EVENT_CATALOG[detailType];

  it('is versioned in its detail type', () => {
    expect(detailType).toMatch(/^[a-z]+(\.[a-z]+)*\.v[1-9]\d*$/);
  });

  it('comes from one of the catalog sources', () => {
    expect(Object.values(EVENT_SOURCE)).toContain(entry.source);
  });

  it('has a sample that both its zod schema and its JSON Schema accept', () => {
    const validate = validatorOf(detailType);

    const valid = validate(entry.sample);

    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(entry.schema.safeParse(entry.sample).success).toBe(true);
  });

  it.each(['token', 'idToken', 'refreshToken'])('rejects a detail carrying a %s in both schemas', (field) => {
    const detail = { ...entry.sample, [field]: 'eyJraWQiOiJ0ZXN0In0.eyJzdWIiOiJ4In0.c2ln' };
    const validate = validatorOf(detailType);

    const acceptedByJsonSchema = validate(detail);
    const acceptedByZod = entry.schema.safeParse(detail).success;

    expect(acceptedByJsonSchema).toBe(false);
    expect(validate.errors).toEqual(expect.arrayContaining([expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: field } })]));
    expect(acceptedByZod).toBe(false);
  });

  it('rejects a sample missing any required member in both schemas', () => {
    const validate = validatorOf(detailType);
    const required = detailJsonSchemas()[detailType].required ?? [];

    const accepted = required.map((member) => {
      const detail: Record<string, unknown> = { ...entry.sample };
      delete detail[member];
      return { member, jsonSchema: validate(detail), zod: entry.schema.safeParse(detail).success };
    });

    expect(required.length).toBeGreaterThan(0);
    expect(accepted).toEqual(required.map((member) => ({ member, jsonSchema: false, zod: false })));
  });
});
