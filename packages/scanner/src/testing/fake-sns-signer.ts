import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type SnsMessage, snsStringToSign } from '../service/sns-messages.ts';

/**
 * SNS's side of an HTTPS subscription, locally: a key and a self-signed certificate for `host` (an
 * IP address or a DNS name), an HTTPS server on 127.0.0.1 that serves that certificate as the
 * signing certificate, and messages signed with the key as SNS signs them (SignatureVersion 1 or 2).
 */
export async function startFakeSnsSigner(host = '127.0.0.1') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-sns-'));
  const san = /^[\d.]+$/.test(host) ? `IP:${host}` : `DNS:${host}`;
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
  const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  fs.rmSync(dir, { recursive: true });
  const certificatePath = '/SimpleNotificationService-test.pem';
  const server = https.createServer({ key, cert }, (request, response) => {
    if (new URL(request.url ?? '/', 'https://fake').pathname === certificatePath) {
      response.writeHead(200, { 'content-type': 'application/x-pem-file' });
      response.end(cert);
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://${host}:${(server.address() as AddressInfo).port}`;
  return {
    /** The certificate (PEM): the CA a client trusting this server needs. */
    cert,
    origin,
    /** A message of `topic` signed as SNS signs it, as the JSON body SNS posts. */
    sign(
      topic: string,
      fields: Partial<SnsMessage> & Pick<SnsMessage, 'Type' | 'Message'>,
      version: '1' | '2' = '1',
    ): string {
      const message = {
        MessageId: randomUUID(),
        TopicArn: topic,
        Timestamp: new Date().toISOString(),
        SignatureVersion: version,
        Signature: '',
        SigningCertURL: `${origin}${certificatePath}`,
        ...fields,
      } as SnsMessage;
      message.Signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
        .update(snsStringToSign(message))
        .sign(key, 'base64');
      return JSON.stringify(message);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
