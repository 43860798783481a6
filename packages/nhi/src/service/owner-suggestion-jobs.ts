import { type DomainEventJobPayload, type PlatformRuntime, RealmDb } from '@nhi/platform';
import { refreshOwnerSuggestions } from './owner-suggestions.ts';

export const ownerSuggestionJobNames = {
  /** After a scan: the realm's suggestions from what its sources now say. */
  refresh: 'nhi.suggest-owners',
} as const;

/** Suggestions follow scans: a finished scan (whatever its outcome) runs the rules over its realm. */
export async function registerOwnerSuggestionJobs(runtime: PlatformRuntime): Promise<void> {
  const { jobs, events } = runtime;
  if (!jobs) return;
  await jobs.register<DomainEventJobPayload>(
    ownerSuggestionJobNames.refresh,
    async ({ payload }) => {
      const pass = await refreshOwnerSuggestions(new RealmDb(runtime.database, payload.realmId));
      if (pass.created + pass.removed > 0)
        runtime.logger.info({ realmId: payload.realmId, ...pass }, 'ownership suggestions refreshed');
    },
    // A pass is idempotent: a retry or a second scan's pass changes nothing twice.
    { retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 900 },
  );
  events?.subscribe('scan.finished', ownerSuggestionJobNames.refresh);
}
