import type { Action } from '../../../domain/permissions';

/** The bodies API.md documents, as the app reads them. */
export interface Me {
  readonly userId: string;
  readonly email: string;
  readonly activeTenantId: string | null;
  readonly roleId: string | null;
  readonly permissions: readonly Action[];
}

export interface TenantMembership {
  readonly tenantId: string;
  readonly name: string;
  readonly roleId: string;
}

export interface TenantList {
  readonly tenants: readonly TenantMembership[];
  readonly activeTenantId: string | null;
}

/** What `POST /tenants` and `PUT /tenants/active` hand back: tokens that name the new active tenant. */
export interface IssuedTokens {
  readonly idToken: string;
  readonly accessToken: string;
}

export interface Aircraft {
  readonly aircraftId: string;
  readonly registration: string;
  readonly model: string;
  readonly seats?: number;
}

export interface Reservation {
  readonly reservationId: string;
  readonly aircraftId: string;
  readonly userId: string;
  readonly start: string;
  readonly end: string;
}

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly roleId: string;
}

export interface Invitation {
  readonly email: string;
  readonly roleId: string;
  readonly invitedBy?: string;
  readonly expiresAt: string;
}

export interface Role {
  readonly roleId: string;
  readonly name: string;
  readonly actions: readonly Action[];
}

export interface AuditEvent {
  readonly id: string;
  readonly time: string;
  readonly type: string;
  readonly actorUserId?: string;
  readonly detail: unknown;
}

/** `POST /members`: 201 with the member when the user exists, 202 with an invitation when not yet. */
export type AddMemberResult = { readonly member: Member } | { readonly invitation: Invitation };
