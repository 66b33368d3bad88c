import { writeFileSync } from 'node:fs';

/**
 * Runs one benchmark as its own process: prints it for people and, when `npm run bench` asks
 * (BENCH_JSON_OUT), writes it as JSON. Each benchmark starts services in process and the handlers
 * build their SDK clients once per process, so two benchmarks must never share one.
 */
export function runStandalone<T>(bench: () => Promise<T>, print: (result: T) => void): void {
  bench()
    .then((result) => {
      print(result);
      const out = process.env.BENCH_JSON_OUT;
      if (out) writeFileSync(out, JSON.stringify(result));
      // Sockets of in-process services and SDK agents may linger; the numbers are out.
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
