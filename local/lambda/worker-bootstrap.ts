/**
 * The entry of every function's worker thread, in the role of Lambda's Node.js runtime: it imports
 * the function's bundle once (the Init phase), then runs the handler for each event the local
 * Lambda sends, one at a time. Bundled by function-bundle.ts; imports nothing of the project at run
 * time, so the function's module state is its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { InvokeMessage, LocalLambdaContext, SerializedError, WorkerData, WorkerMessage } from './worker-protocol';

type Handler = (event: unknown, context: LocalLambdaContext) => unknown;

const port = parentPort;
if (!port) throw new Error('worker-bootstrap.ts runs only as a worker thread');
const post = (message: WorkerMessage): void => port.postMessage(message);

/**
 * The function's output goes over the same port as its results, so the local Lambda sees it in
 * order and can give each invocation its own log (a worker's own stdout arrives on another channel).
 */
for (const stream of ['stdout', 'stderr'] as const) {
  const target = process[stream];
  target.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    post({ type: 'output', stream, text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8') });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof target.write;
}

const serialize = (error: unknown): SerializedError =>
  error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, ...(error.stack ? { stack: error.stack.split('\n').slice(1).map((line) => line.trim()) } : {}) }
    : { errorType: 'Error', errorMessage: String(error) };

const heapUsedMb = (): number => Math.ceil(getHeapStatistics().used_heap_size / (1024 * 1024));

async function init(): Promise<Handler | undefined> {
  try {
    const module = (await import(pathToFileURL((workerData as WorkerData).bundlePath).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') throw new Error('The bundle exports no handler function');
    post({ type: 'ready' });
    return module.handler as Handler;
  } catch (error) {
    post({ type: 'init-error', error: serialize(error) });
    return undefined;
  }
}

async function run(handler: Handler, message: InvokeMessage): Promise<void> {
  const context: LocalLambdaContext = { ...message.context, getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()) };
  try {
    const value = await handler(message.event, context);
    // Lambda serializes the result as JSON; `undefined` answers `null`.
    post({ type: 'result', json: value === undefined ? 'null' : JSON.stringify(value), heapUsedMb: heapUsedMb() });
  } catch (error) {
    post({ type: 'error', error: serialize(error), heapUsedMb: heapUsedMb() });
  }
}

void init().then((handler) => {
  if (handler) port.on('message', (message: InvokeMessage) => void run(handler, message));
});
