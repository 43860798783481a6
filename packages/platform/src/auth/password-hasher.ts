import { hash, verify } from '@node-rs/argon2';
import { injectable } from 'tsyringe';

/**
 * `Algorithm.Argon2id` from @node-rs/argon2. The package declares its enum as an ambient
 * `const enum`, which isolated-module compilers cannot inline, so the value is spelled out.
 */
const ARGON2ID = 2;

/** OWASP's argon2id baseline: 19 MiB, two passes, one lane. */
const options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return hash(password, options);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      // A malformed stored hash must read as a wrong password, not as a server error.
      return false;
    }
  }

  /**
   * Spends the same work as a real verification and always fails. Logging in as an unknown
   * user then takes as long as a wrong password, so response times do not reveal which
   * email addresses have accounts.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= hash('no user has this password', options);
    await verify(await this.dummyHash, password);
    return false;
  }
}
