import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'pnpm-workspace.yaml'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('pnpm-workspace.yaml not found above the scanner package');
    dir = parent;
  }
  return dir;
}

/** Third-party samples kept beside the repository (../shared/fixtures), never inside it. */
export const sharedFixturesDir = path.resolve(repositoryRoot(), '../shared/fixtures');

export const sharedFixturesPresent = fs.existsSync(sharedFixturesDir);

export const sharedFixturesMissing = `shared fixtures not found at ${sharedFixturesDir}`;

export function sharedFixture(relative: string): string {
  return fs.readFileSync(path.join(sharedFixturesDir, relative), 'utf8');
}

export function sharedFixturePath(relative: string): string {
  return path.join(sharedFixturesDir, relative);
}

/**
 * What a `describe.skipIf(!sharedFixturesPresent)` block reads while it is collected: vitest runs
 * the block's body even when it skips its tests, so without the fixtures nothing is read.
 */
export function whenFixturesPresent<T>(read: () => T): T {
  return sharedFixturesPresent ? read() : (undefined as T);
}
