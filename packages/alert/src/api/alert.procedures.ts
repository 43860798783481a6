import { authorizedProcedure, router } from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import './alert.permissions.ts';
import { AlertService } from '../service/alert.service.ts';
import { AlertChannelService } from '../service/alert-channels.service.ts';
import type { AlertContext } from '../service/alert-detail.ts';
import { AlertTickets } from '../service/alert-tickets.ts';
import { NhiAlertsService } from '../service/nhi-alerts.ts';
import {
  alertGroupsInput,
  alertIdInput,
  alertIdsInput,
  configureRuleInput,
  listAlertsInput,
  nhiRiskInput,
  suppressAlertsInput,
} from './alert.schema.ts';
import { alertCollaborationProcedures } from './alert-collaboration.procedures.ts';
import {
  channelIdInput,
  createChannelInput,
  createTicketInput,
  createTicketsInput,
  listDeliveriesInput,
  notificationIdsInput,
  syncTicketsInput,
  updateChannelInput,
} from './channel.schema.ts';

const read = () => authorizedProcedure('alert:read');
const ack = () => authorizedProcedure('alert:ack');
const configure = () => authorizedProcedure('alert:configure');
const channels = (ctx: { scope: { container: DependencyContainer } }) =>
  ctx.scope.container.resolve(AlertChannelService);

/** alert.*: the alerts of the realm the call is bound to. Ids of other realms are NOT_FOUND. */
export const alertRouter = router({
  /** What the caller may do with alerts, and the server's "now": what every alert page starts from. */
  context: read().query(
    ({ ctx }): AlertContext => ({
      can: {
        ack: ctx.scope.permissions.has('alert:ack'),
        configure: ctx.scope.permissions.has('alert:configure'),
      },
      asOf: ctx.scope.context.clock.now(),
    }),
  ),
  list: read()
    .input(listAlertsInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(AlertService).list(input)),
  /** The alerts the list's filters match, counted per rule or per identity. */
  groups: read()
    .input(alertGroupsInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(AlertService).groups(input)),
  /** The choices of the list's filters: rules with alerts, members, teams and scanner sources. */
  filterOptions: read().query(({ ctx }) => ctx.scope.container.resolve(AlertService).filterOptions()),
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
  /** Runs the full evaluation of the realm now (it also runs hourly and after changes). */
  evaluate: configure().mutation(({ ctx }) => ctx.scope.container.resolve(AlertService).evaluateNow()),
  risk: read()
    .input(nhiRiskInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(AlertService).risk(input.nhiId)),
  /** One identity's alerts, open first, with every transition of them: its page's alerts and timeline. */
  ofNhi: read()
    .input(nhiRiskInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(NhiAlertsService).ofNhi(input.nhiId)),
  ...alertCollaborationProcedures,
  rules: router({
    list: read().query(({ ctx }) => ctx.scope.container.resolve(AlertService).rules()),
    configure: configure()
      .input(configureRuleInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(AlertService).configureRule(input)),
  }),
  channels: router({
    list: configure().query(({ ctx }) => channels(ctx).list()),
    /** The channels page: every channel, and the delivery log filtered by the input. */
    page: configure()
      .input(listDeliveriesInput)
      .query(({ ctx, input }) => channels(ctx).overview(input)),
    /** A webhook's answer carries its signing secret, shown this once. */
    create: configure()
      .input(createChannelInput)
      .mutation(({ ctx, input }) => channels(ctx).create(input)),
    /** Routing and on/off; for a tracker also a new credential or webhook secret (never returned). */
    update: configure()
      .input(updateChannelInput)
      .mutation(({ ctx, input }) => channels(ctx).update(input)),
    delete: configure()
      .input(channelIdInput)
      .mutation(({ ctx, input }) => channels(ctx).remove(input.id)),
    test: configure()
      .input(channelIdInput)
      .mutation(({ ctx, input }) => channels(ctx).sendTest(input.id)),
  }),
  /** Tickets in Jira or ServiceNow: opening one is triage, like acknowledging (scoped the same way). */
  tickets: router({
    /** The alert's ticket on the tracker: the existing one for its fingerprint, or a new one queued. */
    create: ack()
      .input(createTicketInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(AlertTickets).create(input)),
    createMany: ack()
      .input(createTicketsInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(AlertTickets).createMany(input)),
    /** The realm's enabled trackers, for the "Create ticket" picker, with how their last sync went. */
    trackers: ack().query(({ ctx }) => ctx.scope.container.resolve(AlertTickets).trackers()),
    /** Reads the tracker's changes now, as the five-minute job does. */
    sync: ack()
      .input(syncTicketsInput)
      .mutation(({ ctx, input }) => ctx.scope.container.resolve(AlertTickets).syncNow(input)),
  }),
  deliveries: router({
    list: configure()
      .input(listDeliveriesInput)
      .query(({ ctx, input }) => channels(ctx).deliveries(input)),
    retry: configure()
      .input(notificationIdsInput)
      .mutation(({ ctx, input }) => channels(ctx).retry(input)),
  }),
});
