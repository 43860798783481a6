import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The realm's sources and what the caller may do with them. */
export const loadSourcesPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.source.page')])
  .handler(({ context }) => context.rpc.scanner.source.page.query());

/** Credentials in `secrets` are encrypted before they are stored and never come back. */
export const createSource = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.source.create')])
  .validator(inputOf('scanner.source.create'))
  .handler(({ data, context }) => context.rpc.scanner.source.create.mutate(data));

/** Credentials given replace the stored ones; absent, the stored ones are kept (they are never sent back). */
export const updateSource = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.source.update')])
  .validator(inputOf('scanner.source.update'))
  .handler(({ data, context }) => context.rpc.scanner.source.update.mutate(data));

export const deleteSource = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.source.delete')])
  .validator(inputOf('scanner.source.delete'))
  .handler(({ data, context }) => context.rpc.scanner.source.delete.mutate(data));

/** The uploaded file travels base64-encoded; its size is checked against NHI_SCAN_UPLOAD_MAX_BYTES. */
export const startScan = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.scan.start')])
  .validator(inputOf('scanner.scan.start'))
  .handler(({ data, context }) => context.rpc.scanner.scan.start.mutate(data));

export const listScans = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.scan.list')])
  .validator(inputOf('scanner.scan.list'))
  .handler(({ data, context }) => context.rpc.scanner.scan.list.query(data));

export const getScan = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.scan.get')])
  .validator(inputOf('scanner.scan.get'))
  .handler(({ data, context }) => context.rpc.scanner.scan.get.query(data));

export const cancelScan = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.scan.cancel')])
  .validator(inputOf('scanner.scan.cancel'))
  .handler(({ data, context }) => context.rpc.scanner.scan.cancel.mutate(data));

export const listLeaks = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.leak.list')])
  .validator(inputOf('scanner.leak.list'))
  .handler(({ data, context }) => context.rpc.scanner.leak.list.query(data));

/** What a scan added, changed and no longer found, and the alerts that opened or resolved after it. */
export const getScanDiff = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.scan.diff')])
  .validator(inputOf('scanner.scan.diff'))
  .handler(({ data, context }) => context.rpc.scanner.scan.diff.query(data));

/** The source's last provider events (webhooks) and the scans they queued. */
export const listSourceEvents = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.source.events')])
  .validator(inputOf('scanner.source.events'))
  .handler(({ data, context }) => context.rpc.scanner.source.events.query(data));

/** Tries a live source's credentials before it is saved; they are not stored. */
export const testSourceConnection = createServerFn({ method: 'POST' })
  .middleware([authGuard('scanner.source.testConnection')])
  .validator(inputOf('scanner.source.testConnection'))
  .handler(({ data, context }) => context.rpc.scanner.source.testConnection.mutate(data));

/** The realm's sources by id and name, for filters that name them. */
export const listSourceNames = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.source.list')])
  .handler(async ({ context }) =>
    (await context.rpc.scanner.source.list.query()).map(({ id, name }) => ({ id, name })),
  );

/** What an identity can reach and who or what uses it: loaded when its Access tab opens. */
export const getAccessGraph = createServerFn({ method: 'GET' })
  .middleware([authGuard('scanner.accessGraph')])
  .validator(inputOf('scanner.accessGraph'))
  .handler(({ data, context }) => context.rpc.scanner.accessGraph.query(data));
