import type { DependencyContainer } from 'tsyringe';
import { SecretFingerprints } from './secret-fingerprints.ts';

/**
 * One SecretFingerprints per root container, built from the root's registrations, so the key is
 * read once per process and never captured from a request container.
 */
export function registerFingerprints(root: DependencyContainer): void {
  let instance: SecretFingerprints | undefined;
  root.register(SecretFingerprints, {
    useFactory: () => {
      if (!instance) {
        const scope = root.createChildContainer();
        scope.register(SecretFingerprints, { useClass: SecretFingerprints });
        instance = scope.resolve(SecretFingerprints);
      }
      return instance;
    },
  });
}
