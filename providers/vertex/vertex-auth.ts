/**
 * google-gax 5 uses google-auth-library 10, whose `getRequestHeaders` returns
 * a `Headers`; @google-cloud/storage 7 uses version 9, which merges the result
 * with `Object.assign` and so silently drops a `Headers`. This view lets one
 * injected auth client serve both SDKs.
 */
interface HeaderSource {
  getRequestHeaders(url?: string): Promise<unknown>;
}

export function forStorage<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'getRequestHeaders') {
        return async (url?: string) => {
          const headers = await (target as unknown as HeaderSource).getRequestHeaders(url);
          return headers instanceof Headers ? Object.fromEntries(headers.entries()) : headers;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
