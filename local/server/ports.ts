/**
 * The Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#port-blocking): a fetch to one of
 * these fails before it connects, in Node's `fetch` (undici: `TypeError: fetch failed`, cause
 * `bad port`) and in every browser (`ERR_UNSAFE_PORT`). Node 20.20 refuses exactly these
 * (test/unit/ports.test.ts asks it), 4190 and 6679 included, which later versions of the standard added.
 * A local cloud listening on one would start, then fail its first SDK call (seeding answered 500)
 * and never open in a browser.
 */
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119,
  123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990,
  993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** A port no client of the local cloud could reach: said at start-up instead of a 500 later. */
export class BadPortError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
  ) {
    super(
      `Port ${port} (${what}) is one of the Fetch standard's "bad ports", which Node's fetch (the AWS SDK's HTTP client here) ` +
        'and every browser refuse to connect to (https://fetch.spec.whatwg.org/#port-blocking). Choose another port.',
    );
    this.name = 'BadPortError';
  }
}

export function assertUsablePort(port: number, what: string): void {
  if (FETCH_BAD_PORTS.has(port)) throw new BadPortError(port, what);
}
