import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { onTestFinished } from 'vitest';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on a free local port; answers with the queued statuses, then 200. */
export async function startWebhookReceiver() {
  const received: ReceivedRequest[] = [];
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/nhi`,
    received,
    /** The next requests get these statuses. */
    answer: (...codes: number[]) => statuses.push(...codes),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

/**
 * A real SMTP server (smtp-server) on a port that can be stopped and started again. holdNextReply:
 * the next mail is received but not answered until releaseReplies, a sender stuck mid-send.
 */
export async function startSmtpReceiver() {
  const received: ReceivedMail[] = [];
  const heldReplies: (() => void)[] = [];
  let holdNext = false;
  let server: SMTPServer | undefined;
  let port = 0;
  async function start() {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString('utf8'),
          });
          if (!holdNext) return callback();
          holdNext = false;
          heldReplies.push(() => callback());
        });
      },
    });
    const current = server;
    await new Promise<void>((resolve) => current.listen(port, '127.0.0.1', () => resolve()));
    port = (current.server.address() as AddressInfo).port;
  }
  function releaseReplies() {
    for (const reply of heldReplies.splice(0)) reply();
  }
  async function stop() {
    // A held reply would keep the server open until its close timeout.
    releaseReplies();
    const current = server;
    server = undefined;
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  }
  await start();
  onTestFinished(stop);
  return {
    port: () => port,
    received,
    start,
    stop,
    holdNextReply: () => {
      holdNext = true;
    },
    releaseReplies,
  };
}
