export { InstanceKey, type InstanceKeyOptions } from './instance-key.ts';
export { registerFingerprints } from './register-fingerprints.ts';
export { fingerprintKeyName, SecretFingerprints } from './secret-fingerprints.ts';
