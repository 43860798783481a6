import {
  type Caller,
  createCaller,
  type PermissionKey,
  procedurePermissions,
  type RequestScope,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { type AppRouter, appRouter } from '../app-router.ts';

export type HubCaller = Caller<AppRouter>;

/** The hub's caller for a request whose guards have opened its scope. */
export function hubCaller(root: DependencyContainer, scope: RequestScope): HubCaller {
  return createCaller(appRouter, root, scope);
}

let permissions: Map<string, PermissionKey | undefined> | undefined;

/** The permission a procedure declares: a serverFn guards with it, never with one of its own. */
export function permissionOf(path: string): PermissionKey {
  permissions ??= new Map(
    procedurePermissions(appRouter).map((p) => [p.path, p.permission as PermissionKey]),
  );
  const permission = permissions.get(path);
  if (!permission) throw new Error(`No procedure ${path} with a permission`);
  return permission;
}
