import type { AnyRouter } from '@trpc/server';
import { isKnownPermission } from '../auth/permissions.ts';

export interface ProcedurePermission {
  path: string;
  permission: string | undefined;
  /** Runs on the hub for every realm (ProcedureMeta.hubOnly). */
  hubOnly: boolean;
}

interface ProcedureLike {
  _def: { procedure: true; meta?: { permission?: string; hubOnly?: boolean } };
}

function isProcedure(value: unknown): value is ProcedureLike {
  return typeof value === 'function' && (value as Partial<ProcedureLike>)._def?.procedure === true;
}

/** Every procedure of a router with the permission it declares, for audits and tests. */
export function procedurePermissions(router: AnyRouter): ProcedurePermission[] {
  const found: ProcedurePermission[] = [];
  const walk = (record: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(record)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (isProcedure(value)) {
        found.push({
          path,
          permission: value._def.meta?.permission,
          hubOnly: value._def.meta?.hubOnly === true,
        });
      } else if (value && typeof value === 'object') {
        const nested = (value as { _def?: { record?: Record<string, unknown> } })._def?.record;
        walk(nested ?? (value as Record<string, unknown>), path);
      }
    }
  };
  walk(router._def.record as Record<string, unknown>, '');
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** Procedures that declare no permission, or one the catalogue does not know. */
export function undeclaredProcedures(router: AnyRouter): ProcedurePermission[] {
  return procedurePermissions(router).filter((p) => !p.permission || !isKnownPermission(p.permission));
}
