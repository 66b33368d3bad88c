import { useState } from 'preact/hooks';
import { ACTIONS, type Action } from '../../../domain/permissions';
import { ErrorNotice } from '../common/ErrorNotice';
import { useAction } from '../common/use-action';
import { navigate } from '../routing/use-page';

export interface RoleInput {
  readonly name: string;
  /** In the catalogue's order (domain/permissions.ts ACTIONS), whatever order they were ticked in. */
  readonly actions: readonly Action[];
}

interface Props {
  readonly initial?: RoleInput;
  readonly submitLabel: string;
  readonly save: (input: RoleInput) => Promise<unknown>;
}

/** A role's name and any of the catalogue's actions, for create and edit: on success, back to the list. */
export function RoleFields({ initial, submitLabel, save }: Props) {
  const [name, setName] = useState(initial?.name ?? '');
  const [chosen, setChosen] = useState<ReadonlySet<Action>>(new Set(initial?.actions));
  const toggle = (action: Action, on: boolean): void => {
    const next = new Set(chosen);
    if (on) next.add(action);
    else next.delete(action);
    setChosen(next);
  };
  const submit = useAction(async () => {
    await save({ name: name.trim(), actions: ACTIONS.filter((action) => chosen.has(action)) });
    navigate('roles');
  });
  return (
    <form
      class="card"
      onSubmit={(event) => {
        event.preventDefault();
        void submit.run();
      }}
    >
      <label>
        Role name
        <input name="role-name" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>Actions</legend>
        {ACTIONS.map((action) => (
          <label key={action} class="check">
            <input type="checkbox" checked={chosen.has(action)} onChange={(event) => toggle(action, event.currentTarget.checked)} />
            <code>{action}</code>
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={submit.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={submit.busy}>
          {submit.busy ? 'Saving…' : submitLabel}
        </button>
        <a href="#/roles">Cancel</a>
      </div>
    </form>
  );
}
