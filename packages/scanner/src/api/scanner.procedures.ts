import { authorizedProcedure, REALM_DB, router } from '@nhi/platform';
import './scanner.permissions.ts';
import { remediationRouter } from '../remediation/api/remediation.procedures.ts';
import { AccessGraphService } from '../service/access-graph/access-graph.service.ts';
import { ScanDiffService } from '../service/scan-diff.ts';
import { ScanObservationsService } from '../service/scan-observations.ts';
import { ScannerService } from '../service/scanner.service.ts';
import { SourceEvents } from '../service/source-events.ts';
import {
  createSourceInput,
  idInput,
  listLeaksInput,
  listScansInput,
  nhiIdInput,
  type SourcesPage,
  startScanInput,
  testConnectionInput,
  updateSourceInput,
} from './scanner.schema.ts';

const service = (ctx: { scope: { container: { resolve(token: typeof ScannerService): ScannerService } } }) =>
  ctx.scope.container.resolve(ScannerService);

/** scanner.*: discovery sources, scans and leaks of the realm the call is bound to. */
export const scannerRouter = router({
  source: router({
    list: authorizedProcedure('source:read').query(({ ctx }) => service(ctx).listSources()),
    /** The sources page: the sources with what the caller may do, so it hides what would be refused. */
    page: authorizedProcedure('source:read').query(
      async ({ ctx }): Promise<SourcesPage> => ({
        sources: await service(ctx).listSources(),
        abilities: {
          manageSources: ctx.scope.permissions.has('source:manage'),
          runScans: ctx.scope.permissions.has('scan:run'),
          readLeaks: ctx.scope.permissions.has('leak:read'),
        },
      }),
    ),
    get: authorizedProcedure('source:read')
      .input(idInput)
      .query(({ ctx, input }) => service(ctx).getSource(input.id)),
    /** Credentials in `secrets` are encrypted at rest and never returned (only their names). */
    create: authorizedProcedure('source:manage')
      .input(createSourceInput)
      .mutation(({ ctx, input }) => service(ctx).createSource(input)),
    update: authorizedProcedure('source:manage')
      .input(updateSourceInput)
      .mutation(({ ctx, input }) => service(ctx).updateSource(input)),
    delete: authorizedProcedure('source:manage')
      .input(idInput)
      .mutation(({ ctx, input }) => service(ctx).deleteSource(input.id)),
    /** The source's last 50 provider events (webhooks) and the scans they queued. */
    events: authorizedProcedure('source:read')
      .input(idInput)
      .query(({ ctx, input }) =>
        ctx.scope.container.resolve(SourceEvents).list(ctx.scope.container.resolve(REALM_DB), input.id),
      ),
    /** Tries a live source's credentials with one call to its provider; nothing is saved. */
    testConnection: authorizedProcedure('source:manage')
      .input(testConnectionInput)
      .mutation(({ ctx, input }) => service(ctx).testConnection(input)),
  }),
  scan: router({
    /** With `upload` (base64), the file is the input; otherwise the source's settings are. */
    start: authorizedProcedure('scan:run')
      .input(startScanInput)
      .mutation(({ ctx, input }) => service(ctx).startScan(input)),
    list: authorizedProcedure('source:read')
      .input(listScansInput)
      .query(({ ctx, input }) => service(ctx).listScans(input)),
    get: authorizedProcedure('source:read')
      .input(idInput)
      .query(({ ctx, input }) => service(ctx).getScan(input.id)),
    cancel: authorizedProcedure('scan:run')
      .input(idInput)
      .mutation(({ ctx, input }) => service(ctx).cancelScan(input.id)),
    /** The identities the scan added, changed and no longer found, and the alerts that followed. */
    diff: authorizedProcedure('source:read')
      .input(idInput)
      .query(({ ctx, input }) => ctx.scope.container.resolve(ScanDiffService).ofScan(input.id)),
  }),
  /** Which scans saw one identity, and its source by name: for the identity's page. */
  observations: authorizedProcedure('source:read')
    .input(nhiIdInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(ScanObservationsService).ofNhi(input.nhiId)),
  /**
   * What the identity can reach and who or what uses it, as a capped graph; the leaks of its
   * secrets only for callers who may read leaks.
   */
  accessGraph: authorizedProcedure('source:read')
    .input(nhiIdInput)
    .query(({ ctx, input }) =>
      ctx.scope.container
        .resolve(AccessGraphService)
        .ofNhi(input.nhiId, { withLeaks: ctx.scope.permissions.has('leak:read') }),
    ),
  leak: router({
    list: authorizedProcedure('leak:read')
      .input(listLeaksInput)
      .query(({ ctx, input }) => service(ctx).listLeaks(input)),
  }),
  remediation: remediationRouter,
});
