import {
  channelIdInput,
  createChannelInput,
  listDeliveriesInput,
  notificationIdsInput,
  updateChannelInput,
} from '@nhi/alert/channels';
import {
  alertIdInput,
  alertIdsInput,
  configureRuleInput,
  listAlertsInput,
  nhiRiskInput,
  suppressAlertsInput,
} from '@nhi/alert/schema';
import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import {
  acknowledgeFor,
  alertListOf,
  alertPageOf,
  channelsPageOf,
  configureRuleFor,
  createChannelFor,
  deleteChannelFor,
  evaluateFor,
  resolveFor,
  retryDeliveriesFor,
  riskOf,
  rulesOf,
  suppressFor,
  testChannelFor,
  updateChannelFor,
} from './alerts.server.ts';

export const listAlerts = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert:read')])
  .validator(inputValidator(listAlertsInput))
  .handler(({ data, context }) => alertListOf(context.scope, data));

export const getAlertPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert:read')])
  .validator(inputValidator(alertIdInput))
  .handler(({ data, context }) => alertPageOf(context.scope, data.id));

export const acknowledgeAlerts = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:ack')])
  .validator(inputValidator(alertIdsInput))
  .handler(({ data, context }) => acknowledgeFor(context.scope, data));

export const resolveAlerts = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:ack')])
  .validator(inputValidator(alertIdsInput))
  .handler(({ data, context }) => resolveFor(context.scope, data));

export const suppressAlerts = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:ack')])
  .validator(inputValidator(suppressAlertsInput))
  .handler(({ data, context }) => suppressFor(context.scope, data));

export const evaluateAlerts = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:configure')])
  .handler(({ context }) => evaluateFor(context.scope));

export const listAlertRules = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert:read')])
  .handler(({ context }) => rulesOf(context.scope));

export const configureAlertRule = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:configure')])
  .validator(inputValidator(configureRuleInput))
  .handler(({ data, context }) => configureRuleFor(context.scope, data));

export const getNhiRisk = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert:read')])
  .validator(inputValidator(nhiRiskInput))
  .handler(({ data, context }) => riskOf(context.scope, data.nhiId));

export const getChannelsPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('alert:configure')])
  .validator(inputValidator(listDeliveriesInput))
  .handler(({ data, context }) => channelsPageOf(context.scope, data));

export const createAlertChannel = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:configure')])
  .validator(inputValidator(createChannelInput))
  .handler(({ data, context }) => createChannelFor(context.scope, data));

export const updateAlertChannel = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:configure')])
  .validator(inputValidator(updateChannelInput))
  .handler(({ data, context }) => updateChannelFor(context.scope, data));

export const deleteAlertChannel = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:configure')])
  .validator(inputValidator(channelIdInput))
  .handler(({ data, context }) => deleteChannelFor(context.scope, data.id));

export const testAlertChannel = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:configure')])
  .validator(inputValidator(channelIdInput))
  .handler(({ data, context }) => testChannelFor(context.scope, data.id));

export const retryDeliveries = createServerFn({ method: 'POST' })
  .middleware([authGuard('alert:configure')])
  .validator(inputValidator(notificationIdsInput))
  .handler(({ data, context }) => retryDeliveriesFor(context.scope, data.ids));
