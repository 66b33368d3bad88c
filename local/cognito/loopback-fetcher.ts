import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleFetcher } from 'aws-jwt-verify/https';

export class JwksFetchError extends Error {
  constructor(readonly uri: string, readonly status: number) {
    super(`GET ${uri} answered ${status}`);
    this.name = 'JwksFetchError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export type JwksFetch = (uri: string) => Promise<ArrayBuffer>;

const fetchOverHttp: JwksFetch = async (uri) => {
  const response = await fetch(uri);
  if (!response.ok) throw new JwksFetchError(uri, response.status);
  return response.arrayBuffer();
};

/**
 * aws-jwt-verify fetches JWKS over https only, which is right for any real issuer. The local user
 * pool's issuer is plain http on loopback, so http is allowed there and nowhere else.
 */
export class LoopbackFetcher implements Fetcher {
  private readonly https = new SimpleFetcher();

  constructor(private readonly fetchLoopback: JwksFetch = fetchOverHttp) {}

  fetch(uri: string, requestOptions?: Record<string, unknown>, data?: ArrayBuffer): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return this.fetchLoopback(uri);
    return this.https.fetch(uri, requestOptions, data);
  }
}
