import { ValidationError } from '@nhi/platform';
import type { RemediationActionModule } from './remediation-action.ts';

const notConnected =
  'Needs a live cluster connection: the source imports exported files, so there is no API server to delete the Secret with';
const notBuilt = 'The hub does not call Kubernetes API servers yet: delete the Secret with kubectl';

/**
 * Deleting a legacy `kubernetes.io/service-account-token` Secret. Listed so the page says what it
 * needs: Kubernetes sources are file imports today.
 */
export const deleteTokenSecret: RemediationActionModule = {
  key: 'kubernetes.token_secret.delete',
  label: 'Delete legacy token Secret',
  sourceType: 'kubernetes',
  credentialStatus: 'revoked',
  rescanInput: 'k8s.manifests',
  offers: (subject, source) =>
    subject.nhi.provider !== 'kubernetes'
      ? []
      : subject.credentials
          .filter((credential) => credential.kind === 'token' && credential.status !== 'revoked')
          .map((credential) => ({
            action: 'kubernetes.token_secret.delete' as const,
            label: 'Delete legacy token Secret',
            credentialId: credential.id,
            targetLabel: credential.hint ?? 'token Secret',
            available: false,
            reason: typeof source.settings.apiServer === 'string' ? notBuilt : notConnected,
          })),
  plan: async () => {
    throw new ValidationError(notConnected);
  },
  run: async () => {
    throw new ValidationError(notConnected);
  },
};
