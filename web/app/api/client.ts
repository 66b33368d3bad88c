import type { Action } from '../../../domain/permissions';
import { ENDPOINTS, pathOf, type Endpoint } from './endpoints';
import { apiErrorFrom, NetworkError } from './errors';
import type { AddMemberResult, Aircraft, AuditEvent, Invitation, IssuedTokens, Me, Member, Reservation, Role, TenantList, TenantMembership } from './types';

/** Where the client gets the ID token, and how it gets a fresh one after a 401. */
export interface TokenSource {
  idToken(): Promise<string>;
  refresh(): Promise<void>;
}

interface RequestOptions {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** One per attempt of a creating POST (API.md): a retry of that attempt creates nothing twice. */
  readonly idempotencyKey?: string;
}

/**
 * Never from the HTTP cache: an answer is one tenant's, and the next request may be another's.
 * (Spread, so that Node's RequestInit, which lacks `cache`, type-checks the unit tests too.)
 */
const NO_STORE: { readonly cache?: 'no-store' } = { cache: 'no-store' };

/** A fresh key per user attempt: the same click retried by the network is one creation. */
export const newIdempotencyKey = (): string => crypto.randomUUID();

/** The REST API of API.md, typed; the ID token goes in the Authorization header, never in a URL. */
export class ApiClient {
  constructor(
    private readonly apiUrl: string,
    private readonly tokens: TokenSource,
  ) {}

  me = (): Promise<Me> => this.request(ENDPOINTS.me);
  tenants = (): Promise<TenantList> => this.request(ENDPOINTS.listTenants);
  createTenant = (name: string, refreshToken: string, idempotencyKey: string): Promise<{ tenant: Pick<TenantMembership, 'tenantId' | 'name'>; tokens: IssuedTokens }> =>
    this.request(ENDPOINTS.createTenant, { body: { name, refreshToken }, idempotencyKey });
  switchTenant = (tenantId: string, refreshToken: string): Promise<{ activeTenantId: string; tokens: IssuedTokens }> =>
    this.request(ENDPOINTS.switchTenant, { body: { tenantId, refreshToken } });

  aircraft = (): Promise<{ aircraft: Aircraft[]; next?: string }> => this.request(ENDPOINTS.listAircraft, { query: { limit: '100' } });
  createAircraft = (input: { registration: string; model: string; seats?: number }, idempotencyKey: string): Promise<{ aircraft: Aircraft }> =>
    this.request(ENDPOINTS.createAircraft, { body: input, idempotencyKey });
  getAircraft = (aircraftId: string): Promise<{ aircraft: Aircraft }> => this.request(ENDPOINTS.getAircraft, { params: { aircraftId } });
  updateAircraft = (aircraftId: string, change: { registration?: string; model?: string; seats?: number }): Promise<{ aircraft: Aircraft }> =>
    this.request(ENDPOINTS.updateAircraft, { params: { aircraftId }, body: change });
  deleteAircraft = (aircraftId: string): Promise<void> => this.request(ENDPOINTS.deleteAircraft, { params: { aircraftId } });

  reservations = (): Promise<{ reservations: Reservation[]; next?: string }> => this.request(ENDPOINTS.listReservations, { query: { limit: '100' } });
  createReservation = (input: { aircraftId: string; start: string; end: string }, idempotencyKey: string): Promise<{ reservation: Reservation }> =>
    this.request(ENDPOINTS.createReservation, { body: input, idempotencyKey });
  cancelReservation = (reservationId: string): Promise<void> => this.request(ENDPOINTS.cancelReservation, { params: { reservationId } });

  members = (): Promise<{ members: Member[] }> => this.request(ENDPOINTS.listMembers);
  addMember = (email: string, roleId: string, idempotencyKey: string): Promise<AddMemberResult> => this.request(ENDPOINTS.addMember, { body: { email, roleId }, idempotencyKey });
  changeMemberRole = (userId: string, roleId: string): Promise<{ member: Member }> => this.request(ENDPOINTS.changeMemberRole, { params: { userId }, body: { roleId } });
  removeMember = (userId: string): Promise<void> => this.request(ENDPOINTS.removeMember, { params: { userId } });
  invitations = (): Promise<{ invitations: Invitation[] }> => this.request(ENDPOINTS.listInvitations);
  revokeInvitation = (email: string): Promise<void> => this.request(ENDPOINTS.revokeInvitation, { params: { email } });

  roles = (): Promise<{ roles: Role[] }> => this.request(ENDPOINTS.listRoles);
  createRole = (name: string, actions: readonly Action[], idempotencyKey: string): Promise<{ role: Role }> => this.request(ENDPOINTS.createRole, { body: { name, actions }, idempotencyKey });
  updateRole = (roleId: string, change: { name?: string; actions?: readonly Action[] }): Promise<{ role: Role }> => this.request(ENDPOINTS.updateRole, { params: { roleId }, body: change });
  deleteRole = (roleId: string): Promise<void> => this.request(ENDPOINTS.deleteRole, { params: { roleId } });

  audit = (next?: string): Promise<{ events: AuditEvent[]; next?: string }> => this.request(ENDPOINTS.listAudit, { query: { limit: '25', next } });

  private async request<T>(endpoint: Endpoint, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(endpoint, options, await this.tokens.idToken());
    if (response.status !== 401) return this.read<T>(response);
    // The authorizer refused the token before any handler ran, so sending again is safe.
    await this.tokens.refresh();
    return this.read<T>(await this.send(endpoint, options, await this.tokens.idToken()));
  }

  private async send(endpoint: Endpoint, options: RequestOptions, idToken: string): Promise<Response> {
    const url = new URL(this.apiUrl.replace(/\/$/, '') + pathOf(endpoint, options.params));
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const headers: Record<string, string> = { authorization: `Bearer ${idToken}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    try {
      return await fetch(url, { method: endpoint.method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), credentials: 'omit', ...NO_STORE });
    } catch {
      throw new NetworkError(url.href);
    }
  }

  private async read<T>(response: Response): Promise<T> {
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) throw apiErrorFrom(response.status, body);
    return body as T;
  }
}
