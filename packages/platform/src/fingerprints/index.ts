export { registerFingerprints } from './register-fingerprints.ts';
export { fingerprintKeyName, SecretFingerprints } from './secret-fingerprints.ts';
