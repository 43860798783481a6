import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsPostgres, tlsPostgresUnavailableReason } from '../testing/tls-postgres.ts';
import { IN_MEMORY, openDatabase } from './open-database.ts';

const unavailable = tlsPostgresUnavailableReason();
if (unavailable && process.env.CI === 'true')
  throw new Error(`TLS to PostgreSQL cannot be tested: ${unavailable}`);

describe.skipIf(unavailable)('TLS to PostgreSQL (sslmode=verify-full)', () => {
  let cluster: Awaited<ReturnType<typeof startTlsPostgres>>;
  beforeAll(async () => {
    cluster = await startTlsPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());

  const url = (query: string) => `postgresql://postgres@127.0.0.1:${cluster.port}/postgres${query}`;
  const opened = async (databaseUrl: string) => {
    const database = await openDatabase({ databaseUrl, dataDir: IN_MEMORY });
    try {
      await database.ping();
      const [row] = await database.systemQuery<{ ssl: boolean }>(
        'tls-check',
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
        [],
      );
      return row?.ssl;
    } finally {
      await database.close();
    }
  };

  it('connects over TLS when the server certificate is signed by the CA in sslrootcert', async () => {
    expect(await opened(url(`?sslmode=verify-full&sslrootcert=${cluster.caFile}`))).toBe(true);
  });

  it('refuses a server whose certificate another CA signed, saying why', async () => {
    const refused = await opened(url(`?sslmode=verify-full&sslrootcert=${cluster.otherCaFile}`)).catch(
      (error: unknown) => error,
    );
    expect(String(refused)).toMatch(
      /^Error: PostgreSQL's TLS certificate was refused \(.+\): it must be signed by the CA in the DATABASE_URL parameter sslrootcert/,
    );
  });

  it('is refused by a server that takes TLS only when the URL asks for none', async () => {
    await expect(opened(url(''))).rejects.toThrow(/no encryption/);
  });
});
