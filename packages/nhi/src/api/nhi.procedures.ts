import { authorizedProcedure, router } from '@nhi/platform';
import { NhiImportService } from '../service/nhi-import.service.ts';
import { type InventoryContext, NhiQueryService } from '../service/nhi-query.service.ts';
import './nhi.permissions.ts';
import { NhiService } from '../service/nhi.service.ts';
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

const read = () => authorizedProcedure('nhi:read');
const write = () => authorizedProcedure('nhi:write');

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
  /** A cell the database cannot store (NUL, lone surrogate) is an error of its row, not of the call. */
  import: authorizedProcedure('nhi:import', { fileFields: ['content'] })
    .input(importNhiInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(NhiImportService).import(input)),
});
