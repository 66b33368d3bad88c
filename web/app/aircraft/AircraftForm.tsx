import { newIdempotencyKey } from '../api/client';
import { PageHeading } from '../common/PageHeading';
import { useWorkspace } from '../shell/workspace-context';
import { AircraftFields } from './AircraftFields';

/** Rendered for every role: a role without `aircraft:write` that reaches it reads the API's refusal. */
export function AircraftForm() {
  const { api } = useWorkspace();
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Add aircraft" />
      <AircraftFields submitLabel="Save aircraft" save={(input) => api.createAircraft(input, newIdempotencyKey())} />
    </section>
  );
}
