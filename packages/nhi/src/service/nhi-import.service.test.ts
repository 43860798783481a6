import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupInventory } from '../testing/nhi-inventory-test-setup.ts';
import { sliceRows } from './nhi-import.service.ts';

const header =
  'kind,provider,externalId,name,description,owner,environment,status,tags,permissions,credentials';

describeEachDatabase('Inventory import', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase, 30);
    const [withCredentials] = t.seeded;
    if (!withCredentials) throw new Error('seed too small');
    const prisma = t.db.systemPrisma;
    await prisma.nhi.update({
      where: { id: withCredentials.id },
      data: {
        name: '+cmd|calc',
        description: 'Multi-line,\n"quoted"',
        permissions: [{ action: 'repo', effect: 'allow', via: 'oauth scope' }],
        metadata: { nested: { list: [1, 2] }, flag: true },
      },
    });
    await prisma.credential.createMany({
      data: [
        {
          realmId: t.realm.id,
          nhiId: withCredentials.id,
          kind: 'access_key',
          fingerprint: 'b'.repeat(64),
          hint: 'AKIAEXAMPLE',
          providerCreatedAt: t.at(-300),
          expiresAt: t.at(10),
        },
        { realmId: t.realm.id, nhiId: withCredentials.id, kind: 'password', status: 'inactive' },
        { realmId: t.realm.id, nhiId: withCredentials.id, kind: 'password', status: 'inactive' },
      ],
    });
    /** Everything an import could change, to prove that it did not. */
    const state = async () => ({
      nhis: await prisma.nhi.findMany({ orderBy: { id: 'asc' } }),
      credentials: await prisma.credential.findMany({ orderBy: { id: 'asc' } }),
      versions: await prisma.nhiVersion.count(),
      audit: await prisma.auditLog.count(),
    });
    return { ...t, prisma, withCredentials, state };
  }

  for (const format of ['csv', 'json'] as const) {
    it(`changes nothing when re-importing its own ${format} export`, async () => {
      const t = await setup();
      const exported = await t.query().exportRows({ format, includeDeleted: true });
      const before = await t.state();

      const result = await t.importer().import({ format, content: exported.body });

      expect(result).toEqual({
        imported: true,
        created: 0,
        updated: 0,
        unchanged: t.seeded.length,
        skipped: 0,
        errors: [],
      });
      expect(await t.state()).toEqual(before);
    });
  }

  it('creates and updates by provider and externalId, with a version and an audit row each', async () => {
    const t = await setup();
    const existing = t.seeded[2];
    const csv = [
      header,
      `${existing?.kind},${existing?.provider},${existing?.externalId},renamed,,ANA@example.com,production,disabled,ci;pii,,`,
      `bot,github,app/42,release bot,"Cuts releases",ana@example.com,,,,"[{""action"":""contents:write""}]","[{""kind"":""token"",""hint"":""…x9Zq"",""expiresAt"":""2026-03-20T00:00:00.000Z""}]"`,
    ].join('\n');

    const result = await t.importer().import({ format: 'csv', content: csv });

    expect(result).toEqual({ imported: true, created: 1, updated: 1, unchanged: 0, skipped: 0, errors: [] });
    const updated = await t.prisma.nhi.findUniqueOrThrow({ where: { id: existing?.id } });
    expect(updated).toMatchObject({
      name: 'renamed',
      description: null,
      ownerUserId: t.ana.id,
      environment: 'production',
      status: 'disabled',
      tags: ['ci', 'pii'],
      permissions: [],
      version: 2,
      kind: existing?.kind,
    });
    const created = await t.prisma.nhi.findFirstOrThrow({
      where: { realmId: t.realm.id, provider: 'github', externalId: 'app/42' },
      include: { credentials: true },
    });
    expect(created).toMatchObject({
      kind: 'bot',
      name: 'release bot',
      description: 'Cuts releases',
      ownerUserId: t.ana.id,
      environment: 'unknown',
      status: 'active',
      tags: [],
      permissions: [{ action: 'contents:write', effect: 'allow' }],
      sourceType: 'import',
      version: 1,
      activeCredentialCount: 1,
      nextCredentialExpiresAt: new Date('2026-03-20T00:00:00.000Z'),
      oldestActiveCredentialAt: t.clock.now(),
    });
    expect(created.credentials).toMatchObject([{ kind: 'token', hint: '…x9Zq', fingerprint: null }]);
    const versions = await t.prisma.nhiVersion.findMany({ orderBy: { version: 'asc' } });
    expect(versions.map((v) => [v.nhiId, v.version, v.actorId])).toEqual([
      [created.id, 1, t.ana.id],
      [existing?.id, 2, t.ana.id],
    ]);
    const audit = await t.prisma.auditLog.findMany({
      where: { action: { startsWith: 'nhi.' } },
      orderBy: { entityType: 'asc' },
    });
    expect(audit.map((row) => [row.action, row.entityType, row.realmId, row.requestId])).toEqual([
      ['nhi.credential.import', 'Credential', t.realm.id, 'req-inventory'],
      ['nhi.import', 'Nhi', t.realm.id, 'req-inventory'],
      ['nhi.import', 'Nhi', t.realm.id, 'req-inventory'],
    ]);
    expect(audit.find((row) => row.entityId === existing?.id)?.after).toMatchObject({
      name: 'renamed',
      ownerUserId: t.ana.id,
    });
  });

  it('adds new credentials and updates recognised ones, never removing any', async () => {
    const t = await setup();
    const nhi = t.withCredentials;
    const row = {
      kind: nhi.kind,
      provider: nhi.provider,
      externalId: nhi.externalId,
      name: '+cmd|calc',
      credentials: [
        { kind: 'access_key', fingerprint: 'b'.repeat(64), status: 'revoked' },
        { kind: 'api_key', fingerprint: 'c'.repeat(64), lastRotatedAt: t.at(-5).toISOString() },
      ],
    };

    const result = await t.importer().import({ format: 'json', content: JSON.stringify([row]) });

    expect(result).toMatchObject({ imported: true, updated: 1, created: 0 });
    const credentials = await t.prisma.credential.findMany({ where: { nhiId: nhi.id } });
    expect(credentials).toHaveLength(4);
    expect(credentials.find((c) => c.fingerprint === 'b'.repeat(64))).toMatchObject({
      status: 'revoked',
      hint: 'AKIAEXAMPLE',
    });
    expect(credentials.find((c) => c.fingerprint === 'c'.repeat(64))).toMatchObject({ status: 'active' });
    expect(await t.prisma.nhi.findUniqueOrThrow({ where: { id: nhi.id } })).toMatchObject({
      version: 1,
      activeCredentialCount: 1,
      oldestActiveCredentialAt: t.at(-5),
      nextCredentialExpiresAt: null,
    });
  });

  it('imports a file of several write slices whole: every identity with its version and audit row', async () => {
    const t = await setup();
    const count = sliceRows * 2 + 7;
    const rows = Array.from({ length: count }, (_, index) => ({
      kind: 'service_account',
      provider: 'gcp',
      externalId: `sliced/sa-${index}`,
      name: `sa ${index}`,
      credentials: [{ kind: 'api_key', hint: `…${index}` }],
    }));
    const versionsBefore = await t.prisma.nhiVersion.count();
    const auditBefore = await t.prisma.auditLog.count({ where: { action: 'nhi.import' } });

    const result = await t.importer().import({ format: 'json', content: JSON.stringify(rows) });

    expect(result).toEqual({
      imported: true,
      created: count,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      errors: [],
    });
    const sliced = { externalId: { startsWith: 'sliced/' } };
    expect(await t.prisma.nhi.count({ where: sliced })).toBe(count);
    expect(await t.prisma.credential.count({ where: { nhi: sliced } })).toBe(count);
    expect((await t.prisma.nhiVersion.count()) - versionsBefore).toBe(count);
    expect((await t.prisma.auditLog.count({ where: { action: 'nhi.import' } })) - auditBefore).toBe(count);
  });

  it('writes nothing when a bad row comes after several slices of good ones', async () => {
    const t = await setup();
    const before = await t.state();
    const good = Array.from({ length: sliceRows * 2 }, (_, index) => ({
      kind: 'service_account',
      provider: 'gcp',
      externalId: `sliced/sa-${index}`,
      name: `sa ${index}`,
    }));

    const result = await t.importer().import({
      format: 'json',
      content: JSON.stringify([
        ...good,
        {
          kind: 'service_account',
          provider: 'gcp',
          externalId: 'last',
          name: 'x',
          owner: 'nobody@example.com',
        },
      ]),
    });

    expect(result).toMatchObject({ imported: false, created: 0, errors: [{ line: good.length + 1 }] });
    expect(await t.state()).toEqual(before);
  });

  it('reports every bad row with its line and reason, and writes nothing', async () => {
    const t = await setup();
    const before = await t.state();
    const csv = [
      header, // 1
      'bot,github,ok/1,"a name that spans',
      'two lines",,,,,,,', // 2-3: valid
      'robot,github,bad/kind,name,,,,,,,', // 4
      'bot,github,bad/name,,,,,,,,', // 5
      'bot,github,bad/owner,name,,not-an-email,,,,,', // 6
      'bot,github,bad/member,name,,olga@example.com,,,,,', // 7
      'bot,github,ok/1,duplicate,,,,,,,', // 8
      'bot,github,bad/tag,name,,,,,has space,,', // 9
      'bot,github,bad/json,name,,,,,,[{,', // 10
      'bot,github,bad/env,name,,,prod,,,,', // 11
      'bot,github,too/few,name', // 12
      `${t.seeded[3]?.kind === 'bot' ? 'api_key' : 'bot'},${t.seeded[3]?.provider},${t.seeded[3]?.externalId},name,,,,,,,`, // 13
      'bot,github,bad/secret,name,,,,,,,"[{""kind"":""token"",""secret"":""hunter2""}]"', // 14
      'bot,github,ok/2,fine,,,,,,,', // 15
    ].join('\r\n');

    const result = await t.importer().import({ format: 'csv', content: csv });

    expect(result.imported).toBe(false);
    expect(result.errors.map((error) => error.line)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const reason = (line: number) => result.errors.find((error) => error.line === line)?.reason;
    expect(reason(4)).toMatch(/^kind: /);
    expect(reason(5)).toMatch(/^name: /);
    expect(reason(6)).toBe('owner: must be an email address');
    expect(reason(7)).toBe('owner: olga@example.com is not a member of this realm');
    expect(reason(8)).toBe('github ok/1 is already on line 2');
    expect(reason(9)).toMatch(/^tags\.0: Tags use letters/);
    expect(reason(10)).toBe('permissions: is not valid JSON');
    expect(reason(11)).toMatch(/^environment: /);
    expect(reason(12)).toBe('Has 4 cells; the header has 11');
    expect(reason(13)).toMatch(/kind does not change/);
    expect(reason(14)).toMatch(/^credentials\.0: Unrecognized key: "secret"/);
    expect(result).toMatchObject({ created: 0, updated: 0, skipped: 0 });
    expect(await t.state()).toEqual(before);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('imports only the good rows when asked to skip bad ones', async () => {
    const t = await setup();
    const csv = [
      header,
      'bot,github,ok/1,first,,,,,,,',
      'robot,github,bad/kind,name,,,,,,,',
      'bot,github,ok/2,second,,bob@example.com,,,,,',
      'bot,github,bad/member,name,,olga@example.com,,,,,',
    ].join('\n');

    const result = await t.importer().import({ format: 'csv', content: csv, skipInvalid: true });

    expect(result).toMatchObject({ imported: true, created: 2, updated: 0, skipped: 2 });
    expect(result.errors.map((error) => error.line)).toEqual([3, 5]);
    const names = await t.prisma.nhi.findMany({
      where: { realmId: t.realm.id, provider: 'github', externalId: { startsWith: 'ok/' } },
      select: { name: true },
      orderBy: { name: 'asc' },
    });
    expect(names).toEqual([{ name: 'first' }, { name: 'second' }]);
    expect(await t.prisma.nhi.count({ where: { externalId: { startsWith: 'bad/' } } })).toBe(0);
  });

  it('numbers JSON rows by their position and rejects fields it does not know', async () => {
    const t = await setup();
    const rows = [
      { kind: 'bot', provider: 'github', externalId: 'j/1', name: 'one' },
      { kind: 'bot', provider: 'github', externalId: 'j/2', name: 'two', colour: 'blue' },
      'not an object',
      {
        kind: 'bot',
        provider: 'github',
        externalId: 'j/4',
        name: 'four',
        tags: 'a;b',
        lastUsedAt: 'yesterday',
      },
    ];

    const result = await t.importer().import({ format: 'json', content: JSON.stringify(rows) });

    expect(result.errors).toEqual([
      { line: 2, reason: 'Unknown field(s): colour' },
      { line: 3, reason: 'Not an object' },
      { line: 4, reason: 'lastUsedAt: "yesterday" is not a date (use ISO 8601)' },
    ]);
    expect(result.imported).toBe(false);
  });

  it('refuses files it cannot read as a whole', async () => {
    const t = await setup();
    const importer = t.importer();

    expect(
      await importer.import({ format: 'csv', content: 'kind,provider,externalId,name,colour\n' }),
    ).toMatchObject({
      imported: false,
      errors: [{ line: 1, reason: expect.stringMatching(/^Unknown column\(s\): colour/) }],
    });
    expect(
      await importer.import({ format: 'csv', content: 'kind,provider,name\nbot,aws,x\n' }),
    ).toMatchObject({
      errors: [{ line: 1, reason: 'Missing column(s): externalId' }],
    });
    expect(
      await importer.import({ format: 'csv', content: 'kind,provider,externalId,name\nbot,aws,"x,y\n' }),
    ).toMatchObject({
      errors: [{ line: 2, reason: expect.stringMatching(/^Not readable as CSV/) }],
    });
    expect(await importer.import({ format: 'json', content: '{"kind":"bot"}' })).toMatchObject({
      errors: [{ line: 1, reason: 'Expected a JSON array of identities, as an export writes it' }],
    });
    expect(await importer.import({ format: 'json', content: '[{' })).toMatchObject({
      imported: false,
      errors: [{ line: 1, reason: expect.stringMatching(/^Not readable as JSON/) }],
    });
  });

  it('keeps to its realm: same provider ids elsewhere are other identities', async () => {
    const t = await setup();
    const theirs = await t.prisma.nhi.findMany({
      where: { realmId: t.otherRealm.id },
      orderBy: { id: 'asc' },
    });
    const [sample] = theirs;
    const content = JSON.stringify([
      { kind: 'bot', provider: sample?.provider, externalId: 'only-in-hub', name: 'mine' },
      {
        kind: sample?.kind,
        provider: sample?.provider,
        externalId: `${sample?.externalId}-x`,
        name: 'mine too',
      },
    ]);

    const result = await t.importer().import({ format: 'json', content });

    expect(result).toMatchObject({ imported: true, created: 2 });
    expect(
      await t.prisma.nhi.findMany({ where: { realmId: t.otherRealm.id }, orderBy: { id: 'asc' } }),
    ).toEqual(theirs);
    const rowsOfOther = t.seeded.slice(0, 12);
    const overlap = JSON.stringify(
      rowsOfOther.map((row) => ({
        kind: row.kind,
        provider: row.provider,
        externalId: row.externalId,
        name: 'x',
      })),
    );
    // The hub realm has these provider ids too (the other realm copied them): only the hub's change.
    const again = await t.importer(t.otherRealm).import({ format: 'json', content: overlap });
    expect(again).toMatchObject({ imported: true, created: 0, updated: 12 });
    const hubNames = await t.prisma.nhi.findMany({
      where: { realmId: t.realm.id, externalId: { in: rowsOfOther.map((row) => row.externalId) } },
      select: { name: true },
    });
    expect(hubNames.some((row) => row.name === 'x')).toBe(false);
  });

  it('will not bring back a deleted identity', async () => {
    const t = await setup();
    const deleted = t.seeded.find((row) => row.deletedAt);
    const content = JSON.stringify([
      { kind: deleted?.kind, provider: deleted?.provider, externalId: deleted?.externalId, name: 'back?' },
    ]);

    const result = await t.importer().import({ format: 'json', content });

    expect(result.errors).toEqual([
      {
        line: 1,
        reason: `${deleted?.provider} ${deleted?.externalId} was deleted: restore it before importing it`,
      },
    ]);
  });
});
