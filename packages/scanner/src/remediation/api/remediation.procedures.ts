import { authorizedProcedure, router } from '@nhi/platform';
import './remediation.permissions.ts';
import { RemediationService } from '../service/remediation.service.ts';
import {
  listRemediationsInput,
  rejectRemediationInput,
  remediationIdInput,
  remediationNhiInput,
  remediationPlanInput,
  remediationSettingsInput,
} from './remediation.schema.ts';

const service = (ctx: {
  scope: { container: { resolve(token: typeof RemediationService): RemediationService } };
}) => ctx.scope.container.resolve(RemediationService);

/** scanner.remediation.*: actions at the provider with a source's credentials, dry run first. */
export const remediationRouter = router({
  /** Whether the realm allows remediation and asks for approval: members see it, admins change it. */
  settings: authorizedProcedure('realm:read').query(({ ctx }) => service(ctx).settings()),
  configure: authorizedProcedure('member:manage')
    .input(remediationSettingsInput)
    .mutation(({ ctx, input }) => service(ctx).configure(input)),
  available: authorizedProcedure('nhi:remediate')
    .input(remediationNhiInput)
    .query(({ ctx, input }) => service(ctx).available(input.nhiId)),
  /** The dry run: reads the provider, changes nothing, stores nothing. */
  plan: authorizedProcedure('nhi:remediate')
    .input(remediationPlanInput)
    .mutation(({ ctx, input }) => service(ctx).plan(input)),
  request: authorizedProcedure('nhi:remediate')
    .input(remediationPlanInput)
    .mutation(({ ctx, input }) => service(ctx).request(input)),
  approve: authorizedProcedure('nhi:remediate')
    .input(remediationIdInput)
    .mutation(({ ctx, input }) => service(ctx).approve(input.id)),
  reject: authorizedProcedure('nhi:remediate')
    .input(rejectRemediationInput)
    .mutation(({ ctx, input }) => service(ctx).reject(input)),
  list: authorizedProcedure('nhi:remediate')
    .input(listRemediationsInput)
    .query(({ ctx, input }) => service(ctx).list(input)),
});
