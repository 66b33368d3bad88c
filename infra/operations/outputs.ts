/**
 * The stack's outputs, read from either runtime's file: the local cloud's `.local/outputs.json`
 * (flat, API.md) or the file `cdk deploy --outputs-file cdk-outputs.json` writes (one object per
 * stack, `stateMachines` as a JSON string since CloudFormation outputs are strings). The operator
 * commands (`npm run redrive`, `npm run reconcile`) and the end-to-end suite take their target from
 * it, so one code path serves both: only the SDK clients' configuration differs.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as z from 'zod';

/** Names both runtimes' outputs share (API.md); extra outputs are kept as they are. */
const sharedOutputs = {
  region: z.string().min(1),
  apiUrl: z.url(),
  userPoolId: z.string().min(1),
  userPoolClientId: z.string().min(1),
  identityPoolId: z.string().min(1),
  tableName: z.string().min(1),
  eventBusName: z.string().min(1),
};

const stateMachinesSchema = z.record(z.string(), z.string().min(1));

const localOutputsSchema = z.looseObject({ ...sharedOutputs, endpoint: z.url(), stateMachines: stateMachinesSchema });

/** One stack's outputs as `cdk deploy --outputs-file` writes them: every value a string. */
const deployedOutputsSchema = z.looseObject({ ...sharedOutputs, stateMachines: z.string().min(1) });

export interface StackOutputs {
  /** `local`: the local cloud, reached at `endpoint` with its administrator's credentials; `aws`: a deployed stack. */
  readonly target: 'local' | 'aws';
  readonly region: string;
  /** The local cloud's one AWS endpoint; absent for a deployed stack (the SDK's own endpoints). */
  readonly endpoint?: string;
  /** The deployed stack's name (its key in the CDK outputs file), which prefixes its functions' names; absent locally. */
  readonly stackName?: string;
  readonly apiUrl: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly identityPoolId: string;
  readonly tableName: string;
  readonly eventBusName: string;
  readonly stateMachines: Readonly<Record<string, string>>;
  /** Every output by name, the shared ones included, for the outputs other parts add. */
  readonly all: Readonly<Record<string, unknown>>;
}

/** An outputs file that is neither runtime's shape; the message names what is wrong. */
export class InvalidOutputsFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file} is not a stack outputs file: ${problem}`);
    this.name = 'InvalidOutputsFileError';
  }
}

const problemOf = (error: z.ZodError): string => error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');

function fromLocal(file: string, raw: Record<string, unknown>): StackOutputs {
  const parsed = localOutputsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidOutputsFileError(file, problemOf(parsed.error));
  const { endpoint, stateMachines, ...shared } = parsed.data;
  return { target: 'local', endpoint, stateMachines, ...pickShared(shared), all: raw };
}

function fromDeployed(file: string, raw: Record<string, unknown>, stackName: string | undefined): StackOutputs {
  const stacks = Object.keys(raw);
  const chosen = stackName ?? (stacks.length === 1 ? stacks[0] : undefined);
  if (chosen === undefined) throw new InvalidOutputsFileError(file, `it holds the stacks ${stacks.join(', ') || '(none)'}: name one with --stack`);
  const stack = raw[chosen];
  if (typeof stack !== 'object' || stack === null) throw new InvalidOutputsFileError(file, `no stack ${chosen} in it (it holds ${stacks.join(', ')})`);
  const parsed = deployedOutputsSchema.safeParse(stack);
  if (!parsed.success) throw new InvalidOutputsFileError(file, `${chosen}: ${problemOf(parsed.error)}`);
  let stateMachines: unknown;
  try {
    stateMachines = JSON.parse(parsed.data.stateMachines);
  } catch {
    throw new InvalidOutputsFileError(file, `${chosen}.stateMachines is not JSON`);
  }
  const machines = stateMachinesSchema.safeParse(stateMachines);
  if (!machines.success) throw new InvalidOutputsFileError(file, `${chosen}.stateMachines: ${problemOf(machines.error)}`);
  return { target: 'aws', stackName: chosen, stateMachines: machines.data, ...pickShared(parsed.data), all: stack as Record<string, unknown> };
}

function pickShared(values: z.infer<z.ZodObject<typeof sharedOutputs>>): Omit<StackOutputs, 'target' | 'endpoint' | 'stateMachines' | 'all'> {
  const { region, apiUrl, userPoolId, userPoolClientId, identityPoolId, tableName, eventBusName } = values;
  return { region, apiUrl, userPoolId, userPoolClientId, identityPoolId, tableName, eventBusName };
}

/** Parses an outputs file's text; `stackName` picks one stack of a CDK outputs file holding several. */
export function parseStackOutputs(file: string, text: string, stackName?: string): StackOutputs {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidOutputsFileError(file, 'it is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidOutputsFileError(file, 'it is not a JSON object');
  const record = raw as Record<string, unknown>;
  // The local file is flat (its `region` is a string); a CDK file has an object per stack.
  return typeof record.region === 'string' ? fromLocal(file, record) : fromDeployed(file, record, stackName);
}

export function readStackOutputs(file: string, stackName?: string): StackOutputs {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InvalidOutputsFileError(file, 'it cannot be read (for the local cloud, start it with `npm start`; for a deployed stack, deploy with `--outputs-file`)');
  }
  return parseStackOutputs(file, text, stackName);
}

/** A string output that another part of the stack adds (for example the failure queue's URL); throws naming it when absent. */
export function requiredOutput(outputs: StackOutputs, name: string): string {
  const value = outputs.all[name];
  if (typeof value !== 'string' || value.length === 0) throw new InvalidOutputsFileError('outputs', `no ${name} output (a stack deployed before it existed? deploy again)`);
  return value;
}

/**
 * The SDK client configuration for the target: the local endpoint with the local administrator's
 * credentials (which the local cloud treats as an operator's), or the default credential chain and
 * the stack's Region. `disableHostPrefix`: Step Functions' sync API and others prefix the host,
 * which a loopback endpoint cannot answer.
 */
export function operatorClientConfig(
  outputs: StackOutputs,
  localCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
): { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string }; disableHostPrefix?: boolean } {
  if (outputs.target === 'aws' || outputs.endpoint === undefined) return { region: outputs.region };
  return { region: outputs.region, endpoint: outputs.endpoint, credentials: { ...localCredentials }, disableHostPrefix: true };
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The command-line options every operator command takes: which outputs file, and which stack in it. */
export const TARGET_OPTIONS = {
  outputs: { type: 'string', default: '.local/outputs.json' },
  stack: { type: 'string' },
} as const satisfies OptionsConfig;

/**
 * An operator command's arguments: TARGET_OPTIONS and the command's own, strictly (an unknown
 * option or a missing value is `usage`'s error, which the command reports with its exit code 2).
 */
export function parseCommandLine<const T extends OptionsConfig>(argv: readonly string[], options: T, usage: (message: string) => Error) {
  const config = { args: [...argv], options: { ...TARGET_OPTIONS, ...options } as typeof TARGET_OPTIONS & T, strict: true as const, allowPositionals: false as const };
  try {
    return parseArgs(config).values;
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
}

/** Runs an operator command as the process: its code (0 done, 1 something needs a person), 2 with the message for any error. */
export function runOperatorCommand(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(2);
    },
  );
}
