import { container } from 'tsyringe';
import { expect, it } from 'vitest';
import { type RequestContext, systemClock } from '../context/request-context.ts';
import { REQUEST_CONTEXT } from '../di/tokens.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { realmDbProvider } from './realm-db-provider.ts';
import { PLATFORM_DATABASE, REALM_DB } from './tokens.ts';

describeEachDatabase('realmDbProvider', (_kind, newDatabase) => {
  async function setup() {
    const db = await newDatabase();
    const root = container.createChildContainer();
    root.register(PLATFORM_DATABASE, { useValue: db });
    const requestFor = async (slug: string) => {
      const realm = await db.systemPrisma.realm.create({
        data: { slug, name: slug },
        select: { id: true, slug: true },
      });
      const context: RequestContext = {
        requestId: `request-${slug}`,
        realm,
        principal: { kind: 'system', name: 'test' },
        clock: systemClock,
      };
      const request = root.createChildContainer();
      request.register(REQUEST_CONTEXT, { useValue: context });
      request.register(REALM_DB, realmDbProvider);
      return { realm, request };
    };
    return { requestFor };
  }

  it('gives each request the RealmDb of its own realm, one per request', async () => {
    const { requestFor } = await setup();
    const alpha = await requestFor('alpha');
    const beta = await requestFor('beta');

    const alphaDb = alpha.request.resolve(REALM_DB);

    expect(alphaDb.realmId).toBe(alpha.realm.id);
    expect(alpha.request.resolve(REALM_DB)).toBe(alphaDb);
    expect(beta.request.resolve(REALM_DB).realmId).toBe(beta.realm.id);
    expect(await alphaDb.transaction((tx) => tx.realm.findFirst({ select: { slug: true } }))).toEqual({
      slug: 'alpha',
    });
  });
});
