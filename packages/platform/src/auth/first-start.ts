import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { Principal } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import type { Logger } from '../logging/logger.ts';
import { defaultRealmSlug, normaliseEmail } from './auth.service.ts';
import { generatePassword } from './generated-password.ts';
import { PasswordHasher } from './password-hasher.ts';
import { insertMembership, insertRealm, insertUser, isUniqueViolation } from './realm-admin-writes.ts';

export const initialPasswordFileName = 'initial-admin-password';

export type FirstStartResult =
  | { created: false }
  | {
      created: true;
      realm: { id: string; slug: string; name: string };
      admin: { id: string; email: string };
      /** Where the generated password was written; absent when NHI_ADMIN_PASSWORD was set. */
      passwordFile?: string;
    };

export interface FirstStartOptions {
  /** Receives the one-time password notice; standard error by default. */
  print?: (text: string) => void;
}

const firstStart: Principal = { kind: 'system', name: 'first-start' };

/**
 * On a database without users: the `hub` realm and its first admin. System code, run once
 * at start-up after migrations. A database that already has users is left alone, so this
 * runs on every start.
 */
export async function ensureFirstStart(
  db: PlatformDatabase,
  config: Pick<Config, 'NHI_ADMIN_EMAIL' | 'NHI_ADMIN_PASSWORD' | 'dataDir'>,
  logger: Logger,
  options: FirstStartOptions = {},
): Promise<FirstStartResult> {
  if ((await db.systemPrisma.user.count()) > 0) return { created: false };

  const email = normaliseEmail(config.NHI_ADMIN_EMAIL);
  const password = config.NHI_ADMIN_PASSWORD ?? generatePassword();
  const passwordHash = await new PasswordHasher().hash(password);
  let outcome:
    | { realm: { id: string; slug: string; name: string }; admin: { id: string; email: string } }
    | undefined;
  try {
    outcome = await db.systemPrisma.$transaction(async (tx) => {
      // Checked again inside the transaction: another hub process may have got here first.
      if ((await tx.user.count()) > 0) return undefined;
      const realm =
        (await tx.realm.findUnique({
          where: { slug: defaultRealmSlug },
          select: { id: true, slug: true, name: true },
        })) ?? (await insertRealm(tx, { slug: defaultRealmSlug, name: 'Hub' }, firstStart));
      const admin = await insertUser(tx, { email, passwordHash }, realm.id, firstStart);
      await insertMembership(tx, { realmId: realm.id, userId: admin.id, role: 'admin' }, firstStart);
      return { realm, admin };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { created: false };
    throw error;
  }
  if (!outcome) return { created: false };
  logger.info(
    { userId: outcome.admin.id, email: outcome.admin.email },
    'created the hub realm and its first admin',
  );
  if (config.NHI_ADMIN_PASSWORD !== undefined) return { created: true, ...outcome };

  const passwordFile = path.join(config.dataDir, initialPasswordFileName);
  let written = true;
  try {
    await writePrivateFile(passwordFile, `${password}\n`);
  } catch (error) {
    // The admin exists now; failing here would leave nobody knowing its password.
    written = false;
    logger.error({ err: error, file: passwordFile }, 'could not write the initial admin password file');
  }
  (options.print ?? printToStderr)(notice(outcome.admin.email, password, written ? passwordFile : undefined));
  return written ? { created: true, ...outcome, passwordFile } : { created: true, ...outcome };
}

async function writePrivateFile(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Mode applies only when the file is new; chmod covers a file left from an earlier attempt.
  await fs.writeFile(file, content, { mode: 0o600 });
  await fs.chmod(file, 0o600);
}

/**
 * Printed directly, not logged: log lines are collected and kept, and the logger redacts
 * passwords anyway. This is the one place the password is shown. Standard error, because
 * standard output is the JSON log: the notice would break its parsing and end up stored with it.
 */
function printToStderr(text: string): void {
  process.stderr.write(text);
}

function notice(email: string, password: string, file: string | undefined): string {
  const lines = [
    'NHI Hub: the first administrator was created.',
    '',
    `  Email:     ${email}`,
    `  Password:  ${password}`,
    '',
    ...(file
      ? [
          'This is shown once. The password is also in',
          `  ${file}`,
          '(readable by this user only): keep it somewhere safe, then delete the file.',
        ]
      : ['This is shown once: keep it somewhere safe now.']),
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const border = '─'.repeat(width + 2);
  return `\n┌${border}┐\n${lines.map((line) => `│ ${line.padEnd(width)} │`).join('\n')}\n└${border}┘\n\n`;
}
