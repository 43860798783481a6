import { authorizedProcedure, router } from '@nhi/platform';
import './alert.permissions.ts';
import {
  alertIdInput,
  alertIdsInput,
  configureRuleInput,
  listAlertsInput,
  nhiRiskInput,
  suppressAlertsInput,
} from './alert.schema.ts';
import { AlertService } from './alert.service.ts';

const read = () => authorizedProcedure('alert:read');
const ack = () => authorizedProcedure('alert:ack');

/** alert.*: the alerts of the realm the call is bound to. Ids of other realms are NOT_FOUND. */
export const alertRouter = router({
  list: read()
    .input(listAlertsInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(AlertService).list(input)),
  get: read()
    .input(alertIdInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(AlertService).get(input.id)),
  acknowledge: ack()
    .input(alertIdsInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(AlertService).acknowledge(input)),
  resolve: ack()
    .input(alertIdsInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(AlertService).resolve(input)),
  /** Until the expiry; the alert then reopens if its condition still holds. */
  suppress: ack()
    .input(suppressAlertsInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(AlertService).suppress(input)),
  risk: read()
    .input(nhiRiskInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(AlertService).risk(input.nhiId)),
  rules: router({
    list: read().query(({ ctx }) => ctx.scope.container.resolve(AlertService).rules()),
    configure: authorizedProcedure('alert:configure')
      .input(configureRuleInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(AlertService).configureRule(input)),
  }),
});
