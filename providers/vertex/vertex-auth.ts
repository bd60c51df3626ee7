/**
 * google-gax 5 uses google-auth-library 10, whose `getRequestHeaders` returns
 * a `Headers`; @google-cloud/storage 7 uses version 9, which merges the result
 * with `Object.assign` and so silently drops a `Headers`; likewise its
 * resumable upload reads `res.headers.location` from what `request` returns.
 * This view lets one injected auth client serve both SDKs.
 */
interface HeaderSource {
  getRequestHeaders(url?: string): Promise<unknown>;
  request(opts: unknown): Promise<{ headers?: unknown } | undefined>;
}

// Duck-typed: the Headers class of the fetch gaxios uses need not be this realm's global.
function isHeaders(value: unknown): value is Headers {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Headers).get === 'function' &&
    typeof (value as Headers).entries === 'function'
  );
}

const plain = (headers: unknown) => (isHeaders(headers) ? Object.fromEntries(headers.entries()) : headers);

export function forStorage<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'getRequestHeaders') {
        return async (url?: string) => {
          const headers = await (target as unknown as HeaderSource).getRequestHeaders(url);
          return plain(headers);
        };
      }
      if (prop === 'request') {
        return async (opts: unknown) => {
          const response = await (target as unknown as HeaderSource).request(opts);
          if (!response || !isHeaders(response.headers)) return response;
          // gaxios 7 answers with a fetch Response (read-only headers): hand back a plain view.
          const r = response as { status?: number; statusText?: string; data?: unknown; config?: unknown };
          return {
            status: r.status,
            statusText: r.statusText,
            data: r.data,
            config: r.config,
            headers: plain(response.headers),
          };
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
