import { describe, expect, it } from 'vitest';
import { createBodyLimits, jsonBodyMaxBytes, uploadBodyMaxBytes } from './body-limit.ts';
import { createHttpEnvelope, type FetchHandler } from './http-envelope.ts';
import { createRouteLabeler } from './route-label.ts';
import { serverFnIdFor } from './upload-calls.ts';

const limit = 256 * 1024;
const chunkBytes = 16 * 1024;

/** A client sending `totalBytes` in chunks, and how many of them the server pulled. */
function streamedBody(totalBytes: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= totalBytes) {
          controller.close();
          return;
        }
        const size = Math.min(chunkBytes, totalBytes - pulled);
        pulled += size;
        controller.enqueue(new Uint8Array(size).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

function setup() {
  const envelope = createHttpEnvelope({
    trustProxy: false,
    routeLabel: createRouteLabeler(['/api/trpc/$']),
    onComplete: () => {},
    bodyLimit: () => limit,
  });
  let handled = false;
  async function send(
    totalBytes: number,
    read: (request: Request) => Promise<unknown>,
    headers: Record<string, string> = {},
  ) {
    const body = streamedBody(totalBytes);
    const request = new Request('http://hub.test/api/trpc/nhi.create', {
      method: 'POST',
      body: body.stream,
      duplex: 'half',
      headers: { 'content-type': 'application/json', ...headers },
    } as RequestInit);
    const handler: FetchHandler = async (inner) => {
      handled = true;
      const value = await read(inner);
      return Response.json({ received: value });
    };
    const response = await envelope(request, handler);
    return { response, pulled: body.pulled(), handled };
  }
  return { send };
}

const readers: [string, (request: Request) => Promise<unknown>][] = [
  ['text()', async (request) => (await request.text()).length],
  ['json()', (request) => request.json()],
  ['arrayBuffer()', async (request) => (await request.arrayBuffer()).byteLength],
  [
    'the body stream',
    async (request) => {
      let total = 0;
      for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>)
        total += chunk.byteLength;
      return total;
    },
  ],
];

describe('request body limit', () => {
  it('refuses a declared Content-Length over the limit with 413 before reading a byte', async () => {
    const { send } = setup();

    const { response, pulled, handled } = await send(10 * limit, (request) => request.text(), {
      'content-length': String(10 * limit),
    });

    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ error: 'Request body too large', limitBytes: limit });
    expect(handled).toBe(false);
    expect(pulled).toBe(0);
  });

  for (const [name, read] of readers) {
    it(`cuts a streamed body at the limit with 413, read through ${name}`, async () => {
      const { send } = setup();

      const { response, pulled } = await send(40 * limit, read);

      expect(response.status).toBe(413);
      expect(response.headers.get('cache-control')).toBe('no-store');
      // At most one chunk beyond the limit is pulled from the client, not the 40 times it sends.
      expect(pulled).toBeGreaterThan(limit);
      expect(pulled).toBeLessThanOrEqual(limit + chunkBytes);
    });
  }

  it('turns whatever the handler made of a cut body into 413, even an error it threw', async () => {
    const { send } = setup();

    const { response } = await send(2 * limit, async (request) => {
      try {
        await request.text();
      } catch {
        throw new Error('could not parse the body');
      }
    });

    expect(response.status).toBe(413);
  });

  it('passes a body within the limit through whole', async () => {
    const { send } = setup();

    const { response, pulled } = await send(limit, async (request) => (await request.text()).length);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: limit });
    expect(pulled).toBe(limit);
  });

  it('keeps what the server adapter put on the request, and reads a form through the limit', async () => {
    const envelope = createHttpEnvelope({
      trustProxy: false,
      routeLabel: createRouteLabeler([]),
      onComplete: () => {},
      bodyLimit: () => limit,
    });
    const form = new FormData();
    form.set('name', 'svc-deploy');
    const request = Object.assign(
      new Request('http://hub.test/_serverFn/x', { method: 'POST', body: form }),
      {
        ip: '203.0.113.7',
      },
    );

    const response = await envelope(request, async (inner) =>
      Response.json({
        ip: (inner as Request & { ip?: string }).ip,
        isRequest: inner instanceof Request && inner.constructor === Request,
        text: String(inner),
        method: inner.method,
        name: (await inner.formData()).get('name'),
      }),
    );

    expect(await response.json()).toEqual({
      ip: '203.0.113.7',
      method: 'POST',
      name: 'svc-deploy',
      isRequest: true,
      text: '[object Request]',
    });
  });
});

describe('body limits by route', () => {
  const limits = createBodyLimits({ uploadMaxBytes: 3 * 1024 * 1024 });
  const upload = uploadBodyMaxBytes(3 * 1024 * 1024);
  const startScanId = serverFnIdFor({ functionName: 'startScan_createServerFn_handler' });
  const importId = serverFnIdFor({ functionName: 'importNhis_createServerFn_handler' });

  it.each([
    ['a scan upload over tRPC', '/api/trpc/scanner.scan.start', upload],
    ['an inventory import over tRPC', '/api/trpc/nhi.import', upload],
    ['a batch with an import in it', '/api/trpc/nhi.list,nhi.import', upload],
    ['the scan upload serverFn', `/_serverFn/${startScanId}`, upload],
    ['the import serverFn', `/_serverFn/${importId}`, upload],
    ['any other tRPC call', '/api/trpc/nhi.create', jsonBodyMaxBytes],
    [
      'any other serverFn',
      '/_serverFn/3d4be1695e0918203b0cb64a28c31a00bb2c05d165bc956d6a9c7cf',
      jsonBodyMaxBytes,
    ],
    ['a page', '/inventory', jsonBodyMaxBytes],
    ['a malformed path', '/api/trpc/%E0%A4%A', jsonBodyMaxBytes],
  ])('gives %s its limit', (_name, path, expected) => {
    expect(limits(path)).toBe(expected);
  });

  it('leaves room for the largest upload once base64-encoded', () => {
    expect(upload).toBeGreaterThan((3 * 1024 * 1024 * 4) / 3);
    expect(serverFnIdFor({ functionName: 'createNhi_createServerFn_handler' })).toBeUndefined();
  });
});
