// The public face of @nhi/alert: risk rules, alerts and their lifecycle, risk scores. Zod shapes: '@nhi/alert/schema';
// the rule catalogue: '@nhi/alert/rules'.
import 'reflect-metadata';
import './api/alert.permissions.ts';

export { alertDomain } from './alert.domain.ts';
export {
  type AlertExportFormat,
  type AlertExportInput,
  alertExportFormats,
  alertExportInput,
  alertExportMedia,
} from './api/alert-export.schema.ts';
export { AlertService } from './service/alert.service.ts';
export { AlertChannelService } from './service/alert-channels.service.ts';
export { AlertDelivery } from './service/alert-delivery.ts';
export type { AlertListItem, NhiRisk, RuleView } from './service/alert-detail.ts';
export { evaluateInTransaction } from './service/alert-evaluation.ts';
export { AlertEvaluator } from './service/alert-evaluator.ts';
export { AlertExportService, alertExportBatchSize } from './service/alert-export.ts';
export { factKindsOfRule } from './service/alert-fact-rules.ts';
export { type ExportProduct, ocsfVersion, toOcsfDetectionFinding } from './service/alert-ocsf.ts';
// The hub's quick search lists alerts by rule title and identity name.
export { type AlertSearchHit, alertSearchHits } from './service/alert-search.ts';
// Report mails go through an email channel: they open its sealed SMTP password with the same key.
export { emailTransportOf } from './service/alert-senders.ts';
export { ChannelSecrets } from './service/channel-secrets.ts';
export { type NhiAlertEvent, type NhiAlerts, NhiAlertsService } from './service/nhi-alerts.ts';
// The hub's route for tracker webhooks (signed, no session).
export { TicketSync } from './service/ticket-sync.ts';
