// The public face of @nhi/nhi: the inventory of non-human identities. Zod shapes: '@nhi/nhi/schema';
// enumerations without validators: '@nhi/nhi/vocabulary'; the demo realm: '@nhi/nhi/demo'.
import 'reflect-metadata';
// Importing the package registers its permissions, which the hub's procedures and pages ask for.
import './api/nhi.permissions.ts';

export { nhiDomain } from './nhi.domain.ts';
export { NhiService } from './service/nhi.service.ts';
export { canonicalJson, type JsonDocument, type JsonValue } from './service/nhi-change-log.ts';
export type {
  NhiAuditEntry,
  NhiCredential,
  NhiDetail,
  NhiEnvironment,
  NhiKind,
  NhiOwner,
  NhiProvider,
  NhiStatus,
  NhiVersionEntry,
} from './service/nhi-detail.ts';
export { type NhiImportResult, NhiImportService } from './service/nhi-import.service.ts';
export {
  type NhiListItem,
  NhiQueryService,
  type OwnerGroup,
  type RealmMember,
} from './service/nhi-query.service.ts';
// What a scan writes to the inventory with.
export {
  markSourcedNhisMissing,
  type SourcedCredential,
  type SourcedNhi,
  type SourceSyncContext,
  syncSourcedNhis,
} from './service/nhi-source-sync.ts';
// Owners suggested from source metadata (ADR 0041).
export {
  type OwnerSuggestionItem,
  type OwnerSuggestionPage,
  OwnerSuggestionService,
} from './service/owner-suggestion.service.ts';
// The scanner keeps the annotations these rules read (annotations may be whole manifests).
export { isOwnerKey } from './service/owner-suggestion-rules.ts';
export { refreshOwnerSuggestions, type SuggestionPass } from './service/owner-suggestions.ts';
// The dashboard counts the identities the inventory lists, with the same conditions.
export { liveIdentityMatching } from './sql/nhi-list.sql.ts';
// The hub's quick search lists identities by name or externalId.
export { type IdentitySearchHit, identitySearchHits } from './sql/nhi-search.sql.ts';
