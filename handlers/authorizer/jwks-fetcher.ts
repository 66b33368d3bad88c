import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';

export class JwksFetchError extends Error {
  constructor(
    readonly uri: string,
    readonly status: number,
  ) {
    super(`GET ${uri} answered ${status}`);
    this.name = 'JwksFetchError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * aws-jwt-verify fetches JWKS over https only, which is right for every real issuer. An issuer on
 * a loopback address cannot be reached from another machine, so plain http is as safe there and
 * is allowed there and nowhere else: an http issuer on any other host is still refused.
 */
export class LoopbackHttpFetcher implements Fetcher {
  private readonly https: Fetcher;
  private readonly fetchHttp: (uri: string) => Promise<Response>;

  constructor(options: { https?: Fetcher; fetchHttp?: (uri: string) => Promise<Response> } = {}) {
    this.https = options.https ?? new SimpleFetcher();
    this.fetchHttp = options.fetchHttp ?? ((uri) => fetch(uri));
  }

  async fetch(uri: string, requestOptions?: Record<string, unknown>, data?: ArrayBuffer): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) return this.https.fetch(uri, requestOptions, data);
    const response = await this.fetchHttp(uri);
    if (!response.ok) throw new JwksFetchError(uri, response.status);
    return response.arrayBuffer();
  }
}
