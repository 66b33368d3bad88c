import { AircraftForm } from '../aircraft/AircraftForm';
import { AircraftPage } from '../aircraft/AircraftPage';
import { EditAircraftForm } from '../aircraft/EditAircraftForm';
import { AuditPage } from '../audit/AuditPage';
import type { Session } from '../auth/session';
import { AddMemberForm } from '../members/AddMemberForm';
import { MembersPage } from '../members/MembersPage';
import { BookingForm } from '../reservations/BookingForm';
import { ReservationsPage } from '../reservations/ReservationsPage';
import { EditRoleForm } from '../roles/EditRoleForm';
import { RoleForm } from '../roles/RoleForm';
import { RolesPage } from '../roles/RolesPage';
import type { Route } from '../routing/routes';
import { useRoute } from '../routing/use-page';
import { CreateTenant } from '../tenants/CreateTenant';
import { NoTenant } from '../tenants/NoTenant';
import { useWorkspace } from './workspace-context';

/**
 * The page the fragment names. Every page renders for every role (a direct route reaches the
 * form, and the API's refusal is what the user reads); the buttons leading there follow the role.
 */
export function PageView({ session }: { readonly session: Session }) {
  const { me, tenants } = useWorkspace();
  const route = useRoute('aircraft');
  const hasTenant = me.activeTenantId !== null && tenants.tenants.some((tenant) => tenant.tenantId === me.activeTenantId);
  if (route.page === 'tenants/new') return <main><CreateTenant session={session} /></main>;
  if (!hasTenant) return <main><NoTenant session={session} /></main>;
  return <main>{pageContent(route)}</main>;
}

function pageContent(route: Route) {
  // Keyed by the id: following a link to another item starts its form afresh.
  if (route.page === 'aircraft/edit') return <EditAircraftForm key={route.id} aircraftId={route.id} />;
  if (route.page === 'roles/edit') return <EditRoleForm key={route.id} roleId={route.id} />;
  switch (route.page) {
    case 'aircraft/new':
      return <AircraftForm />;
    case 'reservations':
      return <ReservationsPage />;
    case 'reservations/new':
      return <BookingForm />;
    case 'members':
      return <MembersPage />;
    case 'members/add':
      return <AddMemberForm />;
    case 'roles':
      return <RolesPage />;
    case 'roles/new':
      return <RoleForm />;
    case 'audit':
      return <AuditPage />;
    default:
      return <AircraftPage />;
  }
}
