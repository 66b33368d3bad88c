/**
 * aws-local-stepfunctions targets Node 22 and calls `Promise.withResolvers` (ES2024) for every
 * Task state's timeout. Node 20 lacks it, so it is installed here, once, before the library runs,
 * and only when missing so a newer runtime keeps its own.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type PromiseWithResolvers = PromiseConstructor & { withResolvers?: <T>() => Resolvers<T> };

export function installPromiseWithResolvers(): void {
  const promiseConstructor = Promise as PromiseWithResolvers;
  if (typeof promiseConstructor.withResolvers === 'function') return;
  Object.defineProperty(promiseConstructor, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve'];
      let reject!: Resolvers<T>['reject'];
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
