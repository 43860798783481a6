import { getRouter } from '../../router.tsx';
import { serverFnBase } from './server-fn-base.ts';

/** Paths Start serves outside the route tree: serverFn calls and built assets. */
const frameworkPatterns = [`${serverFnBase}$`, '/assets/$'];

/** Every route pattern the app serves, read from the route tree so new routes label themselves. */
export function appRoutePatterns(): string[] {
  const routes = Object.keys(getRouter().routesByPath).filter((path) => path !== '');
  return [...routes, ...frameworkPatterns];
}
