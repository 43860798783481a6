import type { NhiDetail } from '@nhi/nhi';
import { type CreateNhiInput, createNhiInput, type NhiChanges, nhiChanges } from './nhi-schema.ts';

/** The form's fields as the inputs hold them: text, with '' for "none". */
export interface NhiFormValues {
  kind: string;
  provider: string;
  externalId: string;
  name: string;
  description: string;
  /** '' is unowned. */
  ownerUserId: string;
  /** '' is no owner group. */
  ownerGroupId: string;
  environment: string;
  status: string;
  /** Separated by commas or spaces. */
  tags: string;
}

export type NhiFormField = keyof NhiFormValues;
export type FieldErrors = Partial<Record<NhiFormField, string>>;

export const emptyNhiForm: NhiFormValues = {
  kind: 'service_account',
  provider: 'aws',
  externalId: '',
  name: '',
  description: '',
  ownerUserId: '',
  ownerGroupId: '',
  environment: 'production',
  status: 'active',
  tags: '',
};

export function formValuesOf(nhi: NhiDetail): NhiFormValues {
  return {
    kind: nhi.kind,
    provider: nhi.provider,
    externalId: nhi.externalId,
    name: nhi.name,
    description: nhi.description ?? '',
    ownerUserId: nhi.owner?.id ?? '',
    ownerGroupId: nhi.ownerGroup?.id ?? '',
    environment: nhi.environment,
    status: nhi.status,
    tags: nhi.tags.join(', '),
  };
}

function tagsOf(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

function errorsOf(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  tags: readonly string[] = [],
): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? '') as NhiFormField;
    const tag = issue.path[0] === 'tags' ? tags[Number(issue.path[1])] : undefined;
    errors[field] ??= tag === undefined ? issue.message : `“${tag}”: ${issue.message}`;
  }
  return errors;
}

/** Checked in the browser with the schema the server applies, so the same rules answer. */
export function validateCreate(
  values: NhiFormValues,
  idempotencyKey: string,
): { input: CreateNhiInput; errors: null } | { input: null; errors: FieldErrors } {
  const input = {
    kind: values.kind,
    provider: values.provider,
    externalId: values.externalId,
    name: values.name,
    description: values.description.trim() || null,
    ownerUserId: values.ownerUserId || null,
    ownerGroupId: values.ownerGroupId || null,
    environment: values.environment,
    status: values.status,
    tags: tagsOf(values.tags),
    idempotencyKey,
  };
  const parsed = createNhiInput.safeParse(input);
  return parsed.success
    ? { input: input as CreateNhiInput, errors: null }
    : { input: null, errors: errorsOf(parsed.error.issues, input.tags) };
}

/** Only what differs from the version being edited: an update names the fields it changes. */
export function validateChanges(
  values: NhiFormValues,
  base: NhiFormValues,
): { changes: NhiChanges; errors: null } | { changes: null; errors: FieldErrors } {
  const changes: Record<string, unknown> = {};
  if (values.name !== base.name) changes.name = values.name;
  if (values.description !== base.description) changes.description = values.description.trim() || null;
  if (values.ownerUserId !== base.ownerUserId) changes.ownerUserId = values.ownerUserId || null;
  if (values.ownerGroupId !== base.ownerGroupId) changes.ownerGroupId = values.ownerGroupId || null;
  if (values.environment !== base.environment) changes.environment = values.environment;
  if (values.status !== base.status) changes.status = values.status;
  const tags = tagsOf(values.tags);
  if (tags.join(',') !== tagsOf(base.tags).join(',')) changes.tags = tags;
  const parsed = nhiChanges.safeParse(changes);
  return parsed.success
    ? { changes: parsed.data, errors: null }
    : { changes: null, errors: errorsOf(parsed.error.issues, tags) };
}

/** Messages the server sent for invalid input, by field, when the browser's check let it through. */
export function serverFieldErrors(details: Record<string, unknown> | undefined): FieldErrors {
  const issues = details?.issues;
  if (!Array.isArray(issues)) return {};
  return errorsOf(
    issues
      .filter((issue): issue is { path: string[]; message: string } => Array.isArray(issue?.path))
      // Update inputs nest the fields under `changes`.
      .map((issue) => ({ ...issue, path: issue.path[0] === 'changes' ? issue.path.slice(1) : issue.path })),
  );
}
