import { alertRuleOf } from './alert-rules.ts';

/** What a notification says about one alert (AlertNotification.payload). */
export interface AlertNotice {
  alertId: string;
  ruleId: string;
  owaspId: string;
  severity: string;
  state: string;
  subject: string;
  nhiId: string | null;
  credentialId: string | null;
  nhi: string | null;
  environment: string | null;
  owner: string | null;
  at: string;
}

export interface OutgoingMessage {
  /** The notification id (the first one of a digest): receivers deduplicate on it. */
  deliveryId: string;
  kind: string;
  notices: AlertNotice[];
  hubUrl?: string;
}

export function titleOf(notice: AlertNotice): string {
  return alertRuleOf(notice.ruleId)?.title ?? notice.ruleId;
}

export function linkOf(notice: AlertNotice, hubUrl?: string): string | null {
  return hubUrl ? `${hubUrl.replace(/\/+$/, '')}/alerts/${notice.alertId}` : null;
}

/** The JSON a webhook receives: always a list, one element unless it is a digest. */
export function webhookBody(message: OutgoingMessage, sentAt: Date): string {
  return JSON.stringify({
    id: message.deliveryId,
    type: message.kind,
    sentAt: sentAt.toISOString(),
    alerts: message.notices.map((notice) => ({
      ...notice,
      title: titleOf(notice),
      remediation: alertRuleOf(notice.ruleId)?.remediation ?? null,
      link: linkOf(notice, message.hubUrl),
    })),
  });
}

function line(notice: AlertNotice): string {
  const where = notice.nhi
    ? `${notice.nhi}${notice.environment ? ` (${notice.environment})` : ''}`
    : notice.subject;
  return `[${notice.severity.toUpperCase()}] ${notice.owaspId} ${titleOf(notice)} on ${where}; owner: ${notice.owner ?? 'none'}`;
}

export function subjectLine(message: OutgoingMessage): string {
  const [first] = message.notices;
  if (message.notices.length === 1 && first) return `[NHI Hub] ${line(first).split(';')[0]}`;
  return `[NHI Hub] ${message.notices.length} alerts`;
}

export function plainText(message: OutgoingMessage): string {
  return message.notices
    .map((notice) => {
      const link = linkOf(notice, message.hubUrl);
      const fix = alertRuleOf(notice.ruleId)?.remediation;
      return [line(notice), fix ? `What to do: ${fix}` : null, link ? `Open: ${link}` : null]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n\n');
}

/** Slack incoming-webhook payload: readable text with severity, NHI, owner and link. */
export function slackBody(message: OutgoingMessage): string {
  const text = message.notices
    .map((notice) => {
      const link = linkOf(notice, message.hubUrl);
      return `${link ? `<${link}|${line(notice)}>` : line(notice)}`;
    })
    .join('\n');
  return JSON.stringify({
    text: message.notices.length > 1 ? `${message.notices.length} NHI alerts\n${text}` : text,
  });
}
