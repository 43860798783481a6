import { createHmac } from 'node:crypto';
import { type OutgoingMessage, plainText, slackBody, subjectLine, webhookBody } from './alert-message.ts';

export interface ChannelTarget {
  type: 'webhook' | 'slack' | 'email';
  settings: Record<string, unknown>;
  /** Decrypted: the webhook signing secret, the Slack webhook URL, or the SMTP password. */
  secret: string | null;
}

export interface SendOutcome {
  ok: boolean;
  status?: number;
  error?: string;
}

const timeoutMs = 10_000;

/**
 * The signature a webhook receiver checks: HMAC-SHA256 under the channel secret of
 * `${timestamp}.${body}`, hex, in `X-NHI-Signature: v1=<hex>`; the timestamp (Unix seconds) is in
 * `X-NHI-Timestamp`, so a receiver can refuse old replays.
 */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<SendOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok
      ? { ok: true, status: response.status }
      : { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return `${error.message}${detail}`.slice(0, 500);
  }
  return String(error).slice(0, 500);
}

export async function send(
  target: ChannelTarget,
  message: OutgoingMessage,
  recipient: string | null,
  now: Date,
): Promise<SendOutcome> {
  switch (target.type) {
    case 'webhook': {
      const body = webhookBody(message, now);
      const timestamp = Math.floor(now.getTime() / 1000);
      return post(String(target.settings.url), body, {
        'x-nhi-delivery': message.deliveryId,
        'x-nhi-timestamp': String(timestamp),
        'x-nhi-signature': signatureOf(target.secret ?? '', timestamp, body),
      });
    }
    case 'slack':
      if (!target.secret) return { ok: false, error: 'The Slack webhook URL is missing' };
      return post(target.secret, slackBody(message), {});
    case 'email':
      return sendEmail(target, message, recipient);
  }
}

/**
 * The SMTP connection of an email channel: its settings and its opened password. Alert mails and
 * the posture reports mailed through a channel both send through it; the caller closes it.
 */
export async function emailTransportOf(settings: Record<string, unknown>, password: string | null) {
  // Loaded with the first mail: a hub without an email channel never needs it.
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport({
    host: String(settings.host),
    port: Number(settings.port),
    secure: settings.secure === true,
    auth: settings.username ? { user: String(settings.username), pass: password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

async function sendEmail(target: ChannelTarget, message: OutgoingMessage, recipient: string | null) {
  const s = target.settings;
  const fallback = Array.isArray(s.recipients) ? (s.recipients as string[]) : [];
  // A group owner's members travel as one comma-separated recipient.
  const to = recipient ? recipient.split(',').map((address) => address.trim()) : fallback;
  if (to.length === 0)
    return { ok: false, error: 'No recipient: the NHI has no owner and the channel no addresses' };
  const transport = await emailTransportOf(s, target.secret);
  try {
    const info = await transport.sendMail({
      from: String(s.from),
      to,
      subject: subjectLine(message),
      text: plainText(message),
      headers: { 'X-NHI-Delivery': message.deliveryId },
    });
    return info.rejected.length > 0
      ? { ok: false, error: `Rejected: ${info.rejected.join(', ')}` }
      : { ok: true };
  } catch (error) {
    return { ok: false, error: describe(error) };
  } finally {
    transport.close();
  }
}
