/**
 * What the local cloud started, and how to stop it. Front doors (the AWS endpoint, the REST API)
 * stop first, so no request arrives while what serves it goes away; then everything else in the
 * reverse of the order it started, as each depends only on what started before it.
 */
export class Lifecycle {
  private readonly fronts: { readonly name: string; readonly stop: () => Promise<void> }[] = [];
  private readonly others: { readonly name: string; readonly stop: () => Promise<void> }[] = [];

  constructor(private readonly report: (name: string, error: unknown) => void = (name, error) => console.error(`[local] stopping ${name} failed:`, error)) {}

  /** A server that takes requests: stopped before anything else. */
  frontDoor(name: string, stop: () => Promise<void>): void {
    this.fronts.push({ name, stop });
  }

  started(name: string, stop: () => Promise<void>): void {
    this.others.push({ name, stop });
  }

  /** The names in the order `stop` stops them. */
  stopOrder(): string[] {
    return [...this.fronts].reverse().concat([...this.others].reverse()).map((entry) => entry.name);
  }

  /** Stops everything once (a second call finds nothing left); one failure does not keep the rest running. */
  async stop(): Promise<void> {
    const order = [...this.fronts.splice(0).reverse(), ...this.others.splice(0).reverse()];
    for (const entry of order) {
      await entry.stop().catch((error: unknown) => this.report(entry.name, error));
    }
  }
}
