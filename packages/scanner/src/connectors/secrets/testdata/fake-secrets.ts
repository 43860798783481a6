/**
 * Fake secrets in the formats detectors look for, made up from a seeded generator: tests find real
 * formats without any real credential in the repository.
 */
export function fakeSecrets(seed = 1) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const of = (alphabet: string) => (length: number) =>
    Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const digits = '0123456789';
  return {
    alnum: of(upper + lower + digits),
    alpha: of(upper + lower),
    upperAlnum: of(upper + digits),
    /** RFC 4648 base32: what AWS key ids are made of. */
    base32: of(`${upper}234567`),
    hex: of('0123456789abcdef'),
    digits: of(digits),
    base64: of(`${upper}${lower}${digits}+/`),
  };
}

/** A PEM private key whose body starts as DER does (`MII`) and is long enough to look real. */
export function fakePem(fake: ReturnType<typeof fakeSecrets>, label = 'RSA PRIVATE KEY'): string {
  const body = `MIIEow${fake.base64(250)}`;
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`;
}

/** A JWT with the given payload; header and signature are made up. */
export function fakeJwt(fake: ReturnType<typeof fakeSecrets>, payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: fake.alnum(20) })}.${part(payload)}.${fake.alnum(86)}`;
}
