import { PLATFORM_DATABASE, type PlatformDatabase } from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { DashboardOverview } from '../api/dashboard-view.ts';

/**
 * The longest an overview is served again while the realm's change stamp stays put: it covers the
 * changes the stamp cannot see and the figures that move with the clock (credential ages). The page
 * shows the age of what it got ("updated N s ago" from the overview's asOf), so it never claims
 * fresher data than it has.
 */
export const overviewMaxAgeMs = 15_000;
const maxEntries = 500;

interface Entry {
  stamp: string;
  builtAt: number;
  overview: Promise<DashboardOverview>;
}

/** One map per database, shared by every request of the process (a realm's many viewers). */
const entriesByDatabase = new WeakMap<PlatformDatabase, Map<string, Entry>>();

/**
 * Overviews by realm and page filter, each kept with the change stamp read before it was built (so
 * an entry is never labelled newer than its data). Concurrent requests for the same realm, filter
 * and stamp share one build.
 */
@injectable()
export class DashboardOverviewCache {
  private readonly entries: Map<string, Entry>;

  constructor(@inject(PLATFORM_DATABASE) database: PlatformDatabase) {
    let entries = entriesByDatabase.get(database);
    if (!entries) {
      entries = new Map();
      entriesByDatabase.set(database, entries);
    }
    this.entries = entries;
  }

  /** The entry of the key if built at this stamp less than the max age ago, else a new build; `rebuild` always builds. */
  async get(
    key: string,
    stamp: string,
    now: number,
    build: () => Promise<DashboardOverview>,
    rebuild = false,
  ): Promise<DashboardOverview> {
    const entry = this.entries.get(key);
    const usable =
      entry && entry.stamp === stamp && now - entry.builtAt < overviewMaxAgeMs && now >= entry.builtAt;
    if (usable && !rebuild) return entry.overview;
    const fresh: Entry = { stamp, builtAt: now, overview: build() };
    this.entries.delete(key);
    this.entries.set(key, fresh);
    if (this.entries.size > maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    // A failed build is not kept: the next request tries again.
    fresh.overview.catch(() => {
      if (this.entries.get(key) === fresh) this.entries.delete(key);
    });
    return fresh.overview;
  }

  /** Forgets every overview: the next request of each realm builds anew. */
  clear(): void {
    this.entries.clear();
  }
}
