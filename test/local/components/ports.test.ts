import { createServer } from 'node:http';
import { assertUsablePort, BadPortError, FETCH_BAD_PORTS } from '../../../local/server/ports';
import { listen } from '../../../local/server/endpoint';

/** What Node's own fetch says about a port, without anything listening on it: refused outright, or tried. */
async function fetchVerdict(port: number): Promise<'bad port' | 'tried'> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    return 'tried';
  } catch (error) {
    return (error as { cause?: { message?: string } }).cause?.message === 'bad port' ? 'bad port' : 'tried';
  }
}

describe("the Fetch standard's bad ports", () => {
  it("are exactly the ports this Node's fetch refuses, among every listed one and their neighbours", async () => {
    const candidates = [...new Set([...FETCH_BAD_PORTS].flatMap((port) => [port - 1, port, port + 1]).filter((port) => port > 0))];

    const refused = [];
    for (const port of candidates) if ((await fetchVerdict(port)) === 'bad port') refused.push(port);

    expect(refused).toEqual([...FETCH_BAD_PORTS].sort((a, b) => a - b));
  });

  it('stop a server from listening on one, with the reason and what to do', async () => {
    const server = createServer();

    await expect(listen(server, 6566, '127.0.0.1', 'AWS endpoint')).rejects.toThrow(BadPortError);
    expect(server.listening).toBe(false);
    expect(() => assertUsablePort(6566, '--port')).toThrow(/Port 6566 \(--port\) is one of the Fetch standard's "bad ports".*Choose another port/);
  });

  it('leave the default ports and a port chosen by the system alone', () => {
    expect(() => [4566, 4567, 0].forEach((port) => assertUsablePort(port, 'test'))).not.toThrow();
  });
});
