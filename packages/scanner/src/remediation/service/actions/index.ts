import type { RemediationActionKey } from '../../api/remediation.schema.ts';
import { deactivateAccessKey, deleteAccessKey, deleteLoginProfile } from './aws-actions.ts';
import { deleteDeployKey, removeInstallationRepository } from './github-actions.ts';
import { deleteTokenSecret } from './kubernetes-actions.ts';
import type { RemediationActionModule } from './remediation-action.ts';

/** Every action the hub knows, in the order the identity page lists them. */
export const remediationActions: readonly RemediationActionModule[] = [
  deactivateAccessKey,
  deleteAccessKey,
  deleteLoginProfile,
  deleteDeployKey,
  removeInstallationRepository,
  deleteTokenSecret,
];

export function remediationActionOf(key: RemediationActionKey): RemediationActionModule {
  return remediationActions.find((action) => action.key === key) as RemediationActionModule;
}
