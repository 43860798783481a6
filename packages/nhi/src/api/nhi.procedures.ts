import { authorizedProcedure, router } from '@nhi/platform';
import { NhiImportService } from '../service/nhi-import.service.ts';
import { type InventoryContext, NhiQueryService } from '../service/nhi-query.service.ts';
import './nhi.permissions.ts';
import { NhiService } from '../service/nhi.service.ts';
import { OwnerSuggestionService } from '../service/owner-suggestion.service.ts';
import {
  addCredentialInput,
  bulkUpdateInput,
  createNhiInput,
  exportNhiInput,
  importNhiInput,
  listNhiInput,
  nhiIdInput,
  revokeCredentialInput,
  rotateCredentialInput,
  updateNhiInput,
} from './nhi.schema.ts';
import {
  acceptGroupSuggestionsInput,
  acceptOwnerSuggestionInput,
  listOwnerSuggestionsInput,
  ownerSuggestionIdInput,
} from './owner-suggestion.schema.ts';

const read = () => authorizedProcedure('nhi:read');
const write = () => authorizedProcedure('nhi:write');
const decideOwners = () => authorizedProcedure('nhi:ownership');

/** nhi.*: the inventory of the realm the call is bound to. Ids of other realms are NOT_FOUND. */
export const nhiRouter = router({
  list: read()
    .input(listNhiInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(NhiQueryService).list(input)),
  /** Around every inventory page: who may own an identity, what the caller may do, and "now". */
  context: read().query(
    async ({ ctx }): Promise<InventoryContext> => ({
      ...(await ctx.scope.container.resolve(NhiQueryService).ownerChoices()),
      can: {
        write: ctx.scope.permissions.has('nhi:write'),
        delete: ctx.scope.permissions.has('nhi:delete'),
        import: ctx.scope.permissions.has('nhi:import'),
        decideOwners: ctx.scope.permissions.has('nhi:ownership'),
      },
      asOf: ctx.scope.context.clock.now(),
    }),
  ),
  get: read()
    .input(nhiIdInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(NhiService).get(input.id)),
  /** With `idempotencyKey`, a retry answers with the identity the first call created. */
  create: write()
    .input(createNhiInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiService).create(input)),
  /** A stale `expectedVersion` is CONFLICT with { currentVersion, changedFields, current }. */
  update: write()
    .input(updateNhiInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiService).update(input)),
  delete: authorizedProcedure('nhi:delete')
    .input(nhiIdInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiService).softDelete(input.id)),
  restore: authorizedProcedure('nhi:delete')
    .input(nhiIdInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiService).restore(input.id)),
  history: read()
    .input(nhiIdInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(NhiService).history(input.id)),
  audit: read()
    .input(nhiIdInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(NhiService).audit(input.id)),
  credential: router({
    /** The secret, when given, is fingerprinted and dropped: never stored, logged or returned. */
    add: write()
      .input(addCredentialInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiService).addCredential(input)),
    rotate: write()
      .input(rotateCredentialInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiService).rotateCredential(input)),
    revoke: write()
      .input(revokeCredentialInput)
      .mutation(({ ctx, input }) =>
        ctx.scope.container.resolve(NhiService).revokeCredential(input.credentialId),
      ),
  }),
  bulkUpdate: write()
    .input(bulkUpdateInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiService).bulkUpdate(input)),
  export: read()
    .input(exportNhiInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(NhiQueryService).exportRows(input)),
  /** Owners proposed from source metadata (ADR 0041); deciding them is an administrator's. */
  suggestion: router({
    list: read()
      .input(listOwnerSuggestionsInput)
      .query(({ ctx, input }) => ctx.scope.container.resolve(OwnerSuggestionService).list(input)),
    ofNhi: read()
      .input(nhiIdInput)
      .query(({ ctx, input }) => ctx.scope.container.resolve(OwnerSuggestionService).ofNhi(input.id)),
    /** A stale `expectedVersion` of the identity is CONFLICT, as for an edit. */
    accept: decideOwners()
      .input(acceptOwnerSuggestionInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(OwnerSuggestionService).accept(input)),
    reject: decideOwners()
      .input(ownerSuggestionIdInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(OwnerSuggestionService).reject(input.id)),
    /** All of the group's pending suggestions or, when one no longer applies, none. */
    acceptForGroup: decideOwners()
      .input(acceptGroupSuggestionsInput)
      .mutation(({ ctx, input }) =>
        ctx.scope.container.resolve(OwnerSuggestionService).acceptForGroup(input),
      ),
    refresh: decideOwners().mutation(({ ctx }) =>
      ctx.scope.container.resolve(OwnerSuggestionService).refresh(),
    ),
  }),
  /** A cell the database cannot store (NUL, lone surrogate) is an error of its row, not of the call. */
  import: authorizedProcedure('nhi:import', { fileFields: ['content'] })
    .input(importNhiInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiImportService).import(input)),
});
