import { evidenceLines } from './alert-explanation.ts';
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
  /** The alert's evidence when it was queued (masked matches and hints only, never a secret). */
  evidence?: Record<string, unknown>;
}

export interface OutgoingMessage {
  /** The notification id (the first one of a digest): receivers deduplicate on it. */
  deliveryId: string;
  kind: string;
  notices: AlertNotice[];
  hubUrl?: string;
  /** The realm the alerts are in: page URLs carry it (`/r/<realm>/alerts/<id>`). */
  realmSlug?: string;
}

export function titleOf(notice: AlertNotice): string {
  return alertRuleOf(notice.ruleId)?.title ?? notice.ruleId;
}

export function linkOf(notice: AlertNotice, hubUrl?: string, realmSlug?: string): string | null {
  if (!hubUrl) return null;
  const realm = realmSlug ? `/r/${encodeURIComponent(realmSlug)}` : '';
  return `${hubUrl.replace(/\/+$/, '')}${realm}/alerts/${notice.alertId}`;
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
      details: evidenceLines(notice.evidence),
      remediation: alertRuleOf(notice.ruleId)?.remediation ?? null,
      link: linkOf(notice, message.hubUrl, message.realmSlug),
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
      const link = linkOf(notice, message.hubUrl, message.realmSlug);
      const fix = alertRuleOf(notice.ruleId)?.remediation;
      const details = evidenceLines(notice.evidence).map((detail) => `- ${detail}`);
      return [line(notice), ...details, fix ? `What to do: ${fix}` : null, link ? `Open: ${link}` : null]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n\n');
}

/** Slack's mrkdwn escapes: `&`, `<` and `>` would otherwise open links or mentions. */
const slackEscape = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One alert as Slack blocks: the headline, what the evidence says, what to do, and the link. */
function slackBlocks(notice: AlertNotice, hubUrl?: string, realmSlug?: string): unknown[] {
  const link = linkOf(notice, hubUrl, realmSlug);
  const details = evidenceLines(notice.evidence);
  const fix = alertRuleOf(notice.ruleId)?.remediation;
  const headline = slackEscape(line(notice).split(';')[0] ?? '');
  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: link ? `*<${link}|${headline}>*` : `*${headline}*` },
    },
    ...(details.length > 0
      ? [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: details.map((d) => `• ${slackEscape(d)}`).join('\n') },
          },
        ]
      : []),
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `Owner: ${slackEscape(notice.owner ?? 'none')}` },
        ...(fix ? [{ type: 'mrkdwn', text: `What to do: ${slackEscape(fix)}` }] : []),
      ],
    },
  ];
}

/**
 * Slack incoming-webhook payload: blocks per alert (Slack allows 50 per message, so a digest shows
 * its first alerts and says how many more), and `text` as the notification's fallback line.
 */
export function slackBody(message: OutgoingMessage): string {
  const text = message.notices
    .map((notice) => {
      const link = linkOf(notice, message.hubUrl, message.realmSlug);
      return `${link ? `<${link}|${line(notice)}>` : line(notice)}`;
    })
    .join('\n');
  const shown = message.notices.slice(0, 15);
  const blocks = shown.flatMap((notice, index) => [
    ...(index > 0 ? [{ type: 'divider' }] : []),
    ...slackBlocks(notice, message.hubUrl, message.realmSlug),
  ]);
  if (message.notices.length > shown.length)
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `…and ${message.notices.length - shown.length} more alerts in the hub` },
      ],
    });
  return JSON.stringify({
    text: message.notices.length > 1 ? `${message.notices.length} NHI alerts\n${text}` : text,
    blocks,
  });
}
