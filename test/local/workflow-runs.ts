import { GetExecutionHistoryCommand, StartSyncExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { WORKFLOWS, type AddMemberInput, type OnboardingInput, type RemoveMemberInput, type SwitchingInput, type WorkflowKey } from '../../workflows/registry';
import { adminFetch, clients, outputs } from './support';

/**
 * Runs of the workflows on the local cloud, as the API runs them: StartSyncExecution through the
 * real SFN client, the history read back page by page, and faults injected per state over HTTP.
 */

const { sfn } = clients();

/** How a run ended, with its whole history. */
export interface Run {
  readonly status: string | undefined;
  readonly error: string | undefined;
  readonly output: unknown;
  readonly events: HistoryEvent[];
}

/** What each workflow is started with. */
interface WorkflowInputs {
  onboarding: OnboardingInput;
  switching: SwitchingInput;
  addMember: AddMemberInput;
  removeMember: RemoveMemberInput;
}

/** The ARN of the local cloud's state machine for `key`. */
export function stateMachineArn(key: WorkflowKey): string {
  const arn = outputs().stateMachines[key];
  if (!arn) throw new Error(`The local cloud has no ${WORKFLOWS[key].name} state machine: outputs().stateMachines.${key} is missing`);
  return arn;
}

/** Every event of the execution's history, following the pages. */
export async function history(executionArn: string | undefined): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** One synchronous run of the workflow `key` with `input`, and its history. */
export async function run<K extends keyof WorkflowInputs>(key: K, input: WorkflowInputs[K]): Promise<Run> {
  const result = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: stateMachineArn(key), input: JSON.stringify(input) }));
  return { status: result.status, error: result.error, output: result.output ? JSON.parse(result.output) : undefined, events: await history(result.executionArn) };
}

/**
 * Makes the next visit of `stateName` fail with `error`, once. Scoped to the runs whose input names
 * `userId`, so that test files running side by side cannot take each other's faults.
 */
export async function injectFault(key: WorkflowKey, stateName: string, error: string, userId: string): Promise<void> {
  const response = await adminFetch('/_local/faults', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stateMachineName: WORKFLOWS[key].name, stateName, error, count: 1, whenInput: { userId } }),
  });
  if (response.status !== 200) throw new Error(`fault injection answered ${response.status}: ${await response.text()}`);
}

/** The names of the states the run entered, in order. */
export const enteredStates = (events: HistoryEvent[]): string[] =>
  events.flatMap((event) => (event.type?.endsWith('StateEntered') && event.stateEnteredEventDetails?.name ? [event.stateEnteredEventDetails.name] : []));
