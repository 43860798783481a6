import {
  type Caller,
  createCaller,
  type PermissionKey,
  type ProcedureMeta,
  type ProcedurePermission,
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

let declared: Map<string, ProcedurePermission> | undefined;

function declarationOf(path: string): ProcedurePermission & { permission: PermissionKey } {
  declared ??= new Map(procedurePermissions(appRouter).map((p) => [p.path, p]));
  const declaration = declared.get(path);
  if (!declaration?.permission) throw new Error(`No procedure ${path} with a permission`);
  return declaration as ProcedurePermission & { permission: PermissionKey };
}

/** The permission a procedure declares: a serverFn guards with it, never with one of its own. */
export function permissionOf(path: string): PermissionKey {
  return declarationOf(path).permission;
}

/** What a procedure declares, as its own guard reads it: the permission, and whether it is the hub's alone. */
export function procedureMetaOf(path: string): ProcedureMeta {
  const { permission, hubOnly } = declarationOf(path);
  return { permission, hubOnly };
}
