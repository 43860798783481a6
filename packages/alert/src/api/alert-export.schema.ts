import { z } from 'zod';
import { alertSeverity, alertState } from './alert.schema.ts';

export const alertExportFormats = ['ocsf', 'csv'] as const;
export type AlertExportFormat = (typeof alertExportFormats)[number];

/** What an alert export writes: the format, and the list's filters (none: every alert the caller sees). */
export const alertExportInput = z.object({
  format: z.enum(alertExportFormats),
  states: z.array(alertState).max(4).optional(),
  severities: z.array(alertSeverity).max(4).optional(),
  ruleIds: z.array(z.string().min(1).max(100)).max(100).optional(),
});
export type AlertExportInput = z.input<typeof alertExportInput>;

/** How each format travels: its media type and the file name's extension. */
export const alertExportMedia: Record<AlertExportFormat, { contentType: string; extension: string }> = {
  ocsf: { contentType: 'application/x-ndjson', extension: 'ocsf.jsonl' },
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
};
