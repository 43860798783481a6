import fs from 'node:fs';
import path from 'node:path';
import { toJSONAsync } from 'seroval';
import { hubDir } from './hub-process.ts';

export interface BuiltServerFn {
  /** What the client calls: /_serverFn/<id>. */
  id: string;
  /** The exported name in the app's *.functions.ts. */
  name: string;
}

/**
 * Every serverFn of the built hub, from the manifest Start compiles into the server bundle: each
 * entry maps the id the client calls to the handler `<name>_createServerFn_handler`. Read from the
 * build, so a serverFn added tomorrow is fuzzed without a list to maintain.
 */
export function builtServerFns(): BuiltServerFn[] {
  const dir = path.join(hubDir, '.output/server/_ssr');
  const entry = /"([^"]+)":\s*\{\s*functionName:\s*"(\w+?)_createServerFn_handler"/g;
  for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.mjs'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    if (!text.includes('function getServerFnById')) continue;
    const found = [...text.matchAll(entry)].map(([, id = '', name = '']) => ({ id, name }));
    if (found.length > 0) return found.sort((a, b) => a.name.localeCompare(b.name));
  }
  throw new Error('no serverFn manifest in the built server: build the hub first');
}

/** The body (POST) or `payload` parameter (GET) Start's client sends for `data`. */
export async function serverFnPayload(data: unknown): Promise<string> {
  return JSON.stringify(await toJSONAsync({ data }));
}
