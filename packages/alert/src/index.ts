// The public face of @nhi/alert: risk rules, alerts and their lifecycle, risk scores. Zod shapes: '@nhi/alert/schema'.
import 'reflect-metadata';
import './alert.permissions.ts';

export { alertDomain } from './alert.domain.ts';
export { type AlertPermission, alertPermissions } from './alert.permissions.ts';
export { alertRouter } from './alert.procedures.ts';
export { AlertService, type TransitionResult } from './alert.service.ts';
export {
  AlertChannelService,
  type ChannelsOverview,
  type ChannelView,
  type DeliveryView,
} from './alert-channels.service.ts';
export { AlertDelivery, type DeliveryOptions, defaultDeliveryOptions } from './alert-delivery.ts';
export type {
  AlertAbilities,
  AlertContext,
  AlertDetail,
  AlertHistoryEntry,
  AlertListItem,
  AlertListPage,
  AlertState,
  NhiRisk,
  RiskFactor,
  RuleView,
} from './alert-detail.ts';
export {
  type EvaluationResult,
  evaluateInTransaction,
  evaluateSlice,
  lockRealmAlerts,
  type PassSlice,
} from './alert-evaluation.ts';
export { AlertEvaluator, passSliceSize, type RealmPassOptions } from './alert-evaluator.ts';
export { factKindsOfRule } from './alert-fact-rules.ts';
export {
  type AlertJobsRuntime,
  alertJobNames,
  defaultEvaluationCron,
  registerAlertJobs,
} from './alert-jobs.ts';
export { type AlertNotice, webhookBody } from './alert-message.ts';
export {
  type AlertRule,
  type AlertRuleId,
  type AlertSeverity,
  alertRuleIds,
  alertRuleOf,
  alertRules,
  type OwaspNhiId,
  type RiskDimension,
  riskLevelOf,
} from './alert-rules.ts';
export { signatureOf } from './alert-senders.ts';
export { ChannelSecrets } from './channel-secrets.ts';
