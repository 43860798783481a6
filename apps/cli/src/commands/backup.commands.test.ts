import path from 'node:path';
import { createLogger, loadConfig, openDatabase, startBackupEndpoint } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { type CliHarness, cliHarness } from '../testing/cli-harness.ts';

/** The realm slugs an installation holds, read from its database. */
async function realmSlugs(harness: CliHarness): Promise<string[]> {
  const config = loadConfig(harness.env);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  try {
    const realms = await database.systemPrisma.realm.findMany({
      select: { slug: true },
      orderBy: { slug: 'asc' },
    });
    return realms.map((realm) => realm.slug);
  } finally {
    await database.close();
  }
}

describeEachDatabase('nhi backup and nhi restore', (kind, newDatabase) => {
  it('moves an installation into another with one command each, replacing a used one only with --force', async () => {
    const source = await cliHarness(kind, newDatabase);
    expect((await source.run('realm', 'create', '--slug', 'acme')).code).toBe(0);
    const file = path.join(source.dataDir, 'nightly.jsonl.gz');

    const backup = await source.run('backup', '--to', file);
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toMatch(
      /^Wrote .*nightly\.jsonl\.gz \(\d+ bytes\) from (the embedded database|PostgreSQL): \d+ tables/,
    );
    expect(await source.run('backup', '--to', file)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('exists already'),
    });

    // Another installation in use (an embedded one is, from its first start): refused, then replaced.
    const target = await cliHarness(kind, newDatabase);
    if (kind === 'postgres') expect((await target.run('realm', 'create', '--slug', 'other')).code).toBe(0);
    expect(await target.run('restore', '--from', file)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/not empty .*--force/),
    });
    const forced = await target.run('restore', '--from', file, '--force');
    expect(forced).toMatchObject({ code: 0, stderr: '' });
    expect(forced.stdout).toMatch(/^Restored .*: \d+ rows in \d+ tables, taken at /);
    expect(await realmSlugs(target)).toEqual(['acme', 'hub']);
    if (kind === 'pglite') return;

    // A new database nobody migrated yet (a new embedded data directory is the same case: initdb
    // and every migration, a minute on a busy machine) is migrated to the backup's state first.
    target.env.DATABASE_URL = (await newDatabase({ migrated: false })).url;
    const fresh = await target.run('restore', '--from', file);
    expect(fresh).toMatchObject({ code: 0, stderr: '' });
    expect(fresh.stdout).toMatch(/^Migrated the new database \(\d+ migrations\)\.\nRestored /);
    expect(await realmSlugs(target)).toEqual(['acme', 'hub']);
  }, 240_000);

  if (kind === 'pglite')
    it('asks the running hub for the backup while the hub holds the data directory, and restores only once it is stopped', async () => {
      const installation = await cliHarness(kind, newDatabase);
      const config = loadConfig(installation.env);
      // The hub as far as the CLI can tell: it holds the data directory and offers its endpoint.
      const hub = await openDatabase({ dataDir: config.dataDir });
      const endpoint = await startBackupEndpoint({
        dataDir: config.dataDir,
        database: hub,
        logger: createLogger({ level: 'silent' }),
      });
      const file = path.join(installation.dataDir, 'live.jsonl.gz');
      try {
        const backup = await installation.run('backup', '--to', file);
        expect(backup).toMatchObject({ code: 0, stderr: '' });
        expect(backup.stdout).toMatch(/from the running hub: \d+ tables/);
        expect(await installation.run('restore', '--from', file, '--force')).toMatchObject({
          code: 1,
          stderr: expect.stringContaining('stop it before restoring'),
        });
      } finally {
        await endpoint.close();
        await hub.close();
      }
      expect((await installation.run('restore', '--from', file, '--force')).code).toBe(0);
    }, 240_000);
});
