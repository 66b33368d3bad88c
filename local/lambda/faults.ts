import * as z from 'zod';

export const LambdaFaultSpecSchema = z.object({
  functionName: z.string().min(1),
  /** The error the invocation fails with, as the function's `errorType` (e.g. `Error`, `DynamoDB.ProvisionedThroughputExceededException`). */
  errorType: z.string().min(1),
  errorMessage: z.string().optional(),
  /** How many invocations take the fault before it is used up. */
  count: z.number().int().positive(),
  /**
   * Only events whose `detail` has these top-level values take the fault (e.g. `{ "userId": "…" }`),
   * so tests running side by side against one cloud cannot use up each other's faults.
   */
  whenDetail: z.record(z.string(), z.string()).optional(),
});

export type LambdaFaultSpec = z.infer<typeof LambdaFaultSpecSchema>;

/** The error an injected fault throws in place of the handler: it stands in for the function failing. */
export class InjectedFunctionError extends Error {
  constructor(errorType: string, message: string) {
    super(message);
    this.name = errorType;
  }
}

const detailOf = (event: unknown): Record<string, unknown> => {
  const detail = typeof event === 'object' && event !== null ? (event as { detail?: unknown }).detail : undefined;
  return typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>) : {};
};

/**
 * "The next N invocations of function F whose event matches fail with error E." Consulted by the
 * local Lambda service before the handler runs, so a faulted invocation changes nothing.
 */
export class LambdaFaultInjector {
  private readonly pending: { spec: LambdaFaultSpec; remaining: number }[] = [];

  inject(spec: LambdaFaultSpec): void {
    const parsed = LambdaFaultSpecSchema.parse(spec);
    this.pending.push({ spec: parsed, remaining: parsed.count });
  }

  clear(): void {
    this.pending.splice(0);
  }

  /** Uses up one invocation of the first pending fault for this function and event, if any. */
  take(functionName: string, event: unknown): InjectedFunctionError | undefined {
    const detail = detailOf(event);
    const index = this.pending.findIndex(
      ({ spec }) => spec.functionName === functionName && Object.entries(spec.whenDetail ?? {}).every(([name, value]) => detail[name] === value),
    );
    const next = this.pending[index];
    if (!next) return undefined;
    next.remaining -= 1;
    if (next.remaining === 0) this.pending.splice(index, 1);
    return new InjectedFunctionError(next.spec.errorType, next.spec.errorMessage ?? `Fault injected into ${functionName}`);
  }
}
