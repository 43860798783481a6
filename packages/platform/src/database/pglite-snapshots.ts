import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions } from './pglite-extensions.ts';

/** Dumps of one PGlite version cannot always be loaded by another, so caches are keyed by it. */
export function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Reads a cached PGlite dump from the temp dir, or builds it with `build` and caches it. Writing
 * through a rename keeps concurrent processes from reading a half-written file.
 */
export async function cachedPgliteDump(key: string, build: () => Promise<Blob>): Promise<Blob> {
  const file = path.join(os.tmpdir(), `nhi-pglite-${pgliteVersion()}-${key}.tar`);
  if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)]);
  const bytes = new Uint8Array(await (await build()).arrayBuffer());
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, bytes);
  fs.renameSync(partial, file);
  return new Blob([bytes]);
}

let empty: Promise<Blob> | undefined;

/** A freshly initialised, empty cluster: loading it skips initdb, which costs seconds. */
export function emptyPgliteSnapshot(): Promise<Blob> {
  empty ??= cachedPgliteDump('empty', async () => {
    const pglite = new PGlite({ extensions: pgliteExtensions });
    try {
      // dumpDataDir does not wait for start-up by itself and would hang.
      await pglite.waitReady;
      return await pglite.dumpDataDir('none');
    } finally {
      await pglite.close();
    }
  });
  return empty;
}
