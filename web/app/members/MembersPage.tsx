import { allows, ENDPOINTS } from '../api/endpoints';
import { PageHeading } from '../common/PageHeading';
import { hrefOf } from '../routing/routes';
import { useWorkspace } from '../shell/workspace-context';
import { InvitationsTable } from './InvitationsTable';
import { MembersTable } from './MembersTable';

export function MembersPage() {
  const { me } = useWorkspace();
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Members">
        {allows(me.permissions, ENDPOINTS.addMember) && (
          <a class="button primary" href={hrefOf('members/add')}>
            Add member
          </a>
        )}
      </PageHeading>
      <MembersTable />
      <InvitationsTable />
    </section>
  );
}
