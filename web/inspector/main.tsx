import { render } from 'preact';
import './main.css';
import { AuditView } from './audit/AuditView';
import { TABS, type Route, type Tab } from './common/hash';
import { useRoute, type Navigate } from './common/use-route';
import { EventsView } from './events/EventsView';
import { ExecutionsView } from './executions/ExecutionsView';
import { InvocationsView } from './invocations/InvocationsView';
import { MailView } from './mail/MailView';

const TAB_LABELS: Record<Tab, string> = { executions: 'Executions', events: 'Events', invocations: 'Invocations', audit: 'Audit', mail: 'Mail' };

function Panel({ route, navigate }: { route: Route; navigate: Navigate }) {
  const { params } = route;
  switch (route.tab) {
    case 'executions':
      return <ExecutionsView filters={params} onChange={(filters) => navigate('executions', { ...filters })} />;
    case 'events':
      return <EventsView filters={params} onChange={(filters) => navigate('events', filters)} />;
    case 'invocations':
      return <InvocationsView />;
    case 'audit':
      return <AuditView tenant={params.tenant} onSelect={(tenant) => navigate('audit', { tenant })} />;
    case 'mail':
      return <MailView />;
  }
}

function App() {
  const [route, navigate] = useRoute();
  return (
    <>
      <header class="top">
        <h1>Local cloud inspector</h1>
        <nav role="tablist" aria-label="Views">
          {TABS.map((tab) => (
            <button key={tab} type="button" role="tab" id={`tab-${tab}`} aria-selected={route.tab === tab} aria-controls="panel" onClick={() => navigate(tab)}>
              {TAB_LABELS[tab]}
            </button>
          ))}
        </nav>
      </header>
      <main>
        <div id="panel" role="tabpanel" aria-labelledby={`tab-${route.tab}`}>
          <Panel route={route} navigate={navigate} />
        </div>
      </main>
    </>
  );
}

const root = document.getElementById('root');
if (root) render(<App />, root);
