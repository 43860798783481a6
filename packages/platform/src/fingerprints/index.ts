export { InstanceKey, type InstanceKeyOptions } from './instance-key.ts';
export { registerFingerprints } from './register-fingerprints.ts';
export { SealedSecrets } from './sealed-secrets.ts';
export { fingerprintKeyName, SecretFingerprints } from './secret-fingerprints.ts';
