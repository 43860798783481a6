#!/usr/bin/env -S node --import tsx
import 'reflect-metadata';
import { runCli } from './cli.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// The embedded database and the migration engine can keep handles alive after closing.
process.exit(process.exitCode);
