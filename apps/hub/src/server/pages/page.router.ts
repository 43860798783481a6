import type { NhiAlerts, NhiRisk } from '@nhi/alert';
import type { NhiAuditEntry, NhiDetail, NhiVersionEntry } from '@nhi/nhi';
import { nhiIdInput } from '@nhi/nhi/schema';
import { authorizedProcedure, coversOwner, router } from '@nhi/platform';
import type { NhiScanObservations } from '@nhi/scanner';
import { hubCaller } from '../rpc/caller.server.ts';
import { platformPages } from './platform.page.ts';

/** The detail page's record; who may own it and what the caller may do come with the inventory's layout. */
export interface NhiPage {
  nhi: NhiDetail;
  history: NhiVersionEntry[];
  audit: NhiAuditEntry[];
  /** null when the caller may not read this identity's alerts. */
  risk: NhiRisk | null;
  /** The identity's alerts and their transitions; null when the caller may not read this identity's alerts. */
  alerts: NhiAlerts | null;
  /** Its source by name and the scans that saw it; null when the caller may not read sources. */
  scans: NhiScanObservations | null;
  /** The caller may acknowledge, resolve and suppress this identity's alerts. */
  canTriage: boolean;
  /** The caller may run remediation actions on this identity at its provider. */
  canRemediate: boolean;
}

/**
 * page.*: what one page shows, when it spans domains. Each is made of the domains' own
 * procedures, called through the caller: no data access of its own, and every part goes
 * where its realm's route says.
 */
export const pageRouter = router({
  ...platformPages,
  /** The identity's detail page: the record, its versions and audit trail, its risk, alerts and scans. */
  nhi: authorizedProcedure('nhi:read')
    .input(nhiIdInput)
    .query(async ({ ctx, input }): Promise<NhiPage> => {
      const rpc = hubCaller(ctx.root, ctx.scope);
      // One after the other: the embedded database serves one transaction at a time.
      const nhi = await rpc.nhi.get.query(input);
      const history = await rpc.nhi.history.query(input);
      const audit = await rpc.nhi.audit.query(input);
      // The alert permissions may cover fewer teams than nhi:read: their parts follow their own coverage.
      const alertsCover = (permission: 'alert:read' | 'alert:ack') =>
        coversOwner(ctx.scope.permissions.coverage(permission), nhi.ownerGroup?.id ?? null);
      const risk = alertsCover('alert:read') ? await rpc.alert.risk.query({ nhiId: input.id }) : null;
      const alerts = alertsCover('alert:read') ? await rpc.alert.ofNhi.query({ nhiId: input.id }) : null;
      const scans = ctx.scope.permissions.has('source:read')
        ? await rpc.scanner.observations.query({ nhiId: input.id })
        : null;
      const canRemediate = coversOwner(
        ctx.scope.permissions.coverage('nhi:remediate'),
        nhi.ownerGroup?.id ?? null,
      );
      return { nhi, history, audit, risk, alerts, scans, canTriage: alertsCover('alert:ack'), canRemediate };
    }),
});
