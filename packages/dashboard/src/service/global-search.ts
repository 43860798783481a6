import { alertSearchHits } from '@nhi/alert';
import { type IdentitySearchHit, identitySearchHits } from '@nhi/nhi';
import {
  type Coverage,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RequestContext,
  type RequestPermissions,
} from '@nhi/platform';
import { sourceSearchHits } from '@nhi/scanner/search';
import { inject, injectable } from 'tsyringe';
import { type GlobalSearchInput, globalSearchInput } from '../api/global-search.schema.ts';
import { type SearchHit, type SearchResults, searchHitsPerKind } from '../api/global-search-view.ts';
import { pagesMatching } from './global-search-pages.ts';

const none: Promise<SearchHit[]> = Promise.resolve([]);

const sameCoverage = (a: Coverage, b: Coverage) =>
  a.kind === b.kind &&
  (a.kind !== 'groups' || b.kind !== 'groups' || a.groupIds.join() === b.groupIds.join());

function identityHit(row: IdentitySearchHit): SearchHit {
  return {
    kind: 'identity',
    id: row.id,
    label: row.name,
    detail: `${row.externalId} · ${row.provider} · ${row.environment}`,
  };
}

/**
 * The quick search of the request's realm: pages, identities, alerts and sources matching a few
 * typed characters, a handful of each. A kind the caller may not read is not searched at all;
 * identities are searched over the caller's `nhi:read` coverage, alerts over `alert:read`.
 */
@injectable()
export class GlobalSearch {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  async search(input: GlobalSearchInput): Promise<SearchResults> {
    const { q } = parseInput(globalSearchInput, input, 'search');
    const may = (permission: string) => this.permissions.has(permission);
    // Each read in its own read-only realm transaction: sources side by side with the rest.
    const sources = may('source:read') ? this.sources(q) : none;
    const identityCoverage = this.permissions.coverage('nhi:read');
    const alertCoverage = this.permissions.coverage('alert:read');
    const found = may('nhi:read') ? await this.identities(q, identityCoverage) : [];
    // The identities found by name also find their alerts: their names are searched once, unless
    // the two permissions reach different identities.
    const aboutAlerts =
      !may('alert:read') || (may('nhi:read') && sameCoverage(identityCoverage, alertCoverage))
        ? found
        : await this.identities(q, alertCoverage);
    const alerts = may('alert:read')
      ? await this.alerts(
          q,
          aboutAlerts.map((identity) => identity.id),
          alertCoverage,
        )
      : [];
    const identities = found.map(identityHit);
    return { q, hits: [...this.pages(q), ...identities, ...alerts, ...(await sources)] };
  }

  private pages(q: string): SearchHit[] {
    return pagesMatching(q, this.permissions)
      .slice(0, searchHitsPerKind)
      .map((page) => ({ kind: 'page', id: page.path, label: page.label, detail: page.detail }));
  }

  private identities(q: string, coverage: Coverage): Promise<IdentitySearchHit[]> {
    return this.realmDb.read((query) =>
      identitySearchHits(query, this.context.realm.id, q, searchHitsPerKind, coverage),
    );
  }

  private async alerts(q: string, nhiIds: string[], coverage: Coverage): Promise<SearchHit[]> {
    const rows = await this.realmDb.read((query) =>
      alertSearchHits(query, this.context.realm.id, q, nhiIds, searchHitsPerKind, coverage),
    );
    return rows.map((row) => ({
      kind: 'alert',
      id: row.id,
      label: row.title,
      detail: `${row.severity} · ${row.state} · ${row.about}`,
    }));
  }

  private async sources(q: string): Promise<SearchHit[]> {
    const rows = await this.realmDb.read((query) =>
      sourceSearchHits(query, this.context.realm.id, q, searchHitsPerKind),
    );
    return rows.map((row) => ({
      kind: 'source',
      id: row.id,
      label: row.name,
      detail: `${row.type} · ${row.environment}`,
    }));
  }
}
