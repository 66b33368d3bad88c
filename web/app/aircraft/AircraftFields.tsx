import { useState } from 'preact/hooks';
import { ErrorNotice } from '../common/ErrorNotice';
import { useAction } from '../common/use-action';
import { navigate } from '../routing/use-page';

/** What the form collects: `seats` absent when left empty (the API's default applies on create). */
export interface AircraftInput {
  readonly registration: string;
  readonly model: string;
  readonly seats?: number;
}

interface Props {
  readonly initial?: AircraftInput;
  readonly submitLabel: string;
  readonly save: (input: AircraftInput) => Promise<unknown>;
}

/** The aircraft form of both create and edit: on success, back to the list; on refusal, the API's message. */
export function AircraftFields({ initial, submitLabel, save }: Props) {
  const [registration, setRegistration] = useState(initial?.registration ?? '');
  const [model, setModel] = useState(initial?.model ?? '');
  const [seats, setSeats] = useState(initial?.seats === undefined ? '' : String(initial.seats));
  const submit = useAction(async () => {
    await save({ registration: registration.trim(), model: model.trim(), ...(seats ? { seats: Number(seats) } : {}) });
    navigate('aircraft');
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
        Registration
        <input name="registration" required value={registration} onInput={(event) => setRegistration(event.currentTarget.value)} />
      </label>
      <label>
        Model
        <input name="model" required value={model} onInput={(event) => setModel(event.currentTarget.value)} />
      </label>
      <label>
        Seats
        <input name="seats" type="number" min={1} step={1} value={seats} onInput={(event) => setSeats(event.currentTarget.value)} />
      </label>
      <ErrorNotice error={submit.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={submit.busy}>
          {submit.busy ? 'Saving…' : submitLabel}
        </button>
        <a href="#/aircraft">Cancel</a>
      </div>
    </form>
  );
}
