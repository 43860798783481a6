import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The machine's PostgreSQL server binaries (Debian's layout), newest first; null when there are none. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((version) => fs.existsSync(path.join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/** Why a TLS cluster cannot be started here, or null when it can. */
export function tlsPostgresUnavailableReason(): string | null {
  if (!postgresBinDir()) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  for (const tool of ['openssl', 'runuser'])
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  if (process.getuid?.() !== 0) return 'starting a cluster as the postgres user needs root';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'ignore' });

/** A certificate authority of the test's own, and a server certificate for 127.0.0.1 and localhost signed by it. */
function makeCertificates(dir: string) {
  for (const ca of ['ca', 'other-ca'])
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
    );
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  );
}

/**
 * A second PostgreSQL cluster of the test's own on a free port, which takes only TLS connections
 * (hostssl; plain ones are refused), with a certificate from a CA the test made. Stop it when done.
 */
export async function startTlsPostgres(): Promise<{
  port: number;
  caFile: string;
  otherCaFile: string;
  stop(): Promise<void>;
}> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-tls-pg-'));
  const data = path.join(dir, 'data');
  makeCertificates(dir);
  fs.chmodSync(dir, 0o755);
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  fs.chmodSync(path.join(dir, 'server.key'), 0o600);
  const asPostgres = (command: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args], { stdio: 'ignore' });
  asPostgres('initdb', ['-D', data, '--auth=trust', '--username=postgres', '--no-sync']);
  fs.writeFileSync(
    path.join(data, 'pg_hba.conf'),
    [
      'local all all trust',
      'hostssl all all 127.0.0.1/32 trust',
      'hostnossl all all 127.0.0.1/32 reject',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const server = spawn(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      path.join(bin, 'postgres'),
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${path.join(dir, 'server.pem')}`,
      '-c',
      `ssl_key_file=${path.join(dir, 'server.key')}`,
      '-c',
      'fsync=off',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  for (const deadline = Date.now() + 20_000; ; ) {
    try {
      asPostgres('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-q']);
      break;
    } catch {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error('the TLS cluster did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    port,
    caFile: path.join(dir, 'ca.pem'),
    otherCaFile: path.join(dir, 'other-ca.pem'),
    async stop() {
      // runuser does not pass signals on: the server is told to stop by its own tool.
      asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
