/**
 * The sample data plane's aircraft (API.md "Aircraft"): what a request may say, and the items that
 * keep one (domain/keys.ts for the layout). Pure: the handlers parse with these schemas and write
 * these items.
 */
import * as z from 'zod';
import { aircraftKey, registrationKey } from './keys';
import { TENANT_NAME_LIMITS, tenantNameSchema } from './tenant-name';

export const AIRCRAFT_LIMITS = {
  modelMaxCodePoints: TENANT_NAME_LIMITS.maxCodePoints,
  minSeats: 1,
  maxSeats: 1000,
  /** An aircraft created without `seats` has the pilot's. */
  defaultSeats: 1,
  registrationMaxLength: 20,
} as const;

/**
 * A registration as the tenant writes it: ICAO marks are letters and digits with at most a dash
 * (N172SP, G-ABCD, D-EFGH, JA8089), compared without case; stored and shown upper-case, so that
 * `g-abcd` and `G-ABCD` are one aircraft and a registration never holds a key separator.
 */
export const REGISTRATION_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

const registration = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(AIRCRAFT_LIMITS.registrationMaxLength, `at most ${AIRCRAFT_LIMITS.registrationMaxLength} characters`)
  .regex(REGISTRATION_PATTERN, 'letters, digits and inner dashes only (for example G-ABCD)')
  .transform((value) => value.toUpperCase());

/** Control and format characters (bidi overrides, zero-width) would let a model hide or reorder what others see, as in tenant names. */
/**
 * A model is shown to every member, as a tenant name is: the same rules (tenant-name.ts: code points
 * counted as a person counts them, no control, format or invisible characters, something visible).
 */
const model = tenantNameSchema;

const seats = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(AIRCRAFT_LIMITS.minSeats, `from ${AIRCRAFT_LIMITS.minSeats} to ${AIRCRAFT_LIMITS.maxSeats}`)
  .max(AIRCRAFT_LIMITS.maxSeats, `from ${AIRCRAFT_LIMITS.minSeats} to ${AIRCRAFT_LIMITS.maxSeats}`);

export const createAircraftBody = z.strictObject({ registration, model, seats: seats.default(AIRCRAFT_LIMITS.defaultSeats) });

export const updateAircraftBody = z
  .strictObject({ registration: registration.optional(), model: model.optional(), seats: seats.optional() })
  .refine((body) => body.registration !== undefined || body.model !== undefined || body.seats !== undefined, 'give registration, model, seats or any of them');

export type AircraftChange = z.infer<typeof updateAircraftBody>;

/** An aircraft as the API shows it (a type alias: assignable to plain records for marshalling). */
export type Aircraft = {
  readonly aircraftId: string;
  readonly registration: string;
  readonly model: string;
  readonly seats: number;
};

/**
 * Counts the changes of the aircraft's schedule: every booking raises it in its transaction, on
 * the condition that it is still what the booking read before it looked for overlaps, so two
 * bookings of one aircraft can never both pass an overlap check that saw neither. Deleting the
 * aircraft conditions on it too, so that no booking slips in after the check for future ones.
 */
export const SCHEDULE_VERSION_ATTRIBUTE = 'scheduleVersion';

export type AircraftItem = Aircraft & {
  readonly PK: string;
  readonly SK: string;
  readonly tenantId: string;
  readonly scheduleVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
};

export const aircraftItem = (tenantId: string, aircraft: Aircraft, createdAt: string): AircraftItem => ({
  ...aircraftKey(tenantId, aircraft.aircraftId),
  tenantId,
  ...aircraft,
  scheduleVersion: 0,
  createdAt,
  updatedAt: createdAt,
});

/** The claim on a registration: one per registration in a tenant, naming the aircraft that holds it. */
export type RegistrationClaimItem = {
  readonly PK: string;
  readonly SK: string;
  readonly tenantId: string;
  readonly registration: string;
  readonly aircraftId: string;
};

export const registrationClaimItem = (tenantId: string, registration: string, aircraftId: string): RegistrationClaimItem => ({
  ...registrationKey(tenantId, registration),
  tenantId,
  registration,
  aircraftId,
});

/** The view of an aircraft item: only what the contract shows. */
export const aircraftView = (item: Aircraft): Aircraft => ({
  aircraftId: item.aircraftId,
  registration: item.registration,
  model: item.model,
  seats: item.seats,
});
