import { LoadFailed } from '../load-failed.tsx';

export function PolicyError({ error }: { error: unknown }) {
  return <LoadFailed what="This page" error={error} testId="policy-failed" />;
}
