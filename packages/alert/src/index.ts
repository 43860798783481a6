// The public face of @nhi/alert: risk rules, alerts and their lifecycle, risk scores. Zod shapes: '@nhi/alert/schema';
// the rule catalogue: '@nhi/alert/rules'.
import 'reflect-metadata';
import './api/alert.permissions.ts';

export { alertDomain } from './alert.domain.ts';
export { AlertService } from './service/alert.service.ts';
export { AlertDelivery } from './service/alert-delivery.ts';
export type { AlertListItem, NhiRisk, RuleView } from './service/alert-detail.ts';
export { evaluateInTransaction } from './service/alert-evaluation.ts';
export { AlertEvaluator } from './service/alert-evaluator.ts';
// The hub's quick search lists alerts by rule title and identity name.
export { type AlertSearchHit, alertSearchHits } from './service/alert-search.ts';
export { type NhiAlertEvent, type NhiAlerts, NhiAlertsService } from './service/nhi-alerts.ts';
