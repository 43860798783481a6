import { AlertService, type NhiRisk } from '@nhi/alert';
import {
  type BulkUpdateResult,
  type NhiAuditEntry,
  type NhiDetail,
  type NhiExport,
  type NhiImportResult,
  NhiImportService,
  type NhiListPage,
  NhiQueryService,
  NhiService,
  type NhiVersionEntry,
} from '@nhi/nhi';
import type {
  AddCredentialInput,
  BulkUpdateInput,
  CreateNhiInput,
  ExportNhiInput,
  ImportNhiInput,
  ListNhiInput,
  RevokeCredentialInput,
  RotateCredentialInput,
  UpdateNhiInput,
} from '@nhi/nhi/schema';
import { REALM_DB, type RealmDb, type RequestScope } from '@nhi/platform';
import { PolicyQueryService } from '@nhi/policy';

/** JSON as it is stored (metadata, diffs): what a serverFn answer can carry, by type. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The service's records, with their JSON columns typed as such for the trip to the browser. */
export type NhiDetailView = Omit<NhiDetail, 'metadata'> & { metadata: { [key: string]: Json } };
export type NhiVersionView = Omit<NhiVersionEntry, 'changes'> & {
  changes: Record<string, { before: Json; after: Json }>;
};
export type NhiAuditView = Omit<NhiAuditEntry, 'before' | 'after'> & { before: Json; after: Json };

/** What the caller may do here: the pages hide what would only be refused. */
export interface InventoryAbilities {
  write: boolean;
  delete: boolean;
  import: boolean;
}

export interface RealmMember {
  id: string;
  email: string;
}

/** A group of the realm that may own identities as a team. */
export interface OwnerGroup {
  id: string;
  name: string;
}

/** Around every inventory page: who can own an identity, what the caller may do, and "now". */
export interface InventoryContext {
  members: RealmMember[];
  groups: OwnerGroup[];
  can: InventoryAbilities;
  /**
   * The server's clock: ages and expiry badges are computed from it, so the page renders the
   * same on the server and in the browser, whatever the browser's clock says.
   */
  asOf: Date;
}

export interface NhiPage extends InventoryContext {
  nhi: NhiDetailView;
  history: NhiVersionView[];
  audit: NhiAuditView[];
  /** null when the caller may not read alerts. */
  risk: NhiRisk | null;
}

function abilitiesOf(scope: RequestScope): InventoryAbilities {
  return {
    write: scope.permissions.has('nhi:write'),
    delete: scope.permissions.has('nhi:delete'),
    import: scope.permissions.has('nhi:import'),
  };
}

/** Members of the realm, the only users an identity may be owned by. */
async function realmMembersOf(scope: RequestScope): Promise<RealmMember[]> {
  const rows = await scope.container.resolve<RealmDb>(REALM_DB).transaction((tx) =>
    tx.realmMembership.findMany({
      select: { user: { select: { id: true, email: true } } },
      orderBy: { user: { email: 'asc' } },
    }),
  );
  return rows.map(({ user }) => user);
}

export async function inventoryContextOf(scope: RequestScope): Promise<InventoryContext> {
  const members = await realmMembersOf(scope);
  const groups = (await scope.container.resolve(PolicyQueryService).tree()).map(({ id, name }) => ({
    id,
    name,
  }));
  return { members, groups, can: abilitiesOf(scope), asOf: scope.context.clock.now() };
}

export function listNhisOf(scope: RequestScope, input: ListNhiInput): Promise<NhiListPage> {
  return scope.container.resolve(NhiQueryService).list(input);
}

export async function nhiPageOf(scope: RequestScope, id: string): Promise<NhiPage> {
  const nhis = scope.container.resolve(NhiService);
  // One after the other: the embedded database serves one transaction at a time.
  const nhi = (await nhis.get(id)) as NhiDetailView;
  const history = (await nhis.history(id)) as NhiVersionView[];
  const audit = (await nhis.audit(id)) as NhiAuditView[];
  const risk = scope.permissions.has('alert:read')
    ? await scope.container.resolve(AlertService).risk(id)
    : null;
  return { nhi, history, audit, risk, ...(await inventoryContextOf(scope)) };
}

/** The pages need only where the record now stands; they load the rest themselves. */
export interface NhiSaved {
  id: string;
  version: number;
}

function savedOf(nhi: NhiDetail): NhiSaved {
  return { id: nhi.id, version: nhi.version };
}

export async function createNhiFor(scope: RequestScope, input: CreateNhiInput): Promise<NhiSaved> {
  return savedOf(await scope.container.resolve(NhiService).create(input));
}

export async function updateNhiFor(scope: RequestScope, input: UpdateNhiInput): Promise<NhiSaved> {
  return savedOf(await scope.container.resolve(NhiService).update(input));
}

export async function deleteNhiFor(scope: RequestScope, id: string): Promise<NhiSaved> {
  return savedOf(await scope.container.resolve(NhiService).softDelete(id));
}

export async function restoreNhiFor(scope: RequestScope, id: string): Promise<NhiSaved> {
  return savedOf(await scope.container.resolve(NhiService).restore(id));
}

export function bulkUpdateNhisFor(scope: RequestScope, input: BulkUpdateInput): Promise<BulkUpdateResult> {
  return scope.container.resolve(NhiService).bulkUpdate(input);
}

export function exportNhisFor(scope: RequestScope, input: ExportNhiInput): Promise<NhiExport> {
  return scope.container.resolve(NhiQueryService).exportRows(input);
}

export function importNhisFor(scope: RequestScope, input: ImportNhiInput): Promise<NhiImportResult> {
  return scope.container.resolve(NhiImportService).import(input);
}

/** The secret goes to the service and no further: the answer carries fingerprint and hint only. */
export async function addCredentialFor(
  scope: RequestScope,
  input: AddCredentialInput,
): Promise<{ id: string }> {
  const credential = await scope.container.resolve(NhiService).addCredential(input);
  return { id: credential.id };
}

export async function rotateCredentialFor(
  scope: RequestScope,
  input: RotateCredentialInput,
): Promise<{ id: string }> {
  const credential = await scope.container.resolve(NhiService).rotateCredential(input);
  return { id: credential.id };
}

export async function revokeCredentialFor(
  scope: RequestScope,
  input: RevokeCredentialInput,
): Promise<{ id: string }> {
  const credential = await scope.container.resolve(NhiService).revokeCredential(input.credentialId);
  return { id: credential.id };
}
