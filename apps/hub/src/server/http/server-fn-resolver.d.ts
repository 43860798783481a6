/**
 * Start's lookup of serverFns by id: a module its build plugin generates from the serverFns it
 * compiled. The HTTP gate asks it whether an id exists before Start is handed the call.
 */
declare module '#tanstack-start-server-fn-resolver' {
  export function getServerFnById(id: string, access: { origin: 'client' | 'server' }): Promise<unknown>;
}
