import { allows, ENDPOINTS, type Endpoint } from '../api/endpoints';
import { hrefOf, type Page } from '../routing/routes';
import { usePage } from '../routing/use-page';
import { useWorkspace } from './workspace-context';

/** Each page with the read that fills it: the menu lists the pages the caller's role can read. */
const SECTIONS: readonly { page: Page; label: string; read: Endpoint }[] = [
  { page: 'aircraft', label: 'Aircraft', read: ENDPOINTS.listAircraft },
  { page: 'reservations', label: 'Reservations', read: ENDPOINTS.listReservations },
  { page: 'members', label: 'Members', read: ENDPOINTS.listMembers },
  { page: 'roles', label: 'Roles', read: ENDPOINTS.listRoles },
  { page: 'audit', label: 'Audit log', read: ENDPOINTS.listAudit },
];

export function Nav() {
  const { me } = useWorkspace();
  const page = usePage('aircraft');
  if (!me.activeTenantId) return null;
  return (
    <nav aria-label="Pages">
      {SECTIONS.filter((section) => allows(me.permissions, section.read)).map((section) => (
        <a key={section.page} href={hrefOf(section.page)} aria-current={page.startsWith(section.page) ? 'page' : undefined}>
          {section.label}
        </a>
      ))}
    </nav>
  );
}
