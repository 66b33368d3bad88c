import type { MailView as Mail } from '../api-types';
import { fetchView } from '../common/api';
import { ErrorNote, formatTime } from '../common/Json';
import { usePoll } from '../common/use-poll';

/** What the user pool "sent" (sign-up and reset codes), newest first: no mail leaves the laptop. */
export function MailView() {
  const { data, error } = usePoll('mail', () => fetchView<Mail[]>('mail'));
  return (
    <section aria-label="Mail">
      <ErrorNote message={error} />
      {data && data.length === 0 ? <p>No message sent yet.</p> : null}
      <table>
        <thead><tr><th scope="col">Sent</th><th scope="col">To</th><th scope="col">User</th><th scope="col">Code</th></tr></thead>
        <tbody>
          {(data ?? []).map((mail) => (
            <tr key={`${mail.at}-${mail.username}-${mail.code ?? ''}`}>
              <td>{formatTime(mail.at)}</td>
              <td>{`${mail.destination} (${mail.channel})`}</td>
              <td class="mono">{mail.username}</td>
              <td class="mono">{mail.code ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
