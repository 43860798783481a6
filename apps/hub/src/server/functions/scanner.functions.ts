import {
  createSourceInput,
  idInput,
  listLeaksInput,
  listScansInput,
  startScanInput,
  updateSourceInput,
} from '@nhi/scanner/schema';
import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import {
  cancelScanFor,
  createSourceFor,
  deleteSourceFor,
  getScanFor,
  listLeaksFor,
  listScansFor,
  sourcesPageOf,
  startScanFor,
  updateSourceFor,
} from './scanner.server.ts';

export const loadSourcesPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('source:read')])
  .handler(({ context }) => sourcesPageOf(context.scope));

/** Credentials in `secrets` are encrypted before they are stored and never come back. */
export const createSource = createServerFn({ method: 'POST' })
  .middleware([authGuard('source:manage')])
  .validator(inputValidator(createSourceInput))
  .handler(({ data, context }) => createSourceFor(context.scope, data));

/** Credentials given replace the stored ones; absent, the stored ones are kept (they are never sent back). */
export const updateSource = createServerFn({ method: 'POST' })
  .middleware([authGuard('source:manage')])
  .validator(inputValidator(updateSourceInput))
  .handler(({ data, context }) => updateSourceFor(context.scope, data));

export const deleteSource = createServerFn({ method: 'POST' })
  .middleware([authGuard('source:manage')])
  .validator(inputValidator(idInput))
  .handler(({ data, context }) => deleteSourceFor(context.scope, data.id));

/** The uploaded file travels base64-encoded; its size is checked against NHI_SCAN_UPLOAD_MAX_BYTES. */
export const startScan = createServerFn({ method: 'POST' })
  .middleware([authGuard('scan:run')])
  .validator(inputValidator(startScanInput))
  .handler(({ data, context }) => startScanFor(context.scope, data));

export const listScans = createServerFn({ method: 'GET' })
  .middleware([authGuard('source:read')])
  .validator(inputValidator(listScansInput))
  .handler(({ data, context }) => listScansFor(context.scope, data));

export const getScan = createServerFn({ method: 'GET' })
  .middleware([authGuard('source:read')])
  .validator(inputValidator(idInput))
  .handler(({ data, context }) => getScanFor(context.scope, data.id));

export const cancelScan = createServerFn({ method: 'POST' })
  .middleware([authGuard('scan:run')])
  .validator(inputValidator(idInput))
  .handler(({ data, context }) => cancelScanFor(context.scope, data.id));

export const listLeaks = createServerFn({ method: 'GET' })
  .middleware([authGuard('leak:read')])
  .validator(inputValidator(listLeaksInput))
  .handler(({ data, context }) => listLeaksFor(context.scope, data));
