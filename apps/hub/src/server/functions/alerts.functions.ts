import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** What the caller may do with alerts, and the server's "now": what every alert page starts from. */
export const alertContext = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.context')])
  .handler(({ context }) => context.rpc.alert.context.query());

/** One page of alerts with the total; cursors page forwards and back. */
export const listAlerts = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.list')])
  .validator(inputOf('alert.list'))
  .handler(({ data, context }) => context.rpc.alert.list.query(data));

/** The matching alerts counted per rule or per identity. */
export const listAlertGroups = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.groups')])
  .validator(inputOf('alert.groups'))
  .handler(({ data, context }) => context.rpc.alert.groups.query(data));

/** The choices of the alert list's filters. */
export const alertFilterOptions = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.filterOptions')])
  .handler(({ context }) => context.rpc.alert.filterOptions.query());

/** The alert with its evidence in sentences, remediation and history. */
export const getAlertPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.get')])
  .validator(inputOf('alert.get'))
  .handler(({ data, context }) => context.rpc.alert.get.query(data));

export const acknowledgeAlerts = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.acknowledge')])
  .validator(inputOf('alert.acknowledge'))
  .handler(({ data, context }) => context.rpc.alert.acknowledge.mutate(data));

export const resolveAlerts = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.resolve')])
  .validator(inputOf('alert.resolve'))
  .handler(({ data, context }) => context.rpc.alert.resolve.mutate(data));

/** Until the expiry; the alert then reopens if its condition still holds. */
export const suppressAlerts = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.suppress')])
  .validator(inputOf('alert.suppress'))
  .handler(({ data, context }) => context.rpc.alert.suppress.mutate(data));

export const evaluateAlerts = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.evaluate')])
  .handler(({ context }) => context.rpc.alert.evaluate.mutate());

export const listAlertRules = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.rules.list')])
  .handler(({ context }) => context.rpc.alert.rules.list.query());

export const configureAlertRule = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.rules.configure')])
  .validator(inputOf('alert.rules.configure'))
  .handler(({ data, context }) => context.rpc.alert.rules.configure.mutate(data));

export const getNhiRisk = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.risk')])
  .validator(inputOf('alert.risk'))
  .handler(({ data, context }) => context.rpc.alert.risk.query(data));

/** Every channel and the delivery log. */
export const getChannelsPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.channels.page')])
  .validator(inputOf('alert.channels.page'))
  .handler(({ data, context }) => context.rpc.alert.channels.page.query(data));

/** A webhook's answer carries its signing secret, shown this once. */
export const createAlertChannel = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.channels.create')])
  .validator(inputOf('alert.channels.create'))
  .handler(({ data, context }) => context.rpc.alert.channels.create.mutate(data));

export const updateAlertChannel = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.channels.update')])
  .validator(inputOf('alert.channels.update'))
  .handler(({ data, context }) => context.rpc.alert.channels.update.mutate(data));

export const deleteAlertChannel = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.channels.delete')])
  .validator(inputOf('alert.channels.delete'))
  .handler(({ data, context }) => context.rpc.alert.channels.delete.mutate(data));

/** Sends a sample alert through the channel now and says how it went. */
export const testAlertChannel = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.channels.test')])
  .validator(inputOf('alert.channels.test'))
  .handler(({ data, context }) => context.rpc.alert.channels.test.mutate(data));

export const retryDeliveries = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.deliveries.retry')])
  .validator(inputOf('alert.deliveries.retry'))
  .handler(({ data, context }) => context.rpc.alert.deliveries.retry.mutate(data));

/** Sets or clears who answers for an alert (a member of the realm) and by when. */
export const assignAlert = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.assign')])
  .validator(inputOf('alert.assign'))
  .handler(({ data, context }) => context.rpc.alert.assign.mutate(data));

/** The realm's members an alert can be assigned to. */
export const listAlertAssignees = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.assignees')])
  .handler(({ context }) => context.rpc.alert.assignees.query());

/** An alert's comments, oldest first. */
export const listAlertComments = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert.comments.list')])
  .validator(inputOf('alert.comments.list'))
  .handler(({ data, context }) => context.rpc.alert.comments.list.query(data));

/** Mentioned members (`@email`) are mailed when the hub has a mail server. */
export const addAlertComment = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert.comments.add')])
  .validator(inputOf('alert.comments.add'))
  .handler(({ data, context }) => context.rpc.alert.comments.add.mutate(data));
