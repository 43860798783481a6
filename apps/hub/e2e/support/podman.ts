import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why the container tests cannot run here, or null when podman and podman-compose are installed. */
export function podmanUnavailableReason(): string | null {
  for (const tool of ['podman', 'podman-compose']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (Debian packages podman buildah runc podman-compose)`;
    }
  }
  return null;
}

/**
 * Settings every podman call of the tests uses: the ulimits of this process (podman's defaults ask
 * for more than an unprivileged container host grants) and runc when installed (crun fails on
 * hosts whose cgroups are in hybrid mode). Without these, builds and runs fail on such hosts.
 */
function containersConf(dir: string): string {
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const hard = (name: string, most: number) => {
    const value = new RegExp(`^${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits)?.[1];
    return value === undefined || value === 'unlimited' ? most : Math.min(Number(value), most);
  };
  const files = hard('Max open files', 65536);
  const processes = hard('Max processes', 32768);
  let runtime = '';
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    runtime = '[engine]\nruntime = "runc"\n';
  } catch {
    // podman's default runtime, then.
  }
  const file = path.join(dir, 'containers.conf');
  fs.writeFileSync(
    file,
    `[containers]\ndefault_ulimits = ["nofile=${files}:${files}", "nproc=${processes}:${processes}"]\n${runtime}`,
  );
  return file;
}

export interface Podman {
  /** Runs podman; rejects with its standard error when it fails. */
  (...args: string[]): Promise<string>;
  /** Runs any command (podman-compose, the image scripts) with the same podman settings. */
  exec(command: string, args: string[], env?: Record<string, string>): Promise<string>;
  dir: string;
}

/** A podman with its own settings file in a temporary directory, removed by `dispose`. */
export function createPodman(): Podman & { dispose(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-podman-'));
  let settings: string;
  try {
    settings = containersConf(dir);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const env = { ...process.env, CONTAINERS_CONF: settings };
  const exec = async (command: string, args: string[], extra: Record<string, string> = {}) => {
    try {
      const { stdout } = await run(command, args, {
        env: { ...env, ...extra },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const failed = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(
        `${command} ${args.join(' ')} failed: ${failed.message}\n${failed.stderr ?? ''}${failed.stdout ?? ''}`,
      );
    }
  };
  const podman = ((...args: string[]) => exec('podman', args)) as Podman & { dispose(): void };
  podman.exec = exec;
  podman.dir = dir;
  podman.dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  return podman;
}
