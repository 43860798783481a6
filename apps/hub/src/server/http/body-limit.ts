import { trpcEndpoint } from '../trpc-handler.ts';
import { serverFnBase } from './server-fn-base.ts';
import { serverFnNameOf, uploadProcedures, uploadServerFns } from './upload-calls.ts';

/** What a JSON call (tRPC, serverFn) may send: far above any form, far below what hurts memory. */
export const jsonBodyMaxBytes = 2 * 1024 * 1024;

/**
 * Room for what travels around an uploaded file: the JSON or serverFn framing, the file name,
 * the other fields, and escaped characters in an imported text.
 */
const uploadFramingBytes = 1024 * 1024;

function isUploadCall(pathname: string): boolean {
  if (pathname.startsWith(serverFnBase)) {
    const name = serverFnNameOf(pathname.slice(serverFnBase.length));
    return name !== undefined && uploadServerFns.has(name);
  }
  if (pathname.startsWith(`${trpcEndpoint}/`)) {
    // A batch names its procedures comma-separated; one upload among them makes it an upload.
    const procedures = safelyDecoded(pathname.slice(trpcEndpoint.length + 1)).split(',');
    return procedures.some((procedure) => uploadProcedures.has(procedure));
  }
  return false;
}

function safelyDecoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The body that carries a file of `uploadMaxBytes`, base64-encoded, with its framing. */
export function uploadBodyMaxBytes(uploadMaxBytes: number): number {
  return Math.ceil(uploadMaxBytes / 3) * 4 + uploadFramingBytes;
}

export type BodyLimiter = (pathname: string) => number;

/** The largest body each route accepts: the upload calls get room for their file, every other call jsonBodyMaxBytes. */
export function createBodyLimits(options: { uploadMaxBytes: number }): BodyLimiter {
  const upload = uploadBodyMaxBytes(options.uploadMaxBytes);
  return (pathname) => (isUploadCall(pathname) ? upload : jsonBodyMaxBytes);
}

export interface LimitedRequest {
  request: Request;
  /** True once more than the limit was sent: whatever the handler answered, the answer is 413. */
  exceeded(): boolean;
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

const bodyReaders = ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'] as const;

/**
 * The request as handlers see it, with every way of reading its body going through one
 * counting stream that fails as soon as more than `limit` bytes arrived. The stream pulls
 * only when the reader asks, so no more than about the limit is ever read. The request
 * object itself is kept (a Proxy, not a copy): the server adapter hangs the client address
 * and the abort signal on it. The source is not cancelled on overflow, since cancelling
 * would reset the connection before the 413 reaches the client; the answer closes it instead.
 */
export function limitRequestBody(request: Request, limit: number): LimitedRequest {
  let exceeded = false;
  let limited: ReadableStream<Uint8Array> | null | undefined;
  let used = false;
  const body = () => {
    if (limited === undefined) {
      const source = request.body;
      limited = source
        ? countingStream(source, limit, () => {
            exceeded = true;
          })
        : null;
    }
    return limited;
  };
  const read = (reader: (typeof bodyReaders)[number]) => () => {
    if (used || limited?.locked) return Promise.reject(new TypeError('Body is unusable: already read'));
    used = true;
    const contentType = request.headers.get('content-type');
    const response = new Response(body(), contentType ? { headers: { 'content-type': contentType } } : {});
    return response[reader]();
  };
  const overrides: Record<string | symbol, () => unknown> = {
    body,
    bodyUsed: () => used || (limited?.locked ?? false),
    ...Object.fromEntries(bodyReaders.map((reader) => [reader, () => read(reader)])),
    clone: () => () => {
      throw new TypeError('A size-limited request cannot be cloned');
    },
  };
  const proxy = new Proxy(request, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property]?.();
      // Getters and methods run on the original: its private fields are not on the proxy.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' && property !== 'constructor' ? value.bind(target) : value;
    },
  });
  return { request: proxy, exceeded: () => exceeded };
}

function countingStream(
  source: ReadableStream<Uint8Array>,
  limit: number,
  onExceeded: () => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        total += value.byteLength;
        if (total > limit) {
          onExceeded();
          reader.releaseLock();
          controller.error(new BodyTooLargeError(limit));
          return;
        }
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Pull one chunk at a time, when the consumer asks: nothing is read ahead of need.
    { highWaterMark: 0 },
  );
}

/**
 * How long a refused sender may keep sending after the 413 went out. Closing
 * a socket with unread bytes in it sends a reset, and a reset that arrives before the client read
 * the answer throws the answer away: the client sees EPIPE or ECONNRESET instead of 413. So the
 * server closes its side, discards what still arrives for a moment (nginx's lingering close),
 * and only then drops the connection.
 */
const lingerMs = 2_000;

interface NodeSocketLike {
  destroySoon?: () => void;
  end(): void;
  destroy(): void;
  destroyed: boolean;
  once(event: 'end', listener: () => void): void;
}

/** Node's socket under a request served by the Node adapter; undefined on other runtimes. */
function nodeSocketOf(request: Request): NodeSocketLike | undefined {
  const runtime = (request as { runtime?: { node?: { req?: { socket?: NodeSocketLike } } } }).runtime;
  return runtime?.node?.req?.socket;
}

/**
 * Makes the connection under `request` close gently once its answer is sent: the server's side
 * ends, what the client still sends is read and discarded (Node's server discards an unread
 * body once the answer finished), and the socket goes once the client closes or after lingerMs.
 */
function lingerBeforeClosing(request: Request): void {
  const socket = nodeSocketOf(request);
  if (!socket || typeof socket.destroySoon !== 'function') return;
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    const drop = () => {
      clearTimeout(timer);
      if (!socket.destroyed) socket.destroy();
    };
    const timer = setTimeout(drop, lingerMs);
    timer.unref?.();
    socket.once('end', drop);
    socket.end();
  };
}

/** The answer to a body over the limit; the connection is closed rather than the rest read. */
export function tooLargeResponse(limit: number, request?: Request): Response {
  if (request) lingerBeforeClosing(request);
  return Response.json(
    { error: 'Request body too large', limitBytes: limit },
    { status: 413, headers: { connection: 'close' } },
  );
}
