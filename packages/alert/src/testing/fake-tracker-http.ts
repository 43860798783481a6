import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrackerExchange {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeReply {
  status: number;
  body?: unknown;
}

/**
 * A local HTTP server for a fake tracker with what every test of one needs: a log of the requests
 * (to check what the hub sent, and that it sent no secret of its own), going down (503) and coming
 * back, and losing the answer to the next write (the tracker does the work, the hub never hears).
 */
export async function startTrackerServer(handle: (exchange: TrackerExchange, url: URL) => FakeReply) {
  const requests: TrackerExchange[] = [];
  let down = false;
  let loseNextWrite = false;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const exchange: TrackerExchange = {
        method: request.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(exchange);
      if (down) {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end('Service Unavailable');
        return;
      }
      const reply = handle(exchange, url);
      if (
        loseNextWrite &&
        exchange.method !== 'GET' &&
        reply.status < 300 &&
        !url.pathname.includes('search')
      ) {
        loseNextWrite = false;
        // The work is done; the connection drops before the answer.
        request.socket.destroy();
        return;
      }
      response.writeHead(
        reply.status,
        reply.body === undefined ? {} : { 'content-type': 'application/json' },
      );
      response.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    /** Answers 503 to everything until up(). */
    down: () => {
      down = true;
    },
    up: () => {
      down = false;
    },
    /** The next successful write is applied but its answer is lost (the connection is cut). */
    loseNextAnswer: () => {
      loseNextWrite = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A webhook's body and its `X-Hub-Signature` header (`sha256=<HMAC of the body>`), as the tracker sends them. */
export function signedWebhook(secret: string, payload: unknown): { body: string; signature: string } {
  const body = JSON.stringify(payload);
  return { body, signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
}

/** Posts a webhook the way the tracker is configured to: `X-Hub-Signature: sha256=<HMAC of the body>`. */
export async function sendSignedWebhook(url: string, secret: string, payload: unknown) {
  const { body, signature } = signedWebhook(secret, payload);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
    body,
  });
  return { status: response.status, body, signature };
}

export function basicAuth(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic (.+)$/.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
