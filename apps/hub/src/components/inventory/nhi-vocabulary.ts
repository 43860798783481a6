import type { ListNhiInput } from '@nhi/nhi/schema';

// The values come from the zod-free vocabulary module: importing the schema module here would load
// zod on every page (the list's URL parsing runs in the main bundle).
export {
  credentialKinds,
  nhiEnvironments,
  nhiKinds,
  nhiProviders,
  nhiRiskLevels,
  nhiStatuses,
  sortableColumns,
} from '@nhi/nhi/vocabulary';

export type SortKey = NonNullable<ListNhiInput['sort']>;
