import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubDir } from './support/hub-process.ts';

/** Every JavaScript file of the built server, with its text. */
async function serverChunks(): Promise<{ file: string; text: string }[]> {
  const root = path.join(hubDir, '.output/server');
  const files = (await fs.readdir(root, { recursive: true })).filter(
    (file) => /\.m?js$/.test(file) && !file.startsWith('node_modules'),
  );
  return Promise.all(
    files.map(async (file) => ({ file, text: await fs.readFile(path.join(root, file), 'utf8') })),
  );
}

describe('the built server', () => {
  // V8 keeps a loaded module's source in the heap, one byte per character while all of it is
  // Latin-1 and two for every character once one is not: one typographic apostrophe in a message
  // or in a SQL comment doubles what the chunk costs the idle hub.
  it('holds its code in Latin-1, so that each loaded chunk costs one byte per character', async () => {
    const chunks = await serverChunks();
    expect(chunks.length).toBeGreaterThan(10);

    const wide = chunks.flatMap(({ file, text }) => {
      const at = [...text].findIndex((char) => (char.codePointAt(0) as number) > 0xff);
      return at < 0 ? [] : [`${file}: …${[...text].slice(Math.max(0, at - 60), at + 10).join('')}`];
    });

    expect(wide).toEqual([]);
  });
});
