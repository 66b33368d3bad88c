import { randomUUID } from 'node:crypto';
import type { Aircraft } from '../../domain/aircraft';
import { registrationKey } from '../../domain/keys';
import { ACTIONS, ADMIN_ROLE_ID, roleIdFromName, type Action } from '../../domain/permissions';
import { reservationItems, type Interval, type Reservation } from '../../domain/reservations';
import { DETAIL_TYPE, type DetailType } from '../../events/catalog';
import { ROUTES, type HttpMethod, type RouteDefinition } from '../../handlers/api/routes';
import { DEMO_ROLES } from '../../local/seed';
import { api, eventually, outputs, type ApiResponse } from './support';
import { auditRecords, createRole, errorOf, fieldsOf, getItem, joined, newTenant, putItem, type Tenant, type User } from './tenant-fixtures';
import { bookingSlots, DAY, HOUR, iso, MINUTE } from './booking-slots';

/**
 * The data-plane routes (API.md "Aircraft", "Reservations") through the real REST API, authorizer,
 * IAM gateway and DynamoDB Local of the local cloud, with real Cognito tokens: who may call each
 * route (table-driven from the seed's crew roles), what another tenant's admin can reach (nothing:
 * 404), what input is refused (400 naming the field), conflicts (409), lists and the audit trail.
 */

type Json = Record<string, unknown>;

/** A member of one tenant, with the role it holds there. */
type Member = User & { readonly tenantId: string; readonly roleId: string };

interface RoleUnderTest {
  readonly roleId: string;
  readonly actions: readonly Action[];
}

const roleIdOf = (name: string): string => {
  const roleId = roleIdFromName(name);
  if (roleId === undefined) throw new Error(`The demo role ${name} has no id`);
  return roleId;
};

/** The built-in admin and the flight school's crew roles exactly as the seed defines them. */
const ROLES: readonly RoleUnderTest[] = [
  { roleId: ADMIN_ROLE_ID, actions: ACTIONS },
  ...DEMO_ROLES.map((role) => ({ roleId: roleIdOf(role.name), actions: role.actions })),
];

const DATA_ROUTES = ROUTES.filter((route) => route.path.startsWith('/aircraft') || route.path.startsWith('/reservations'));
const routeKey = (route: Pick<RouteDefinition, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/**
 * Bookings start on whole hours two days ahead, every caller of `nextSlot` its own hour two hours
 * after the previous one, so that no two tests' bookings meet unless a test means them to. The
 * lists' tests use a window far beyond (LIST_WINDOW), which these slots never reach.
 */
const SLOTS = bookingSlots(2);
const FIRST_SLOT = SLOTS.first;
const FIRST_SLOT_ISO = iso(FIRST_SLOT);
const nextSlot = (): Interval => SLOTS.next();

let registrationsTaken = 0;
const freshRegistration = (): string => `DP-${(registrationsTaken += 1)}`;

/** The data-plane writes this file made, as the audit trail must show them: once each, with who made them. */
interface DataWrite {
  readonly tenantId: string;
  readonly type: DetailType;
  readonly id: string;
  readonly actorUserId: string;
}
const writesMade: DataWrite[] = [];

/** The write a successful answer says was made: its event type and the id it concerns. */
function writeOf(method: string, path: string, response: ApiResponse): { type: DetailType; id: string } | undefined {
  const bare = path.split('?')[0] ?? '';
  const [, collection, id] = bare.split('/');
  const body = response.body as { aircraft?: Aircraft; reservation?: Reservation };
  if (collection === 'aircraft' && id === undefined && method === 'POST' && response.status === 201 && body.aircraft) {
    return { type: DETAIL_TYPE.aircraftCreated, id: body.aircraft.aircraftId };
  }
  if (collection === 'aircraft' && id !== undefined && method === 'PUT' && response.status === 200) return { type: DETAIL_TYPE.aircraftUpdated, id };
  if (collection === 'aircraft' && id !== undefined && method === 'DELETE' && response.status === 204) return { type: DETAIL_TYPE.aircraftDeleted, id };
  if (collection === 'reservations' && id === undefined && method === 'POST' && response.status === 201 && body.reservation) {
    return { type: DETAIL_TYPE.reservationCreated, id: body.reservation.reservationId };
  }
  if (collection === 'reservations' && id !== undefined && method === 'DELETE' && response.status === 204) return { type: DETAIL_TYPE.reservationCancelled, id };
  return undefined;
}

/** Every data-plane call of this file: the API as a front end calls it, each write it answers as made noted for the audit check. */
async function call<T = Json>(member: Member, method: HttpMethod, path: string, body?: unknown): Promise<ApiResponse<T>> {
  const response = await api<T>(method, path, member.idToken, body);
  const write = writeOf(method, path, response as ApiResponse);
  if (write) writesMade.push({ tenantId: member.tenantId, ...write, actorUserId: member.userId });
  return response;
}

/** A request whose body is sent as written, not as JSON.stringify would write it. */
async function callRaw(member: Member, method: HttpMethod, path: string, text: string): Promise<ApiResponse> {
  const response = await fetch(`${outputs().apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${member.idToken}`, 'content-type': 'application/json' },
    body: text,
  });
  const answer = await response.text();
  return { status: response.status, body: (answer ? JSON.parse(answer) : {}) as Json };
}

const withQuery = (path: string, parameters: Record<string, string | undefined>): string => {
  const query = new URLSearchParams(Object.entries(parameters).flatMap(([name, value]): [string, string][] => (value === undefined ? [] : [[name, value]])));
  return query.size === 0 ? path : `${path}?${query}`;
};

/** Every item of a list, page after page, as `member` reads it. */
async function everyItem<T>(member: Member, path: string, key: 'aircraft' | 'reservations' | 'events', parameters: Record<string, string> = {}): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const response = await call<Record<string, T[]> & { next?: string }>(member, 'GET', withQuery(path, { ...parameters, limit: '100', next }));
    expect(response.status).toBe(200);
    items.push(...(response.body[key] ?? []));
    next = response.body.next;
  } while (next !== undefined);
  return items;
}

let tenant: Tenant;
let other: Tenant;
/** This tenant's admin, one member per crew role, and a pilot whose bookings are "another's" to everyone else. */
let admin: Member;
const crew = new Map<string, Member>();
let booker: Member;
/** The other tenant's admin: permission is never why it is refused here. */
let otherAdmin: Member;
let otherAircraft: Aircraft[];
let otherReservation: Reservation;
/** An aircraft and a reservation of it that every read case reads and no case changes. */
let shared: { aircraft: Aircraft; reservation: Reservation };

const memberWith = (roleId: string): Member => {
  const member = roleId === ADMIN_ROLE_ID ? admin : crew.get(roleId);
  if (!member) throw new Error(`No member holds ${roleId}`);
  return member;
};
const actionsOf = (roleId: string): readonly Action[] => ROLES.find((role) => role.roleId === roleId)?.actions ?? [];

const aircraftBody = (): { registration: string; model: string; seats: number } => ({ registration: freshRegistration(), model: 'Cessna 172S', seats: 4 });

async function newAircraft(as: Member = admin): Promise<Aircraft> {
  const response = await call<{ aircraft: Aircraft }>(as, 'POST', '/aircraft', aircraftBody());
  expect(response.status).toBe(201);
  return response.body.aircraft;
}

async function book(as: Member, aircraftId: string, slot: Interval): Promise<Reservation> {
  const response = await call<{ reservation: Reservation }>(as, 'POST', '/reservations', { aircraftId, ...slot });
  expect(response.status).toBe(201);
  return response.body.reservation;
}

/**
 * A reservation written straight into the table with the domain's own key builders and items, as a
 * booking would have left it. The only way to have one the API cannot make: one that has already
 * ended (no booking starts in the past), or one held by a member whose role cannot book (a booking
 * made under a role it held before).
 */
async function writtenReservation(reservation: Reservation): Promise<Reservation> {
  const items = reservationItems(admin.tenantId, reservation, iso(Date.parse(reservation.start) - DAY));
  await Promise.all([putItem(items.byId), putItem(items.schedule), putItem(items.byStart)]);
  return reservation;
}

/** The admin's view of one aircraft: what the API says is there. */
const aircraftSeenByAdmin = (aircraftId: string) => call<{ aircraft: Aircraft }>(admin, 'GET', `/aircraft/${aircraftId}`);

/** The admin's view of an aircraft's reservations overlapping `window`. */
async function reservationsSeenByAdmin(aircraftId: string, window: Interval): Promise<Reservation[]> {
  return everyItem<Reservation>(admin, '/reservations', 'reservations', { aircraftId, from: window.start, to: window.end });
}

function asMember(user: User, tenantId: string, roleId: string): Member {
  return { ...user, tenantId, roleId };
}

beforeAll(async () => {
  [tenant, other] = await Promise.all([newTenant('dataplane'), newTenant('elsewhere')]);
  for (const role of DEMO_ROLES) expect(await createRole(tenant, role.name, role.actions)).toBe(roleIdOf(role.name));
  admin = asMember(tenant.admin, tenant.tenantId, ADMIN_ROLE_ID);
  otherAdmin = asMember(other.admin, other.tenantId, ADMIN_ROLE_ID);
  const crewRoles = ROLES.filter((role) => role.roleId !== ADMIN_ROLE_ID).map((role) => role.roleId);
  const joinAs = async (roleId: string, label: string) => asMember(await joined(tenant, roleId, label), tenant.tenantId, roleId);
  const [joinedBooker, ...joinedCrew] = await Promise.all([joinAs(roleIdOf('Pilot'), 'booker'), ...crewRoles.map((roleId) => joinAs(roleId, roleId))]);
  for (const member of joinedCrew) crew.set(member.roleId, member);
  if (!joinedBooker) throw new Error('The booker did not join');
  booker = joinedBooker;
  const aircraft = await newAircraft();
  shared = { aircraft, reservation: await book(booker, aircraft.aircraftId, nextSlot()) };
  otherAircraft = await Promise.all([newAircraft(otherAdmin), newAircraft(otherAdmin)]);
  otherReservation = await book(otherAdmin, otherAircraft[0]?.aircraftId ?? '', nextSlot());
});

/** The access.denied.v1 records of `member` attempting `action`, in its tenant's trail. */
async function denialsOf(member: Member, action: Action): Promise<number> {
  const records = await auditRecords(member.tenantId, DETAIL_TYPE.accessDenied);
  return records.filter((record) => record.actorUserId === member.userId && record.detail.userId?.S === member.userId && record.detail.action?.S === action).length;
}

/** Waits for one more access.denied.v1 record of `member` attempting `action` than there were. */
async function denialRecorded(member: Member, action: Action, before: number): Promise<void> {
  await eventually(async () => ((await denialsOf(member, action)) > before ? true : undefined), `access.denied.v1 of ${member.roleId} attempting ${action}`);
}

/** One request of a route, prepared for one member: what it sends, and how to read back its effect. */
interface Attempt {
  readonly method: HttpMethod;
  readonly path: string;
  readonly body?: unknown;
  /** The allowed answer, and its effect read back through the API as the admin. */
  readonly confirm: (response: ApiResponse) => Promise<void>;
  /** After a 403: nothing changed (for a read, nothing shown). */
  readonly unchanged: (response: ApiResponse) => Promise<void>;
}

interface RouteCase {
  readonly name: string;
  /** What the member's role must hold; null: any member. */
  readonly action: Action | null;
  readonly allowedStatus: number;
  readonly prepare: (member: Member) => Promise<Attempt>;
}

const showsNothing = (key: string) => async (response: ApiResponse) => {
  expect(response.body).not.toHaveProperty(key);
};

const aircraftCases = {
  'GET /aircraft': (action: Action): RouteCase => ({
    name: 'GET /aircraft',
    action,
    allowedStatus: 200,
    prepare: async (member) => ({
      method: 'GET',
      path: '/aircraft',
      confirm: async (response) => {
        expect(response.status).toBe(200);
        expect(await everyItem<Aircraft>(member, '/aircraft', 'aircraft')).toContainEqual(shared.aircraft);
      },
      unchanged: showsNothing('aircraft'),
    }),
  }),
  'POST /aircraft': (action: Action): RouteCase => ({
    name: 'POST /aircraft',
    action,
    allowedStatus: 201,
    prepare: async () => {
      const body = aircraftBody();
      return {
        method: 'POST',
        path: '/aircraft',
        body,
        confirm: async (response) => {
          expect(response.status).toBe(201);
          const created = (response.body as { aircraft: Aircraft }).aircraft;
          expect(created).toEqual({ aircraftId: expect.any(String), ...body });
          expect((await aircraftSeenByAdmin(created.aircraftId)).body.aircraft).toEqual(created);
        },
        unchanged: async () => {
          expect(await getItem(registrationKey(tenant.tenantId, body.registration))).toBeUndefined();
          expect((await everyItem<Aircraft>(admin, '/aircraft', 'aircraft')).map((aircraft) => aircraft.registration)).not.toContain(body.registration);
        },
      };
    },
  }),
  'GET /aircraft/{aircraftId}': (action: Action): RouteCase => ({
    name: 'GET /aircraft/{aircraftId}',
    action,
    allowedStatus: 200,
    prepare: async () => ({
      method: 'GET',
      path: `/aircraft/${shared.aircraft.aircraftId}`,
      confirm: async (response) => {
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ aircraft: shared.aircraft });
      },
      unchanged: showsNothing('aircraft'),
    }),
  }),
  'PUT /aircraft/{aircraftId}': (action: Action): RouteCase => ({
    name: 'PUT /aircraft/{aircraftId}',
    action,
    allowedStatus: 200,
    prepare: async () => {
      const aircraft = await newAircraft();
      const change = { model: 'Piper PA-28 Warrior', seats: 3 };
      return {
        method: 'PUT',
        path: `/aircraft/${aircraft.aircraftId}`,
        body: change,
        confirm: async (response) => {
          expect(response.status).toBe(200);
          expect(response.body).toEqual({ aircraft: { ...aircraft, ...change } });
          expect((await aircraftSeenByAdmin(aircraft.aircraftId)).body.aircraft).toEqual({ ...aircraft, ...change });
        },
        unchanged: async () => {
          expect((await aircraftSeenByAdmin(aircraft.aircraftId)).body.aircraft).toEqual(aircraft);
        },
      };
    },
  }),
  'DELETE /aircraft/{aircraftId}': (action: Action): RouteCase => ({
    name: 'DELETE /aircraft/{aircraftId}',
    action,
    allowedStatus: 204,
    prepare: async () => {
      const aircraft = await newAircraft();
      return {
        method: 'DELETE',
        path: `/aircraft/${aircraft.aircraftId}`,
        confirm: async (response) => {
          expect(response.status).toBe(204);
          expect((await aircraftSeenByAdmin(aircraft.aircraftId)).status).toBe(404);
        },
        unchanged: async () => {
          expect((await aircraftSeenByAdmin(aircraft.aircraftId)).body.aircraft).toEqual(aircraft);
        },
      };
    },
  }),
};

/** Cancelling `reservation`: allowed, it is gone from the aircraft's schedule; refused, it is still there. */
function cancelling(reservation: Reservation): Attempt {
  return {
    method: 'DELETE',
    path: `/reservations/${reservation.reservationId}`,
    confirm: async (response) => {
      expect(response.status).toBe(204);
      expect(await reservationsSeenByAdmin(reservation.aircraftId, reservation)).toEqual([]);
    },
    unchanged: async () => {
      expect(await reservationsSeenByAdmin(reservation.aircraftId, reservation)).toEqual([reservation]);
    },
  };
}

/** A booking of the member's own: through the API when its role may book, else as an earlier role would have left it. */
async function ownReservation(member: Member): Promise<Reservation> {
  const slot = nextSlot();
  if (actionsOf(member.roleId).includes('reservation:create')) return book(member, shared.aircraft.aircraftId, slot);
  return writtenReservation({ reservationId: randomUUID(), aircraftId: shared.aircraft.aircraftId, userId: member.userId, ...slot });
}

const reservationCases = {
  'GET /reservations': (action: Action): RouteCase => ({
    name: 'GET /reservations',
    action,
    allowedStatus: 200,
    prepare: async () => ({
      method: 'GET',
      path: withQuery('/reservations', { aircraftId: shared.aircraft.aircraftId, from: shared.reservation.start, to: shared.reservation.end }),
      confirm: async (response) => {
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ reservations: [shared.reservation] });
      },
      unchanged: showsNothing('reservations'),
    }),
  }),
  'POST /reservations': (action: Action): RouteCase => ({
    name: 'POST /reservations',
    action,
    allowedStatus: 201,
    prepare: async (member) => {
      const slot = nextSlot();
      const aircraftId = shared.aircraft.aircraftId;
      return {
        method: 'POST',
        path: '/reservations',
        body: { aircraftId, ...slot },
        confirm: async (response) => {
          expect(response.status).toBe(201);
          const reservation = (response.body as { reservation: Reservation }).reservation;
          expect(reservation).toEqual({ reservationId: expect.any(String), aircraftId, userId: member.userId, ...slot });
          expect(await reservationsSeenByAdmin(aircraftId, slot)).toEqual([reservation]);
        },
        unchanged: async () => {
          expect(await reservationsSeenByAdmin(aircraftId, slot)).toEqual([]);
        },
      };
    },
  }),
  'DELETE /reservations/{reservationId}': (action: Action): RouteCase[] => [
    {
      name: "DELETE /reservations/{reservationId} of another member's reservation",
      action,
      allowedStatus: 204,
      prepare: async () => cancelling(await book(booker, shared.aircraft.aircraftId, nextSlot())),
    },
    {
      name: 'DELETE /reservations/{reservationId} of its own reservation',
      action: null,
      allowedStatus: 204,
      prepare: async (member) => cancelling(await ownReservation(member)),
    },
  ],
};

/** The cases of each data-plane route, by `METHOD path` as routes.ts spells it. */
const SCENARIOS: Record<string, (action: Action) => RouteCase | RouteCase[]> = { ...aircraftCases, ...reservationCases };

const ROUTE_CASES: RouteCase[] = DATA_ROUTES.flatMap((route) => {
  const scenario = SCENARIOS[routeKey(route)];
  return scenario && route.action !== null ? [scenario(route.action)].flat() : [];
});

const mayCall = (role: RoleUnderTest, routeCase: RouteCase): boolean => routeCase.action === null || role.actions.includes(routeCase.action);

const ALLOWED: [string, string, RouteCase][] = ROLES.flatMap((role) =>
  ROUTE_CASES.filter((routeCase) => mayCall(role, routeCase)).map((routeCase): [string, string, RouteCase] => [
    `${role.roleId}: ${routeCase.name} → ${routeCase.allowedStatus}, as its actions allow, and the API shows the outcome`,
    role.roleId,
    routeCase,
  ]),
);

const REFUSED: [string, string, RouteCase, Action][] = ROLES.flatMap((role) =>
  ROUTE_CASES.flatMap((routeCase): [string, string, RouteCase, Action][] =>
    routeCase.action === null || mayCall(role, routeCase)
      ? []
      : [[`${role.roleId}: ${routeCase.name} → 403 (no ${routeCase.action}), access.denied.v1 naming it, nothing changed`, role.roleId, routeCase, routeCase.action]],
  ),
);

describe("every data-plane route, as the admin and each of the seed's crew roles", () => {
  it('has cases for exactly the data-plane routes of handlers/api/routes.ts, each with its action', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(DATA_ROUTES.map(routeKey).sort());
    expect(DATA_ROUTES.every((route) => route.action !== null)).toBe(true);
  });

  it.each(ALLOWED)('%s', async (_name, roleId, routeCase) => {
    const member = memberWith(roleId);
    const attempt = await routeCase.prepare(member);

    const response = await call(member, attempt.method, attempt.path, attempt.body);

    await attempt.confirm(response);
  });

  it.each(REFUSED)('%s', async (_name, roleId, routeCase, action) => {
    const member = memberWith(roleId);
    const attempt = await routeCase.prepare(member);
    const before = await denialsOf(member, action);

    const response = await call(member, attempt.method, attempt.path, attempt.body);

    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('Forbidden');
    await attempt.unchanged(response);
    await denialRecorded(member, action, before);
  });
});

describe("an admin of another tenant, naming this tenant's ids", () => {
  let target: Aircraft;
  let reservation: Reservation;

  beforeAll(async () => {
    target = await newAircraft();
    reservation = await book(booker, target.aircraftId, nextSlot());
  });

  /** This tenant's aircraft and its one reservation, exactly as they were. */
  async function expectUntouched(): Promise<void> {
    expect((await aircraftSeenByAdmin(target.aircraftId)).body).toEqual({ aircraft: target });
    expect(await everyItem<Reservation>(admin, '/reservations', 'reservations', { aircraftId: target.aircraftId })).toEqual([reservation]);
  }

  it('gets 404 reading, updating, deleting and booking the aircraft, which stays as it was', async () => {
    const path = `/aircraft/${target.aircraftId}`;

    const responses = await Promise.all([
      call(otherAdmin, 'GET', path),
      call(otherAdmin, 'PUT', path, { model: 'Taken over', seats: 2 }),
      call(otherAdmin, 'DELETE', path),
      call(otherAdmin, 'POST', '/reservations', { aircraftId: target.aircraftId, ...nextSlot() }),
    ]);

    expect(responses.map((response) => [response.status, errorOf(response).code])).toEqual([
      [404, 'NotFound'],
      [404, 'NotFound'],
      [404, 'NotFound'],
      [404, 'NotFound'],
    ]);
    await expectUntouched();
  });

  it('gets 404 cancelling the reservation, which stays booked', async () => {
    const response = await call(otherAdmin, 'DELETE', `/reservations/${reservation.reservationId}`);

    expect([response.status, errorOf(response).code]).toEqual([404, 'NotFound']);
    await expectUntouched();
  });

  it("sees nothing of this tenant in its lists, even when it names this tenant's aircraft", async () => {
    const [ofTarget, reservations, aircraft] = await Promise.all([
      everyItem<Reservation>(otherAdmin, '/reservations', 'reservations', { aircraftId: target.aircraftId }),
      everyItem<Reservation>(otherAdmin, '/reservations', 'reservations'),
      everyItem<Aircraft>(otherAdmin, '/aircraft', 'aircraft'),
    ]);

    expect(ofTarget).toEqual([]);
    expect(reservations).toEqual([otherReservation]);
    expect(aircraft.map((one) => one.aircraftId).sort()).toEqual(otherAircraft.map((one) => one.aircraftId).sort());
    await expectUntouched();
  });
});

describe('ids that name nothing in the tenant', () => {
  const nothing = randomUUID();

  it('answers 404 to reading, updating, deleting and booking an aircraft id no aircraft has, and to cancelling a reservation id no reservation has', async () => {
    const responses = await Promise.all([
      call(admin, 'GET', `/aircraft/${nothing}`),
      call(admin, 'PUT', `/aircraft/${nothing}`, { seats: 2 }),
      call(admin, 'DELETE', `/aircraft/${nothing}`),
      call(admin, 'POST', '/reservations', { aircraftId: nothing, ...nextSlot() }),
      call(admin, 'DELETE', `/reservations/${nothing}`),
    ]);

    expect(responses.map((response) => [response.status, errorOf(response).code])).toEqual(responses.map(() => [404, 'NotFound']));
  });

  it('answers 403, not 404, to a member whose role lacks the action, whatever the id names', async () => {
    const responses = await Promise.all([
      call(memberWith('pilot'), 'PUT', `/aircraft/${nothing}`, { seats: 2 }),
      call(memberWith('pilot'), 'DELETE', `/aircraft/${nothing}`),
      call(memberWith('maintenance-chief'), 'POST', '/reservations', { aircraftId: nothing, ...nextSlot() }),
    ]);

    expect(responses.map((response) => response.status)).toEqual([403, 403, 403]);
  });
});

/** The distinct fields a 400 names. */
const namedFields = (response: ApiResponse): string[] => [...new Set(fieldsOf(response))];

/** 100 code points, 200 UTF-16 units: the model's limit counts what a person counts. */
const EMOJI = '😀';

describe('bad input: 400 naming the field', () => {
  const NEVER_CLAIMED = 'G-NEVER';
  const validAircraft = { registration: NEVER_CLAIMED, model: 'Cessna 172S', seats: 4 };

  it.each<[string, string, Json]>([
    ['an empty registration', 'registration', { registration: '' }],
    ["a registration with '#'", 'registration', { registration: 'G#ABCD' }],
    ['a registration of 21 characters', 'registration', { registration: `G-${'A'.repeat(19)}` }],
    ['an empty model', 'model', { model: '' }],
    ['a model of 101 code points', 'model', { model: EMOJI.repeat(101) }],
    ['0 seats', 'seats', { seats: 0 }],
    ['1001 seats', 'seats', { seats: 1001 }],
    ['2.5 seats', 'seats', { seats: 2.5 }],
    ['seats as the string "4"', 'seats', { seats: '4' }],
    ['no model', 'model', { model: undefined }],
  ])('POST /aircraft with %s names %s and claims nothing', async (_what, field, change) => {
    const response = await call(admin, 'POST', '/aircraft', { ...validAircraft, ...change });

    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('ValidationError');
    expect(namedFields(response)).toEqual([field]);
    expect(await getItem(registrationKey(tenant.tenantId, NEVER_CLAIMED))).toBeUndefined();
  });

  it('POST /aircraft with a field the contract does not name answers 400 naming it, and claims nothing', async () => {
    const response = await call(admin, 'POST', '/aircraft', { ...validAircraft, wings: 2 });

    expect(response.status).toBe(400);
    expect(errorOf(response).details).toEqual([{ field: '(body)', message: expect.stringContaining('"wings"') }]);
    expect(await getItem(registrationKey(tenant.tenantId, NEVER_CLAIMED))).toBeUndefined();
  });

  it('a body that is not JSON answers 400 naming the body, on both creating routes', async () => {
    const responses = await Promise.all([
      callRaw(admin, 'POST', '/aircraft', `{"registration": "${NEVER_CLAIMED}", "model": "Cessna"`),
      callRaw(admin, 'POST', '/reservations', 'aircraftId=x'),
    ]);

    expect(responses.map((response) => [response.status, namedFields(response)])).toEqual([
      [400, ['(body)']],
      [400, ['(body)']],
    ]);
  });

  it('accepts the limits themselves: 100 emoji, 1000 seats, a 20-character registration, a booking of exactly 14 days', async () => {
    const body = { registration: `G-${'A'.repeat(18)}`, model: EMOJI.repeat(100), seats: 1000 };

    const created = await call<{ aircraft: Aircraft }>(admin, 'POST', '/aircraft', body);
    const start = Date.parse(nextSlot().start);
    const booked = await call(booker, 'POST', '/reservations', { aircraftId: created.body.aircraft?.aircraftId, start: iso(start), end: iso(start + 14 * DAY) });

    expect([created.status, booked.status]).toEqual([201, 201]);
    expect(created.body.aircraft).toEqual({ aircraftId: expect.any(String), ...body });
    expect((await aircraftSeenByAdmin(created.body.aircraft.aircraftId)).body.aircraft).toEqual(created.body.aircraft);
  });

  it.each<[string, string, Json]>([
    ['nothing to change', '(body)', {}],
    ['0 seats', 'seats', { seats: 0 }],
    ["a registration with '#'", 'registration', { registration: 'G#ABCD' }],
    ['an empty model', 'model', { model: ' ' }],
  ])('PUT /aircraft/{aircraftId} with %s names %s and changes nothing', async (_what, field, change) => {
    const response = await call(admin, 'PUT', `/aircraft/${shared.aircraft.aircraftId}`, change);

    expect(response.status).toBe(400);
    expect(namedFields(response)).toEqual([field]);
    expect((await aircraftSeenByAdmin(shared.aircraft.aircraftId)).body.aircraft).toEqual(shared.aircraft);
  });

  it.each<[HttpMethod, string, string, unknown]>([
    ['GET', '/aircraft/not-a-uuid', 'aircraftId', undefined],
    ['PUT', '/aircraft/not-a-uuid', 'aircraftId', { seats: 2 }],
    ['DELETE', '/aircraft/not-a-uuid', 'aircraftId', undefined],
    ['DELETE', '/reservations/not-a-uuid', 'reservationId', undefined],
  ])('%s %s: an id that is not a UUID names %s', async (method, path, field, body) => {
    const response = await call(admin, method, path, body);

    expect(response.status).toBe(400);
    expect(namedFields(response)).toEqual([field]);
  });

  it.each<[string, string, (slot: Interval) => Json]>([
    ['a start with an offset (+01:00)', 'start', (slot) => ({ start: slot.start.replace('Z', '+01:00') })],
    ['an end that is a date only', 'end', (slot) => ({ end: slot.end.slice(0, 10) })],
    ['an end equal to the start', 'end', (slot) => ({ end: slot.start })],
    ['an end before the start', 'end', (slot) => ({ start: slot.end, end: slot.start })],
    ['a length of 14 days and a minute', 'end', (slot) => ({ end: iso(Date.parse(slot.start) + 14 * DAY + MINUTE) })],
    ['a start an hour ago', 'start', () => ({ start: iso(Date.now() - HOUR), end: iso(Date.now() + HOUR) })],
    ['a start 367 days ahead', 'start', () => ({ start: iso(Date.now() + 367 * DAY), end: iso(Date.now() + 367 * DAY + HOUR) })],
    ['an aircraftId that is not a UUID', 'aircraftId', () => ({ aircraftId: 'G-ABCD' })],
    ['no end', 'end', () => ({ end: undefined })],
    ['a field the contract does not name', '(body)', () => ({ pilot: 'me' })],
  ])('POST /reservations with %s names %s and books nothing', async (_what, field, change) => {
    const slot = nextSlot();

    const response = await call(booker, 'POST', '/reservations', { aircraftId: shared.aircraft.aircraftId, ...slot, ...change(slot) });

    expect(response.status).toBe(400);
    expect(namedFields(response)).toEqual([field]);
    expect(await reservationsSeenByAdmin(shared.aircraft.aircraftId, slot)).toEqual([]);
  });

  it.each<[string, string]>([
    ['/aircraft?limit=0', 'limit'],
    ['/aircraft?limit=101', 'limit'],
    ['/aircraft?limit=abc', 'limit'],
    ['/aircraft?colour=red', 'colour'],
    ['/aircraft?next=not-a-cursor', 'next'],
    ['/reservations?limit=0', 'limit'],
    ['/reservations?limit=101', 'limit'],
    ['/reservations?limit=abc', 'limit'],
    ['/reservations?colour=red', 'colour'],
    ['/reservations?next=not-a-cursor', 'next'],
    ['/reservations?aircraftId=G-ABCD', 'aircraftId'],
    ['/reservations?from=2027-03-01', 'from'],
    ['/reservations?from=2027-03-01T10:00:00Z&to=2027-03-01T10:00:00Z', 'to'],
    ['/reservations?from=2027-03-01T11:00:00Z&to=2027-03-01T10:00:00Z', 'to'],
  ])('GET %s names %s', async (path, field) => {
    const response = await call(admin, 'GET', path);

    expect(response.status).toBe(400);
    expect(namedFields(response)).toEqual([field]);
  });
});

/** One character of `cursor` changed (in its body, so that only the checksum can tell). */
const tampered = (cursor: string): string => `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;

describe('the next cursor of a list', () => {
  let twice: Aircraft;
  let elsewhere: Aircraft;

  /** The `next` of the first page of one item. */
  async function nextOf(member: Member, path: string, parameters: Record<string, string> = {}): Promise<string> {
    const response = await call<{ next?: string }>(member, 'GET', withQuery(path, { ...parameters, limit: '1' }));
    expect(response.status).toBe(200);
    if (response.body.next === undefined) throw new Error(`GET ${path} gave no next`);
    return response.body.next;
  }

  const page = (path: string, parameters: Record<string, string>) => call(admin, 'GET', withQuery(path, { ...parameters, limit: '1' }));

  beforeAll(async () => {
    [twice, elsewhere] = await Promise.all([newAircraft(), newAircraft()]);
    await Promise.all([book(booker, twice.aircraftId, nextSlot()), book(booker, twice.aircraftId, nextSlot())]);
  });

  it('continues its own list with the same filters', async () => {
    const [aircraftNext, reservationsNext] = await Promise.all([nextOf(admin, '/aircraft'), nextOf(admin, '/reservations', { aircraftId: twice.aircraftId })]);

    const responses = await Promise.all([page('/aircraft', { next: aircraftNext }), page('/reservations', { aircraftId: twice.aircraftId, next: reservationsNext })]);

    expect(responses.map((response) => response.status)).toEqual([200, 200]);
  });

  it('answers 400 naming next when one character of it was changed', async () => {
    const [aircraftNext, reservationsNext] = await Promise.all([nextOf(admin, '/aircraft'), nextOf(admin, '/reservations', { aircraftId: twice.aircraftId })]);

    const responses = await Promise.all([
      page('/aircraft', { next: tampered(aircraftNext) }),
      page('/reservations', { aircraftId: twice.aircraftId, next: tampered(reservationsNext) }),
    ]);

    expect(responses.map((response) => [response.status, namedFields(response)])).toEqual([
      [400, ['next']],
      [400, ['next']],
    ]);
  });

  it('answers 400 naming next when it comes from a list with other filters, another list, or another tenant', async () => {
    const [ofTwice, ofAircraft, ofOtherTenant] = await Promise.all([
      nextOf(admin, '/reservations', { aircraftId: twice.aircraftId }),
      nextOf(admin, '/aircraft'),
      nextOf(otherAdmin, '/aircraft'),
    ]);

    const responses = await Promise.all([
      page('/reservations', { aircraftId: elsewhere.aircraftId, next: ofTwice }),
      page('/reservations', { next: ofTwice }),
      page('/reservations', { aircraftId: twice.aircraftId, from: FIRST_SLOT_ISO, next: ofTwice }),
      page('/reservations', { aircraftId: twice.aircraftId, next: ofAircraft }),
      page('/aircraft', { next: ofOtherTenant }),
    ]);

    expect(responses.map((response) => [response.status, namedFields(response)])).toEqual(responses.map(() => [400, ['next']]));
  });
});

/** The tenant's aircraft holding `registration`, as the admin lists them. */
async function holdersOf(registration: string): Promise<Aircraft[]> {
  return (await everyItem<Aircraft>(admin, '/aircraft', 'aircraft')).filter((aircraft) => aircraft.registration === registration);
}

describe('conflicts: 409', () => {
  it('refuses a registration that differs from an existing one only in case', async () => {
    const first = await call<{ aircraft: Aircraft }>(admin, 'POST', '/aircraft', { registration: 'g-abcd', model: 'Cessna 152' });

    const second = await call(admin, 'POST', '/aircraft', { registration: 'G-ABCD', model: 'Cessna 172S', seats: 4 });

    expect([first.status, second.status]).toEqual([201, 409]);
    expect(first.body.aircraft).toEqual({ aircraftId: expect.any(String), registration: 'G-ABCD', model: 'Cessna 152', seats: 1 });
    expect(errorOf(second).code).toBe('Conflict');
    expect(await holdersOf('G-ABCD')).toEqual([first.body.aircraft]);
  });

  it('of 10 concurrent creates of one registration (in either case), exactly one is created', async () => {
    const spellings = ['n-race', 'N-RACE'];

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) => call<{ aircraft: Aircraft }>(admin, 'POST', '/aircraft', { registration: spellings[index % 2], model: `Racer ${index}` })),
    );

    expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array.from({ length: 9 }, () => 409)]);
    const winner = responses.find((response) => response.status === 201)?.body.aircraft;
    expect(await holdersOf('N-RACE')).toEqual([winner]);
  });

  it('refuses an update to a registration another aircraft holds, and changes nothing', async () => {
    const [holder, mover] = await Promise.all([newAircraft(), newAircraft()]);

    const response = await call(admin, 'PUT', `/aircraft/${mover.aircraftId}`, { registration: holder.registration.toLowerCase(), seats: 2 });

    expect([response.status, errorOf(response).code]).toEqual([409, 'Conflict']);
    expect((await aircraftSeenByAdmin(mover.aircraftId)).body.aircraft).toEqual(mover);
    expect(await holdersOf(holder.registration)).toEqual([holder]);
  });

  it('an update that changes the registration frees the old one for a new aircraft, and holds the new one', async () => {
    const aircraft = await newAircraft();
    const renamed = freshRegistration();

    const updated = await call(admin, 'PUT', `/aircraft/${aircraft.aircraftId}`, { registration: renamed });
    const [takesOld, takesNew] = await Promise.all([
      call<{ aircraft: Aircraft }>(admin, 'POST', '/aircraft', { registration: aircraft.registration, model: 'Diamond DA40', seats: 4 }),
      call(admin, 'POST', '/aircraft', { registration: renamed, model: 'Diamond DA40', seats: 4 }),
    ]);

    expect([updated.status, takesOld.status, takesNew.status]).toEqual([200, 201, 409]);
    expect(await holdersOf(aircraft.registration)).toEqual([takesOld.body.aircraft]);
    expect(await holdersOf(renamed)).toEqual([{ ...aircraft, registration: renamed }]);
  });

  it('refuses to delete an aircraft with a future reservation, and deletes it once that is cancelled', async () => {
    const aircraft = await newAircraft();
    const reservation = await book(booker, aircraft.aircraftId, nextSlot());

    const refused = await call(admin, 'DELETE', `/aircraft/${aircraft.aircraftId}`);
    const stillThere = await aircraftSeenByAdmin(aircraft.aircraftId);
    const cancelled = await call(booker, 'DELETE', `/reservations/${reservation.reservationId}`);
    const deleted = await call(admin, 'DELETE', `/aircraft/${aircraft.aircraftId}`);

    expect([refused.status, errorOf(refused).code]).toEqual([409, 'Conflict']);
    expect(stillThere.body.aircraft).toEqual(aircraft);
    expect([cancelled.status, deleted.status]).toEqual([204, 204]);
    expect((await aircraftSeenByAdmin(aircraft.aircraftId)).status).toBe(404);
  });

  it('a reservation that has ended does not keep its aircraft from being deleted, and cannot be cancelled', async () => {
    const aircraft = await newAircraft();
    const yesterday = Date.now() - DAY;
    // Ended reservations are history no booking can make (none starts in the past): written as a booking left them.
    const ended = await writtenReservation({ reservationId: randomUUID(), aircraftId: aircraft.aircraftId, userId: booker.userId, start: iso(yesterday), end: iso(yesterday + HOUR) });
    expect(await everyItem<Reservation>(admin, '/reservations', 'reservations', { aircraftId: aircraft.aircraftId })).toEqual([ended]);

    const cancelled = await call(admin, 'DELETE', `/reservations/${ended.reservationId}`);
    const deleted = await call(admin, 'DELETE', `/aircraft/${aircraft.aircraftId}`);

    expect([cancelled.status, errorOf(cancelled).code]).toEqual([409, 'Conflict']);
    expect(deleted.status).toBe(204);
    expect((await aircraftSeenByAdmin(aircraft.aircraftId)).status).toBe(404);
  });
});

describe('no double booking: the basics', () => {
  const at = (slot: Interval, fromMinutes: number, toMinutes: number): Interval => ({
    start: iso(Date.parse(slot.start) + fromMinutes * MINUTE),
    end: iso(Date.parse(slot.start) + toMinutes * MINUTE),
  });
  const bookingOf = (member: Member, aircraft: Aircraft, interval: Interval) => call(member, 'POST', '/reservations', { aircraftId: aircraft.aircraftId, ...interval });

  it('books a reservation that starts exactly when another ends', async () => {
    const aircraft = await newAircraft();
    const slot = nextSlot();
    const first = await book(booker, aircraft.aircraftId, at(slot, 0, 60));

    const touching = await bookingOf(memberWith('instructor'), aircraft, at(slot, 60, 90));

    expect(touching.status).toBe(201);
    expect(await reservationsSeenByAdmin(aircraft.aircraftId, at(slot, -60, 120))).toEqual([first, (touching.body as { reservation: Reservation }).reservation]);
  });

  it.each<[string, number, number]>([
    ['the same hour', 0, 60],
    ['its second half and the half hour after', 30, 90],
    ['only its last minute', 59, 120],
    ['a part inside it', 15, 45],
    ['all of it and more', -30, 90],
  ])('refuses with 409 a booking of %s of another, and the schedule stays as it was', async (_what, from, to) => {
    const aircraft = await newAircraft();
    const slot = nextSlot();
    const first = await book(booker, aircraft.aircraftId, at(slot, 0, 60));

    const overlapping = await bookingOf(memberWith('instructor'), aircraft, at(slot, from, to));

    expect([overlapping.status, errorOf(overlapping).code]).toEqual([409, 'Conflict']);
    expect(await reservationsSeenByAdmin(aircraft.aircraftId, at(slot, -60, 120))).toEqual([first]);
  });

  it('books another aircraft for the same time', async () => {
    const [aircraft, another] = await Promise.all([newAircraft(), newAircraft()]);
    const slot = nextSlot();
    await book(booker, aircraft.aircraftId, slot);

    const response = await bookingOf(memberWith('instructor'), another, slot);

    expect(response.status).toBe(201);
  });

  it('a cancelled reservation frees its time', async () => {
    const aircraft = await newAircraft();
    const slot = nextSlot();
    const first = await book(booker, aircraft.aircraftId, slot);
    expect((await bookingOf(memberWith('instructor'), aircraft, slot)).status).toBe(409);

    expect((await call(booker, 'DELETE', `/reservations/${first.reservationId}`)).status).toBe(204);
    const again = await bookingOf(memberWith('instructor'), aircraft, slot);

    expect(again.status).toBe(201);
    expect(await reservationsSeenByAdmin(aircraft.aircraftId, slot)).toEqual([(again.body as { reservation: Reservation }).reservation]);
  });

  it('answers 403, not 409, to a member whose role cannot book, even for a time that is taken', async () => {
    const aircraft = await newAircraft();
    const slot = nextSlot();
    const first = await book(booker, aircraft.aircraftId, slot);

    const response = await bookingOf(memberWith('maintenance-chief'), aircraft, slot);

    expect(response.status).toBe(403);
    expect(await reservationsSeenByAdmin(aircraft.aircraftId, slot)).toEqual([first]);
  });
});

/** Far beyond every `nextSlot`, well within the 366 days a booking may be ahead: only the list tests book here. */
const LIST_WINDOW = Math.ceil((FIRST_SLOT + 200 * DAY) / DAY) * DAY;
const hoursIn = (hours: number): string => iso(LIST_WINDOW + hours * HOUR);

describe('GET /reservations: order and filters', () => {
  let one: Aircraft;
  let two: Aircraft;
  /** r1 on one [0 h, 2 h), r2 on two [1 h, 3 h), r3 on one [3 h, 4 h), r4 on two [4 h, 6 h), r5 on one [6 h, 7 h). */
  let r: Reservation[];

  const listed = (parameters: Record<string, string>) => everyItem<Reservation>(admin, '/reservations', 'reservations', parameters);

  beforeAll(async () => {
    [one, two] = await Promise.all([newAircraft(), newAircraft()]);
    const plan: [Member, Aircraft, number, number][] = [
      [booker, one, 0, 2],
      [memberWith('pilot'), two, 1, 3],
      [memberWith('instructor'), one, 3, 4],
      [admin, two, 4, 6],
      [booker, one, 6, 7],
    ];
    r = await Promise.all(plan.map(([member, aircraft, from, to]) => book(member, aircraft.aircraftId, { start: hoursIn(from), end: hoursIn(to) })));
  });

  it('lists the reservations overlapping [from, to) of every aircraft, over every shard, ordered by start', async () => {
    expect(await listed({ from: hoursIn(0), to: hoursIn(8) })).toEqual(r);
  });

  it("with aircraftId, lists only that aircraft's", async () => {
    const [ofOne, ofTwo] = await Promise.all([
      listed({ aircraftId: one.aircraftId, from: hoursIn(0), to: hoursIn(8) }),
      listed({ aircraftId: two.aircraftId, from: hoursIn(0), to: hoursIn(8) }),
    ]);

    expect([ofOne, ofTwo]).toEqual([
      [r[0], r[2], r[4]],
      [r[1], r[3]],
    ]);
  });

  it('from includes a reservation that started before it and ends after it, not one that ends exactly at it', async () => {
    const [all, ofOne, ofTwo] = await Promise.all([
      listed({ from: hoursIn(2), to: hoursIn(8) }),
      listed({ aircraftId: one.aircraftId, from: hoursIn(2), to: hoursIn(8) }),
      listed({ aircraftId: two.aircraftId, from: hoursIn(2), to: hoursIn(8) }),
    ]);

    expect([all, ofOne, ofTwo]).toEqual([
      [r[1], r[2], r[3], r[4]],
      [r[2], r[4]],
      [r[1], r[3]],
    ]);
  });

  it('to includes a reservation that starts before it, not one that starts exactly at it', async () => {
    const [atStart, withinIt] = await Promise.all([listed({ from: hoursIn(0), to: hoursIn(4) }), listed({ from: hoursIn(0), to: hoursIn(3.5) })]);

    expect([atStart, withinIt]).toEqual([
      [r[0], r[1], r[2]],
      [r[0], r[1], r[2]],
    ]);
  });

  it('pages of two list the same reservations, each once, in order', async () => {
    const pages: Reservation[][] = [];
    let next: string | undefined;
    do {
      const response = await call<{ reservations: Reservation[]; next?: string }>(admin, 'GET', withQuery('/reservations', { from: hoursIn(0), to: hoursIn(8), limit: '2', next }));
      expect(response.status).toBe(200);
      pages.push(response.body.reservations);
      next = response.body.next;
    } while (next !== undefined);

    expect(pages.flat()).toEqual(r);
    expect(pages.every((page) => page.length <= 2)).toBe(true);
  });

  it('without filters lists every reservation of the tenant, ordered by start', async () => {
    const all = await listed({});

    const starts = all.map((reservation) => reservation.start);
    expect(starts).toEqual([...starts].sort());
    expect(all.filter((reservation) => r.some((mine) => mine.reservationId === reservation.reservationId))).toEqual(r);
  });
});

interface AuditEvent {
  readonly type: string;
  readonly actorUserId: string;
  readonly detail: Json;
}

const DATA_PLANE_TYPES: readonly DetailType[] = [
  DETAIL_TYPE.aircraftCreated,
  DETAIL_TYPE.aircraftUpdated,
  DETAIL_TYPE.aircraftDeleted,
  DETAIL_TYPE.reservationCreated,
  DETAIL_TYPE.reservationCancelled,
];

/** A data-plane write as its audit record tells it: the same shape as `DataWrite`, to compare them. */
const asWrite = (tenantId: string, event: AuditEvent): DataWrite => ({
  tenantId,
  type: event.type as DetailType,
  id: String(event.type.startsWith('aircraft.') ? event.detail.aircraftId : event.detail.reservationId),
  actorUserId: event.actorUserId,
});

const byWrite = (a: DataWrite, b: DataWrite): number => JSON.stringify(a).localeCompare(JSON.stringify(b));

/**
 * The data-plane records of the tenant's trail that `where` picks, through `GET /audit` as its
 * admin, once there are at least `atLeast` (the audit writer is fed by the bus, a moment later).
 */
async function auditedWrites(member: Member, atLeast: number, where: (write: DataWrite) => boolean = () => true): Promise<DataWrite[]> {
  const read = async () =>
    (await everyItem<AuditEvent>(member, '/audit', 'events'))
      .filter((event) => DATA_PLANE_TYPES.includes(event.type as DetailType))
      .map((event) => asWrite(member.tenantId, event))
      .filter(where)
      .sort(byWrite);
  return eventually(async () => {
    const writes = await read();
    return writes.length >= atLeast ? writes : undefined;
  }, `${atLeast} data-plane records in the audit trail of ${member.tenantId}`);
}

describe('the audit trail (GET /audit)', () => {
  it('records an aircraft created, updated and deleted and reservations booked and cancelled, once each, with who did each', async () => {
    const chief = memberWith('maintenance-chief');
    const pilot = memberWith('pilot');
    const instructor = memberWith('instructor');
    const aircraft = await newAircraft(chief);
    expect((await call(chief, 'PUT', `/aircraft/${aircraft.aircraftId}`, { seats: 2 })).status).toBe(200);
    const [cancelledByInstructor, cancelledByPilot] = await Promise.all([book(pilot, aircraft.aircraftId, nextSlot()), book(pilot, aircraft.aircraftId, nextSlot())]);
    expect((await call(instructor, 'DELETE', `/reservations/${cancelledByInstructor.reservationId}`)).status).toBe(204);
    expect((await call(pilot, 'DELETE', `/reservations/${cancelledByPilot.reservationId}`)).status).toBe(204);
    expect((await call(chief, 'DELETE', `/aircraft/${aircraft.aircraftId}`)).status).toBe(204);
    const expected: DataWrite[] = [
      { tenantId: tenant.tenantId, type: DETAIL_TYPE.aircraftCreated, id: aircraft.aircraftId, actorUserId: chief.userId },
      { tenantId: tenant.tenantId, type: DETAIL_TYPE.aircraftUpdated, id: aircraft.aircraftId, actorUserId: chief.userId },
      { tenantId: tenant.tenantId, type: DETAIL_TYPE.reservationCreated, id: cancelledByInstructor.reservationId, actorUserId: pilot.userId },
      { tenantId: tenant.tenantId, type: DETAIL_TYPE.reservationCreated, id: cancelledByPilot.reservationId, actorUserId: pilot.userId },
      { tenantId: tenant.tenantId, type: DETAIL_TYPE.reservationCancelled, id: cancelledByInstructor.reservationId, actorUserId: instructor.userId },
      { tenantId: tenant.tenantId, type: DETAIL_TYPE.reservationCancelled, id: cancelledByPilot.reservationId, actorUserId: pilot.userId },
      { tenantId: tenant.tenantId, type: DETAIL_TYPE.aircraftDeleted, id: aircraft.aircraftId, actorUserId: chief.userId },
    ];

    const ids = [aircraft.aircraftId, cancelledByInstructor.reservationId, cancelledByPilot.reservationId];

    const concerningThem = await auditedWrites(admin, expected.length, (write) => ids.includes(write.id));

    expect(concerningThem).toEqual([...expected].sort(byWrite));
  });

  // Last, and reading what every test before made: an effect a write answered as made is audited once, a refused write never.
  it('holds every data-plane write this file made, once each, and no other, in both tenants', async () => {
    const expectedOf = (tenantId: string) => writesMade.filter((write) => write.tenantId === tenantId).sort(byWrite);

    const [here, there] = await Promise.all([auditedWrites(admin, expectedOf(tenant.tenantId).length), auditedWrites(otherAdmin, expectedOf(other.tenantId).length)]);

    expect(here).toEqual(expectedOf(tenant.tenantId));
    expect(there).toEqual(expectedOf(other.tenantId));
    expect(here.length).toBeGreaterThan(0);
  });
});
