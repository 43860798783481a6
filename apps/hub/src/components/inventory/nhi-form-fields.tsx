import type { OwnerGroup, RealmMember } from '@nhi/nhi';
import type { ReactNode } from 'react';
import { environmentLabel, kindLabel, providerLabel, statusLabel } from './labels.ts';
import type { FieldErrors, NhiFormField, NhiFormValues } from './nhi-form-values.ts';
import { nhiEnvironments, nhiKinds, nhiProviders, nhiStatuses } from './nhi-vocabulary.ts';

interface FieldProps {
  field: NhiFormField;
  label: string;
  errors: FieldErrors;
  hint?: string;
  grow?: boolean;
  children: (a11y: {
    id: string;
    name: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
    'data-testid': string;
  }) => ReactNode;
}

function Field({ field, label, errors, hint, grow, children }: FieldProps) {
  const id = `nhi-${field}`;
  const error = errors[field];
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className={grow ? 'field grow' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name: field,
        'aria-invalid': Boolean(error),
        'aria-describedby': describedBy || undefined,
        'data-testid': `field-${field}`,
      })}
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="field-error" data-testid={`error-${field}`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

/**
 * The fields of an identity. Kind, provider and external id identify it at its source, so they
 * are set once, at creation.
 */
export function NhiFormFields({
  values,
  errors,
  members,
  groups = [],
  identityEditable,
  onChange,
  onBlur,
}: {
  values: NhiFormValues;
  errors: FieldErrors;
  members: RealmMember[];
  /** Groups that may own the identity as a team. */
  groups?: OwnerGroup[];
  identityEditable: boolean;
  onChange: (field: NhiFormField, value: string) => void;
  onBlur: (field: NhiFormField) => void;
}) {
  const bind = (field: NhiFormField) => ({
    value: values[field],
    onChange: (event: { target: { value: string } }) => onChange(field, event.target.value),
    onBlur: () => onBlur(field),
  });
  return (
    <>
      {identityEditable ? (
        <div className="form-row">
          <Field field="kind" label="Kind" errors={errors}>
            {(a11y) => (
              <select {...a11y} {...bind('kind')}>
                {nhiKinds.map((kind) => (
                  <option key={kind} value={kind}>
                    {kindLabel[kind]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field field="provider" label="Provider" errors={errors}>
            {(a11y) => (
              <select {...a11y} {...bind('provider')}>
                {nhiProviders.map((provider) => (
                  <option key={provider} value={provider}>
                    {providerLabel[provider]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            field="externalId"
            label="External id"
            errors={errors}
            grow
            hint="How the provider names it: an ARN, a client id, namespace/name."
          >
            {(a11y) => (
              <input
                {...a11y}
                {...bind('externalId')}
                maxLength={512}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
        </div>
      ) : null}
      <div className="form-row">
        <Field field="name" label="Name" errors={errors} grow>
          {(a11y) => <input {...a11y} {...bind('name')} maxLength={256} autoComplete="off" />}
        </Field>
        <Field field="ownerUserId" label="Owner" errors={errors}>
          {(a11y) => (
            <select {...a11y} {...bind('ownerUserId')}>
              <option value="">Unowned</option>
              {members.map((member) => (
                <option key={member.id} value={member.id}>
                  {member.email}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field field="ownerGroupId" label="Owner group" errors={errors}>
          {(a11y) => (
            <select {...a11y} {...bind('ownerGroupId')}>
              <option value="">No group</option>
              {groups.map((group) => (
                <option key={group.id} value={group.id}>
                  {group.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="form-row">
        <Field field="environment" label="Environment" errors={errors}>
          {(a11y) => (
            <select {...a11y} {...bind('environment')}>
              {nhiEnvironments.map((environment) => (
                <option key={environment} value={environment}>
                  {environmentLabel[environment]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field field="status" label="Status" errors={errors}>
          {(a11y) => (
            <select {...a11y} {...bind('status')}>
              {nhiStatuses.map((status) => (
                <option key={status} value={status}>
                  {statusLabel[status]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          field="tags"
          label="Tags"
          errors={errors}
          grow
          hint="Separated by commas or spaces, e.g. team:payments pci"
        >
          {(a11y) => <input {...a11y} {...bind('tags')} autoComplete="off" spellCheck={false} />}
        </Field>
      </div>
      <Field field="description" label="Description" errors={errors}>
        {(a11y) => <textarea {...a11y} {...bind('description')} rows={3} maxLength={4000} />}
      </Field>
    </>
  );
}
