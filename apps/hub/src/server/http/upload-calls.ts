/**
 * The calls that carry a whole file: scans of an uploaded export, and inventory imports. They
 * alone may send a body the size of an upload. Kept free of imports: the build config reads it.
 */
export const uploadProcedures: ReadonlySet<string> = new Set(['scanner.scan.start', 'nhi.import']);
export const uploadServerFns: ReadonlySet<string> = new Set(['startScan', 'importNhis']);

/** Start names a serverFn's handler after the variable it is assigned to. */
const serverFnHandlerSuffix = '_createServerFn_handler';
const uploadServerFnIdPrefix = 'upload-';

function exportNameOf(functionName: string): string {
  return functionName.endsWith(serverFnHandlerSuffix)
    ? functionName.slice(0, -serverFnHandlerSuffix.length)
    : functionName;
}

/**
 * The id a production build gives a serverFn (Start's `serverFns.generateFunctionId`): the
 * upload serverFns get readable ids, so the HTTP envelope can tell them from the others; every
 * other serverFn keeps Start's default (undefined).
 */
export function serverFnIdFor({ functionName }: { functionName: string }): string | undefined {
  const name = exportNameOf(functionName);
  return uploadServerFns.has(name) ? `${uploadServerFnIdPrefix}${name}` : undefined;
}

/** The serverFn's name from its id: a built upload id, or (dev server only) its base64url JSON. */
export function serverFnNameOf(id: string): string | undefined {
  if (id.startsWith(uploadServerFnIdPrefix)) return id.slice(uploadServerFnIdPrefix.length);
  if (process.env.NODE_ENV === 'production') return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    const name = (decoded as { export?: unknown } | null)?.export;
    return typeof name === 'string' ? exportNameOf(name) : undefined;
  } catch {
    return undefined;
  }
}
