// The public face of @nhi/nhi: the inventory of non-human identities. Zod shapes: '@nhi/nhi/schema'.
import 'reflect-metadata';
import './nhi.permissions.ts';

export { nhiDomain } from './nhi.domain.ts';
export { type NhiAccessPermission, nhiAccessPermissions } from './nhi.permissions.ts';
export { nhiRouter } from './nhi.procedures.ts';
export { type BulkUpdateResult, NhiService } from './nhi.service.ts';
export {
  type CredentialChange,
  type CredentialChangeAction,
  canonicalJson,
  diffSnapshots,
  type JsonDocument,
  type JsonValue,
  keptVersionsPerNhi,
  type NhiChange,
  type NhiChangeAction,
  type NhiSnapshot,
  nhiSnapshotSelect,
  recordCredentialChange,
  recordNhiChange,
  recordNhiChanges,
  snapshotOf,
} from './nhi-change-log.ts';
export type { NhiConflictDetails } from './nhi-conflict.ts';
export { refreshCredentialSummary } from './nhi-credential-summary.ts';
export { NhiCredentialService } from './nhi-credentials.service.ts';
export type {
  CredentialKind,
  CredentialStatus,
  NhiAuditEntry,
  NhiCredential,
  NhiDetail,
  NhiEnvironment,
  NhiFieldChanges,
  NhiKind,
  NhiOwner,
  NhiProvider,
  NhiStatus,
  NhiVersionEntry,
} from './nhi-detail.ts';
export { loadNhiDetail } from './nhi-detail-select.ts';
export { type NhiImportResult, NhiImportService } from './nhi-import.service.ts';
export { liveIdentityMatching, type SharedNhiFilter } from './nhi-list.sql.ts';
export { lockNhis } from './nhi-locks.ts';
export { assertOwnersAreMembers } from './nhi-owner.ts';
export {
  type InventoryAbilities,
  type InventoryContext,
  type NhiExport,
  type NhiListItem,
  type NhiListPage,
  type NhiOwnerChoices,
  NhiQueryService,
  type OwnerGroup,
  type RealmMember,
} from './nhi-query.service.ts';
export {
  markSourcedNhisMissing,
  type SourcedCredential,
  type SourcedNhi,
  type SourceSyncContext,
  type SourceSyncResult,
  syncSourcedNhis,
} from './nhi-source-sync.ts';
