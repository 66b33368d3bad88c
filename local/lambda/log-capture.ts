/**
 * One invocation's log as Lambda writes it to the function's log stream, and the cloud's terminal.
 *
 * The platform lines are the ones "Using Amazon CloudWatch Logs with Lambda" and "Log and monitor
 * Node.js Lambda functions" show (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html):
 * `START RequestId: … Version: $LATEST`, the function's output, `END RequestId: …`, then
 * `REPORT RequestId: …` with tab-separated Duration, Billed Duration, Memory Size, Max Memory Used
 * and, on a cold start, Init Duration. Local stand-ins, said here rather than guessed silently:
 * Max Memory Used is the worker's V8 heap (threads share one process's RSS); Billed Duration is the
 * duration rounded up to the millisecond plus the Init Duration (Lambda bills on-demand Init since
 * 1 August 2025); `Status: timeout` on a timed-out REPORT line is what current runtimes print, not a
 * documented format.
 */
import type { SerializedError } from './worker-protocol';

/** Invoke's `X-Amz-Log-Result`: "the last 4 KB of the execution log" (Invoke, Lambda API Reference). */
export const LOG_TAIL_BYTES = 4096;

export interface ReportFigures {
  readonly durationMs: number;
  readonly memoryMb: number;
  readonly maxMemoryUsedMb?: number;
  readonly initDurationMs?: number;
  readonly timedOut?: boolean;
}

export class InvocationLog {
  private readonly lines: string[] = [];

  constructor(readonly requestId: string) {
    this.lines.push(`START RequestId: ${requestId} Version: $LATEST\n`);
  }

  /** The function's own output, as it wrote it. */
  append(text: string): void {
    this.lines.push(text);
  }

  /** How the Node.js runtime logs a handler's error: the type, message and stack on one ERROR line. */
  handlerError(error: SerializedError): void {
    this.lines.push(`${new Date().toISOString()}\t${this.requestId}\tERROR\tInvoke Error \t${JSON.stringify(error)}\n`);
  }

  /** How the Node.js runtime logs an error thrown while the module initialized (before any request had an id). */
  initError(error: SerializedError): void {
    this.lines.push(`${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(error)}\n`);
  }

  /** Lambda's own line when it stops a function at its timeout. */
  timedOut(line: string): void {
    this.lines.push(`${line}\n`);
  }

  end(figures: ReportFigures): void {
    const billed = Math.ceil(figures.durationMs) + Math.ceil(figures.initDurationMs ?? 0);
    const report = [
      `REPORT RequestId: ${this.requestId}`,
      `Duration: ${figures.durationMs.toFixed(2)} ms`,
      `Billed Duration: ${billed} ms`,
      `Memory Size: ${figures.memoryMb} MB`,
      `Max Memory Used: ${figures.maxMemoryUsedMb ?? 0} MB`,
      ...(figures.initDurationMs === undefined ? [] : [`Init Duration: ${figures.initDurationMs.toFixed(2)} ms`]),
      ...(figures.timedOut ? ['Status: timeout'] : []),
    ];
    this.lines.push(`END RequestId: ${this.requestId}\n`, `${report.join('\t')}\n`);
  }

  /** Base64 of the log's last LOG_TAIL_BYTES bytes, as `X-Amz-Log-Result` carries it. */
  tail(): string {
    const bytes = Buffer.from(this.lines.join(''), 'utf8');
    return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64');
  }

  text(): string {
    return this.lines.join('');
  }
}

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];

/**
 * The function output the cloud's terminal shows: what the function writes, unprefixed (Powertools'
 * JSON lines stay one per line), as when handlers ran in the cloud's process. Two local filters,
 * neither touching the function's own log:
 * - a Node.js process warning (`(node:…) Warning: …`) is shown only if the cloud has not shown its
 *   first line yet: every worker's SDK prints the same NodeVersionSupportWarning once per cold
 *   start, as the cloud's own SDK does once; a warning with new text still shows.
 * - `POWERTOOLS_LOG_LEVEL` in the cloud's own environment (the benchmarks set WARN) hides Powertools
 *   lines below that level on the terminal; the function itself no longer sees the cloud's
 *   environment, so it logs at the level it would deployed.
 */
export function createTerminalSink(options: { level?: string; write?: (stream: 'stdout' | 'stderr', text: string) => void } = {}) {
  const write = options.write ?? ((stream, text) => process[stream].write(text));
  const minimum = LEVELS.indexOf((options.level ?? '').toUpperCase());
  // Keyed by the warning's first line: `Warning: NodeVersionSupportWarning: The AWS SDK…`.
  const warningsShown = new Set<string>();
  const onCloudWarning = (warning: Error): void => void warningsShown.add(`${warning.name}: ${warning.message.split('\n')[0]}`);
  process.on('warning', onCloudWarning);

  const hidden = (line: string): boolean => {
    const warning = /^\(node:[^)]*\) (\S*Warning: [^\n]*)/.exec(line)?.[1];
    if (warning !== undefined) {
      if (warningsShown.has(warning)) return true;
      warningsShown.add(warning);
      return false;
    }
    if (minimum < 0 || !line.startsWith('{')) return false;
    const level = /"level":"([A-Z]+)"/.exec(line)?.[1];
    return level !== undefined && LEVELS.indexOf(level) >= 0 && LEVELS.indexOf(level) < minimum;
  };

  return {
    write: (stream: 'stdout' | 'stderr', text: string): void => {
      if (!hidden(text)) write(stream, text);
    },
    /** Stops listening to the cloud's own warnings. */
    close: (): void => void process.off('warning', onCloudWarning),
  };
}

export type TerminalSink = ReturnType<typeof createTerminalSink>;
