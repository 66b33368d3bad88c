import type { Fetcher } from 'aws-jwt-verify/https';
import { LoopbackHttpFetcher } from '../../handlers/authorizer/jwks-fetcher';

/** Records which transport each URI went to; neither touches the network. */
function setUp(status = 200) {
  const viaHttp: string[] = [];
  const viaHttps: string[] = [];
  const https: Fetcher = {
    fetch: async (uri) => {
      viaHttps.push(uri);
      return new TextEncoder().encode('{"keys":[]}').buffer;
    },
  };
  const fetcher = new LoopbackHttpFetcher({
    https,
    fetchHttp: async (uri) => {
      viaHttp.push(uri);
      return new Response('{"keys":[]}', { status });
    },
  });
  return { fetcher, viaHttp, viaHttps };
}

describe('the JWKS fetcher of the authorizer', () => {
  it.each(['http://127.0.0.1:4566/pool/.well-known/jwks.json', 'http://localhost:9229/pool/.well-known/jwks.json', 'http://[::1]:80/jwks.json'])(
    'fetches %s over plain http, being on loopback',
    async (uri) => {
      const { fetcher, viaHttp, viaHttps } = setUp();

      const body = await fetcher.fetch(uri);

      expect(new TextDecoder().decode(body)).toBe('{"keys":[]}');
      expect([viaHttp, viaHttps]).toEqual([[uri], []]);
    },
  );

  it.each(['http://cognito-idp.us-east-1.amazonaws.com/pool/.well-known/jwks.json', 'http://127.0.0.1.example.com/jwks.json', 'https://127.0.0.1/jwks.json'])(
    'leaves %s to the https-only fetcher',
    async (uri) => {
      const { fetcher, viaHttp, viaHttps } = setUp();

      await fetcher.fetch(uri);

      expect([viaHttp, viaHttps]).toEqual([[], [uri]]);
    },
  );

  it('fails with a typed error when the loopback issuer answers an error status', async () => {
    const { fetcher } = setUp(503);

    await expect(fetcher.fetch('http://127.0.0.1:1/jwks.json')).rejects.toThrow(expect.objectContaining({ name: 'JwksFetchError', status: 503 }));
  });

  it("refuses plain http off loopback with aws-jwt-verify's own https fetcher", async () => {
    const fetcher = new LoopbackHttpFetcher({ fetchHttp: async () => new Response('{"keys":[]}') });

    await expect(fetcher.fetch('http://jwks.invalid/jwks.json')).rejects.toMatchObject({ code: 'ERR_INVALID_PROTOCOL' });
  });
});
