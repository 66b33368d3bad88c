/**
 * The data-plane part of `npm run demo`: the story of the design's Figure 7 at Blue Sky Flight
 * School, told through the REST API with each person's own ID token. It leaves the demo as it found
 * it (the role restored, the booking cancelled, the aircraft removed), so the demo runs again.
 */
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { randomInt } from 'node:crypto';
import type { LocalOutputs } from './cloud';
import { DEMO_PASSWORD, DEMO_ROLES } from './seed';

type ApiAnswer = { status: number; body: Record<string, unknown> };
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;
interface Output {
  readonly step: (text: string) => void;
  readonly show: (value: unknown) => void;
}

const BLUE_SKY = 'Blue Sky Flight School';

/** A caller of the REST API with one ID token, as a front end holds it. */
export function apiCaller(outputs: LocalOutputs, idToken: string): ApiCall {
  return async (method, path, body) => {
    const response = await fetch(`${outputs.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${idToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
}

/** Signs the user in with Blue Sky active (switching to it when a previous session left another). */
async function signedInAtBlueSky(outputs: LocalOutputs, idp: CognitoIdentityProviderClient, email: string): Promise<ApiCall> {
  const auth = await idp.send(
    new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD } }),
  );
  const idToken = auth.AuthenticationResult?.IdToken ?? '';
  const call = apiCaller(outputs, idToken);
  const tenants = await call('GET', '/tenants');
  const blueSky = ((tenants.body.tenants ?? []) as { tenantId: string; name: string }[]).find((tenant) => tenant.name === BLUE_SKY);
  if (!blueSky) throw new Error(`${email} should be a member of ${BLUE_SKY}: was the demo seeded?`);
  if (tenants.body.activeTenantId === blueSky.tenantId) return call;
  const switched = await call('PUT', '/tenants/active', { tenantId: blueSky.tenantId, refreshToken: auth.AuthenticationResult?.RefreshToken });
  return apiCaller(outputs, (switched.body.tokens as { idToken: string }).idToken);
}

/** What a step answered, without the parts nobody needs to read. */
const answer = (result: ApiAnswer) => ({ status: result.status, ...result.body });

const tomorrowAt = (hour: number): string => {
  const time = new Date();
  time.setUTCDate(time.getUTCDate() + 1);
  time.setUTCHours(hour, 0, 0, 0);
  return time.toISOString();
};

export async function flightSchool(outputs: LocalOutputs, idp: CognitoIdentityProviderClient, out: Output): Promise<void> {
  const [ben, maya, ada] = await Promise.all(['ben@blue-sky.example', 'maya@pilots.example', 'ada@blue-sky.example'].map((email) => signedInAtBlueSky(outputs, idp, email)));
  if (!ben || !maya || !ada) throw new Error('sign-in failed');
  // A registration of this run's own, so that a run stopped halfway never blocks the next.
  const registration = `G-D${String(randomInt(100, 1000))}`;
  out.step(`ben (maintenance chief at ${BLUE_SKY}) adds an aircraft: POST /aircraft (its permission check commits with the write)`);
  const added = await ben('POST', '/aircraft', { registration, model: 'Cessna 172S Skyhawk', seats: 4 });
  out.show(answer(added));
  const aircraftId = (added.body.aircraft as { aircraftId: string }).aircraftId;
  out.step("maya (a pilot) tries the same: her role lacks aircraft:write → 403, and access.denied.v1 in the audit trail");
  out.show(answer(await maya('POST', '/aircraft', { registration: `${registration}X`, model: 'Piper PA-28', seats: 4 })));
  out.step('maya books it: POST /reservations, written with the credentials the authorizer minted for her, in her tenant only');
  const slot = { aircraftId, start: tomorrowAt(13), end: tomorrowAt(15) };
  const booked = await maya('POST', '/reservations', slot);
  out.show(answer(booked));
  out.step('ada (admin) tries to book the same slot: no double booking → 409');
  out.show(answer(await ada('POST', '/reservations', { ...slot, start: tomorrowAt(14) })));
  out.step("ada removes reservation:create from the pilot role: PUT /roles/pilot");
  const pilot = DEMO_ROLES.find((role) => role.name === 'Pilot');
  out.show(answer(await ada('PUT', '/roles/pilot', { actions: (pilot?.actions ?? []).filter((action) => action !== 'reservation:create') })));
  out.step("maya books again with the same token: the transaction's check on her role refuses it → 403");
  out.show(answer(await maya('POST', '/reservations', { aircraftId, start: tomorrowAt(16), end: tomorrowAt(17) })));
  out.step('GET /aircraft?limit=5 and GET /reservations?aircraftId=… (lists merged over the write shards)');
  out.show(answer(await maya('GET', '/aircraft?limit=5')));
  out.show(answer(await maya('GET', `/reservations?aircraftId=${aircraftId}`)));
  out.step('Back as it was: the pilot role restored, the booking cancelled by maya, the aircraft removed by ben');
  const restored = await ada('PUT', '/roles/pilot', { actions: pilot?.actions ?? [] });
  const cancelled = await maya('DELETE', `/reservations/${(booked.body.reservation as { reservationId: string }).reservationId}`);
  const removed = await ben('DELETE', `/aircraft/${aircraftId}`);
  out.show({ restoreRole: restored.status, cancelReservation: cancelled.status, deleteAircraft: removed.status });
}
