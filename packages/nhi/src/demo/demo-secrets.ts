import type { CredentialKind } from '../service/nhi-detail.ts';
import { alnum, base64ish, type DemoRandom, hex, upperAlnum } from './demo-random.ts';

/**
 * Fake secrets in the shapes real ones have (an AWS key id, a GitHub token prefix), made from
 * the seeded generator at run time. None of them grants anything anywhere.
 */
export type DemoSecretShape =
  | 'aws-access-key-id'
  | 'gcp-key'
  | 'azure-client-secret'
  | 'github-app-key'
  | 'github-pat'
  | 'ssh-private-key'
  | 'kubernetes-token'
  | 'slack-bot-token'
  | 'okta-api-token'
  | 'tls-private-key'
  | 'vendor-api-key'
  | 'agent-api-key';

export function demoSecret(random: DemoRandom, shape: DemoSecretShape): string {
  switch (shape) {
    case 'aws-access-key-id':
      // The key id is what the inventory shows; the service keeps it whole as the hint.
      return `AKIA${random.chars(upperAlnum, 16)}`;
    case 'gcp-key':
      return random.chars(hex, 40);
    case 'azure-client-secret':
      return `${random.chars(alnum, 3)}8Q~${random.chars(`${alnum}_-.~`, 34)}`;
    case 'github-app-key':
      return `-----BEGIN RSA PRIVATE KEY-----\n${random.chars(base64ish, 64)}\n-----END RSA PRIVATE KEY-----`;
    case 'github-pat':
      return `ghp_${random.chars(alnum, 36)}`;
    case 'ssh-private-key':
      return `-----BEGIN OPENSSH PRIVATE KEY-----\n${random.chars(base64ish, 70)}\n-----END OPENSSH PRIVATE KEY-----`;
    case 'kubernetes-token':
      return `eyJhbGciOiJSUzI1NiIsImtpZCI6${random.chars(alnum, 60)}`;
    case 'slack-bot-token':
      return `xoxb-${random.chars('0123456789', 12)}-${random.chars('0123456789', 13)}-${random.chars(alnum, 24)}`;
    case 'okta-api-token':
      return `00${random.chars(`${alnum}_-`, 40)}`;
    case 'tls-private-key':
      return `-----BEGIN PRIVATE KEY-----\n${random.chars(base64ish, 64)}\n-----END PRIVATE KEY-----`;
    case 'vendor-api-key':
      return random.chars(hex, 32);
    case 'agent-api-key':
      return `sk-demo-${random.chars(alnum, 40)}`;
  }
}

export const credentialKindOfShape: Record<DemoSecretShape, CredentialKind> = {
  'aws-access-key-id': 'access_key',
  'gcp-key': 'private_key',
  'azure-client-secret': 'client_secret',
  'github-app-key': 'private_key',
  'github-pat': 'token',
  'ssh-private-key': 'private_key',
  'kubernetes-token': 'token',
  'slack-bot-token': 'token',
  'okta-api-token': 'api_key',
  'tls-private-key': 'certificate',
  'vendor-api-key': 'api_key',
  'agent-api-key': 'api_key',
};
