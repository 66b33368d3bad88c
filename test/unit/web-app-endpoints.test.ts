import { ROUTES } from '../../handlers/api/routes';
import { allows, ENDPOINTS, pathOf } from '../../web/app/api/endpoints';

describe("the tenant app's endpoint table", () => {
  it.each(Object.entries(ENDPOINTS))('%s names a route of handlers/api/routes.ts with the action its handler checks', (_name, endpoint) => {
    // Act
    const route = ROUTES.find((candidate) => candidate.method === endpoint.method && candidate.path === endpoint.path);
    // Assess
    expect(route).toBeDefined();
    expect(endpoint.action).toBe(route?.action);
  });

  it('fills path parameters URL-encoded, so an email or a crafted id stays one segment', () => {
    // Act
    const revoke = pathOf(ENDPOINTS.revokeInvitation, { email: 'lee+x@blue-sky.example' });
    const crafted = pathOf(ENDPOINTS.deleteAircraft, { aircraftId: '../members/x?y' });
    // Assess
    expect(revoke).toBe('/invitations/lee%2Bx%40blue-sky.example');
    expect(crafted).toBe('/aircraft/..%2Fmembers%2Fx%3Fy');
  });

  it.each(['', '.', '..'])('refuses %p as a path parameter: the URL parser would read it as a dot segment and leave the route', (value) => {
    // Act / Assess
    expect(() => pathOf(ENDPOINTS.updateAircraft, { aircraftId: value })).toThrow(`/aircraft/{aircraftId}: ${JSON.stringify(value)} is no aircraftId`);
  });

  it('refuses to build a path with a parameter missing', () => {
    // Act / Assess
    expect(() => pathOf(ENDPOINTS.deleteRole)).toThrow('/roles/{roleId} needs roleId');
  });

  it("shows an action only when the caller's permissions hold the endpoint's action", () => {
    // Prepare
    const pilot = ['aircraft:read', 'reservation:read', 'reservation:create'];
    // Act / Assess
    expect(allows(pilot, ENDPOINTS.listAircraft)).toBe(true);
    expect(allows(pilot, ENDPOINTS.createAircraft)).toBe(false);
    expect(allows([], ENDPOINTS.listRoles)).toBe(true);
  });
});
