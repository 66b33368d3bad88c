import { Worker } from 'node:worker_threads';
import type { FunctionDefinition } from '../../handlers/catalog';
import { FunctionError, FunctionRuntimeExitError, FunctionTimeoutError } from './lambda-errors';
import type { InvocationLog, TerminalSink } from './log-capture';
import { LAMBDA_NODE_OPTIONS } from './runtime-environment';
import type { InvokeMessage, WorkerData, WorkerMessage } from './worker-protocol';

/** What one invocation gave back: the result as Lambda serialized it, or the error. */
export type WorkerOutcome =
  | { readonly ok: true; readonly json: string; readonly maxMemoryUsedMb?: number }
  | { readonly ok: false; readonly error: Error; readonly maxMemoryUsedMb?: number };

interface Pending {
  readonly log: InvocationLog;
  readonly settle: (outcome: WorkerOutcome) => void;
}

/**
 * One execution environment of a function: a worker thread with the function's environment and
 * nothing else of the cloud's, its own module cache, the deployed bundle loaded once. It runs one
 * invocation at a time, as a Lambda execution environment does.
 */
export class FunctionWorker {
  private current: Pending | undefined;
  private exitCause = 'with exit status 0';
  /** False once terminated, timed out or exited: it takes no more invocations. */
  alive = true;

  private constructor(
    private readonly worker: Worker,
    readonly definition: FunctionDefinition,
    readonly logStreamName: string,
    /** When its credentials expire; retired before an invocation could outlive them. */
    readonly expiresAt: Date | undefined,
    private readonly sink: TerminalSink,
  ) {}

  /**
   * Starts the worker and waits for the bundle's module initialization (Lambda's Init phase).
   * An error thrown there rejects with the function's own error, and the worker is gone, as Lambda
   * resets an environment whose Init failed.
   */
  static start(options: {
    definition: FunctionDefinition;
    /** The invocation this cold start is for: an exit during Init is its error. */
    requestId: string;
    bootstrapPath: string;
    data: WorkerData;
    env: Record<string, string>;
    logStreamName: string;
    expiresAt: Date | undefined;
    sink: TerminalSink;
  }): Promise<FunctionWorker> {
    const worker = new Worker(options.bootstrapPath, {
      name: options.definition.name,
      workerData: options.data,
      env: options.env,
      // A worker thread does not read NODE_OPTIONS: the construct's options are its execArgv.
      execArgv: LAMBDA_NODE_OPTIONS.split(' '),
      // The function's memory size as the V8 heap's limit: past it the worker ends (Runtime.ExitError), as Lambda stops a function out of memory.
      resourceLimits: { maxOldGenerationSizeMb: options.definition.memoryMb },
    });
    const functionWorker = new FunctionWorker(worker, options.definition, options.logStreamName, options.expiresAt, options.sink);
    return new Promise((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve(functionWorker);
        else if (message.type === 'init-error') {
          functionWorker.terminate();
          reject(new FunctionError(message.error));
        } else functionWorker.receive(message);
      });
      worker.on('error', (error) => (functionWorker.exitCause = `with error: ${error.name}: ${error.message}`));
      worker.on('exit', (code) => {
        functionWorker.alive = false;
        const cause = code === 0 || functionWorker.exitCause.startsWith('with error') ? functionWorker.exitCause : `with exit status ${code}`;
        reject(new FunctionRuntimeExitError(options.requestId, cause));
        functionWorker.finish({ ok: false, error: new FunctionRuntimeExitError(functionWorker.current?.log.requestId ?? '', cause) });
      });
    });
  }

  /** Runs one invocation; at the timeout the worker is terminated and the invocation fails as Lambda reports it. */
  invoke(message: InvokeMessage, log: InvocationLog): Promise<WorkerOutcome> {
    if (this.current || !this.alive) throw new Error(`worker of ${this.definition.name} is not idle`);
    const started = Date.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const error = new FunctionTimeoutError((Date.now() - started) / 1000, log.requestId);
        const line = error.logLine(new Date());
        log.timedOut(line);
        this.sink.write('stderr', `${line}\n`);
        this.terminate();
        this.finish({ ok: false, error });
      }, message.deadline - started);
      this.current = {
        log,
        settle: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      this.worker.postMessage(message);
    });
  }

  terminate(): void {
    this.alive = false;
    void this.worker.terminate();
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'output') {
      this.current?.log.append(message.text);
      this.sink.write(message.stream, message.text);
    } else if (message.type === 'result') {
      this.finish({ ok: true, json: message.json, maxMemoryUsedMb: message.heapUsedMb });
    } else if (message.type === 'error') {
      this.current?.log.handlerError(message.error);
      this.finish({ ok: false, error: new FunctionError(message.error), maxMemoryUsedMb: message.heapUsedMb });
    }
  }

  private finish(outcome: WorkerOutcome): void {
    const pending = this.current;
    this.current = undefined;
    pending?.settle(outcome);
  }
}
