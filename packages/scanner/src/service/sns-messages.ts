import { createVerify } from 'node:crypto';
import https from 'node:https';

/** An Amazon SNS message as SNS posts it to an HTTPS subscription (the JSON body). */
export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

/**
 * Where SNS certificates and confirmation links may come from. The default trusts only
 * `https://sns.<region>.amazonaws.com` (and the China partition) and the system's CAs; a test
 * registers its own (a local host and a private CA) explicitly in the container.
 */
export interface SnsTrust {
  hostPattern: RegExp;
  /** Extra CA certificates (PEM) for the HTTPS calls; none by default. */
  ca?: string;
}

export const defaultSnsTrust: SnsTrust = {
  hostPattern: /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
};

const fieldsOf: Record<SnsMessage['Type'], readonly (keyof SnsMessage)[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The documented string SNS signs: each present field's name and value, one per line, in this order. */
export function snsStringToSign(message: SnsMessage): string {
  let text = '';
  for (const field of fieldsOf[message.Type]) {
    const value = message[field];
    if (typeof value === 'string') text += `${field}\n${value}\n`;
  }
  return text;
}

/** A body that has the shape of an SNS message, or null. */
export function snsMessageOf(body: string): SnsMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const message = value as Record<string, unknown>;
  const strings = ['MessageId', 'TopicArn', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL'];
  if (
    !(
      message.Type === 'Notification' ||
      message.Type === 'SubscriptionConfirmation' ||
      message.Type === 'UnsubscribeConfirmation'
    )
  )
    return null;
  if (!strings.every((key) => typeof message[key] === 'string')) return null;
  if (typeof message.Message !== 'string') return null;
  return message as unknown as SnsMessage;
}

const certificateCache = new Map<string, { pem: string; at: number }>();
const certificateTtlMs = 60 * 60 * 1000;
const maxCertificateBytes = 64 * 1024;

/**
 * Checks SNS signatures (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) with the certificate
 * named by SigningCertURL, fetched only from a trusted host over HTTPS and kept for an hour.
 */
export class SnsVerifier {
  constructor(private readonly trust: SnsTrust = defaultSnsTrust) {}

  /** Whether a URL is one SNS itself would give: HTTPS on a trusted host. */
  trusted(raw: string | undefined): URL | null {
    if (!raw) return null;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return null;
    }
    if (url.protocol !== 'https:' || url.username || url.password) return null;
    return this.trust.hostPattern.test(url.hostname) ? url : null;
  }

  async verify(message: SnsMessage): Promise<boolean> {
    const algorithm =
      message.SignatureVersion === '1' ? 'RSA-SHA1' : message.SignatureVersion === '2' ? 'RSA-SHA256' : null;
    const url = this.trusted(message.SigningCertURL);
    if (!algorithm || !url?.pathname.endsWith('.pem')) return false;
    let pem: string;
    try {
      pem = await this.certificate(url);
    } catch {
      return false;
    }
    try {
      return createVerify(algorithm)
        .update(snsStringToSign(message), 'utf8')
        .verify(pem, message.Signature, 'base64');
    } catch {
      return false;
    }
  }

  /** GET of a trusted URL (a SubscribeURL): its status, the body ignored. */
  async get(url: URL): Promise<number> {
    const { status } = await this.fetch(url);
    return status;
  }

  private async certificate(url: URL): Promise<string> {
    const cached = certificateCache.get(url.href);
    if (cached && Date.now() - cached.at < certificateTtlMs) return cached.pem;
    const { status, body } = await this.fetch(url);
    if (status !== 200 || !body.includes('-----BEGIN CERTIFICATE-----'))
      throw new Error(`no certificate at ${url.href}`);
    certificateCache.set(url.href, { pem: body, at: Date.now() });
    return body;
  }

  private fetch(url: URL): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = https.get(url, { ca: this.trust.ca, timeout: 10_000 }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxCertificateBytes) request.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', reject);
    });
  }
}
