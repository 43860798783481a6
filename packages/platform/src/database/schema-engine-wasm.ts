import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

type Glue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg') & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let loaded: Promise<typeof SchemaEngine> | undefined;

/**
 * Prisma's schema engine compiled to WebAssembly: migrations without the native binary, which
 * cannot be downloaded everywhere. The package's own entry imports the .wasm as an ES module,
 * which Node only allows behind a flag, so the module is instantiated here by hand.
 */
export function loadSchemaEngine(): Promise<typeof SchemaEngine> {
  loaded ??= (async () => {
    // Imported on demand: only development commands need the engine, not the server.
    const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Glue;
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = fs.readFileSync(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue.SchemaEngine;
  })();
  return loaded;
}
