/**
 * Polls until `probe` returns a value, for effects that happen asynchronously (an event delivered,
 * an invitation claimed): every `intervalMs`, at most `attempts` times, then an error naming `what`.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, what: string, pace: { readonly attempts: number; readonly intervalMs: number }): Promise<T> {
  for (let attempt = 0; attempt < pace.attempts; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, pace.intervalMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}
