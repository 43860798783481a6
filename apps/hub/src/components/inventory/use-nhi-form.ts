import { useState } from 'react';
import type { FieldErrors, NhiFormField, NhiFormValues } from './nhi-form-values.ts';

/**
 * Values plus inline validation: a field shows its problem once it was left or the form was
 * submitted, never while the user is still typing it for the first time.
 */
export function useNhiForm(initial: NhiFormValues, validate: (values: NhiFormValues) => FieldErrors) {
  const [values, setValues] = useState(initial);
  const [touched, setTouched] = useState<Partial<Record<NhiFormField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});

  const problems = validate(values);
  const visible: FieldErrors = {};
  for (const field of Object.keys(problems) as NhiFormField[]) {
    if (submitted || touched[field]) visible[field] = problems[field];
  }
  for (const field of Object.keys(serverErrors) as NhiFormField[]) {
    visible[field] ??= serverErrors[field];
  }

  return {
    values,
    errors: visible,
    hasProblems: Object.keys(problems).length > 0,
    onChange(field: NhiFormField, value: string) {
      setValues((current) => ({ ...current, [field]: value }));
      setServerErrors((current) => ({ ...current, [field]: undefined }));
    },
    onBlur(field: NhiFormField) {
      setTouched((current) => ({ ...current, [field]: true }));
    },
    markSubmitted() {
      setSubmitted(true);
    },
    setServerErrors,
    reset(next: NhiFormValues) {
      setValues(next);
      setTouched({});
      setSubmitted(false);
      setServerErrors({});
    },
  };
}
