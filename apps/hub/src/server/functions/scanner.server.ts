import type { RequestScope } from '@nhi/platform';
import { type LeakView, ScannerService, type ScanView, type SourceView } from '@nhi/scanner';
import type { CreateSourceInput, StartScanInput, UpdateSourceInput } from '@nhi/scanner/schema';

/** What the caller may do on the scanner pages: they hide what would only be refused. */
export interface ScannerAbilities {
  manageSources: boolean;
  runScans: boolean;
  readLeaks: boolean;
}

export type SourcesPage = { sources: SourceView[]; abilities: ScannerAbilities };

const scanner = (scope: RequestScope) => scope.container.resolve(ScannerService);

export async function sourcesPageOf(scope: RequestScope): Promise<SourcesPage> {
  return {
    sources: await scanner(scope).listSources(),
    abilities: {
      manageSources: scope.permissions.has('source:manage'),
      runScans: scope.permissions.has('scan:run'),
      readLeaks: scope.permissions.has('leak:read'),
    },
  };
}

export const createSourceFor = (scope: RequestScope, input: CreateSourceInput): Promise<SourceView> =>
  scanner(scope).createSource(input);

export const updateSourceFor = (scope: RequestScope, input: UpdateSourceInput): Promise<SourceView> =>
  scanner(scope).updateSource(input);

export const deleteSourceFor = (scope: RequestScope, id: string): Promise<void> =>
  scanner(scope).deleteSource(id);

export const startScanFor = (scope: RequestScope, input: StartScanInput): Promise<ScanView> =>
  scanner(scope).startScan(input);

export const listScansFor = (
  scope: RequestScope,
  input: { sourceId?: string; limit?: number },
): Promise<ScanView[]> => scanner(scope).listScans(input);

export const getScanFor = (scope: RequestScope, id: string): Promise<ScanView> => scanner(scope).getScan(id);

export const cancelScanFor = (scope: RequestScope, id: string): Promise<ScanView> =>
  scanner(scope).cancelScan(id);

export const listLeaksFor = (
  scope: RequestScope,
  input: { sourceId?: string; state?: 'open' | 'resolved' | 'all'; limit?: number },
): Promise<LeakView[]> => scanner(scope).listLeaks(input);
