import { AsyncLocalStorage } from 'node:async_hooks';
import type { TRPCCombinedDataTransformer } from '@trpc/server';
import superjson from 'superjson';

/**
 * How a client wants /api/trpc to encode: `superjson` keeps dates, maps, sets and bigints as
 * they are on the server; `json` (the default) is plain JSON, dates as ISO strings, so a
 * program with curl or any HTTP library reads the API without a library of ours.
 */
export type WireFormat = 'json' | 'superjson';

/** A client opts in to superjson with this header; its input is then read as superjson too. */
export const WIRE_FORMAT_HEADER = 'x-nhi-wire';

export function wireFormatOf(headers: Headers): WireFormat {
  return headers.get(WIRE_FORMAT_HEADER)?.trim().toLowerCase() === 'superjson' ? 'superjson' : 'json';
}

const requestFormat = new AsyncLocalStorage<WireFormat>();

/** Runs one HTTP request's handling with the wire format its client asked for. */
export function withWireFormat<T>(format: WireFormat, handle: () => T): T {
  return requestFormat.run(format, handle);
}

const superjsonRequested = () => requestFormat.getStore() === 'superjson';

/**
 * The wire format of the HTTP request being handled, or undefined in-process (the hub's caller),
 * where values pass untouched.
 */
export function currentWireFormat(): WireFormat | undefined {
  return requestFormat.getStore();
}

/**
 * The router's transformer. In-process calls (the hub's caller) pass values untouched; over
 * HTTP it encodes per request, as the client asked. The client side of it (serialize input,
 * deserialize output) is always superjson: our own clients opt in.
 */
export const wireTransformer: TRPCCombinedDataTransformer = {
  input: {
    serialize: (value) => superjson.serialize(value),
    deserialize: (value) => (superjsonRequested() ? superjson.deserialize(value) : value),
  },
  output: {
    serialize: (value) => (superjsonRequested() ? superjson.serialize(value) : value),
    deserialize: (value) => superjson.deserialize(value),
  },
};

/** What a client of ours sends with every call so that answers keep their types. */
export const superjsonClient = {
  transformer: superjson,
  headers: { [WIRE_FORMAT_HEADER]: 'superjson' },
} as const;
