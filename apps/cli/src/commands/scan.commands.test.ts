import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { cliHarness } from '../testing/cli-harness.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string) =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;

describeEachDatabase('nhi scan', (kind, newDatabase) => {
  async function setup() {
    const { dataDir, env, run } = await cliHarness(kind, newDatabase);
    const file = async (name: string, content: string) => {
      const full = path.join(dataDir, name);
      await writeFile(full, content);
      return full;
    };
    const names = async () => {
      const runtime = await startPlatform({ config: loadConfig(env), firstStart: false });
      try {
        const rows = await runtime.database.systemPrisma.nhi.findMany({
          select: { name: true },
          orderBy: { name: 'asc' },
        });
        return rows.map((row) => row.name);
      } finally {
        await runtime.shutdown();
      }
    };
    return { run, file, names };
  }

  it('imports a credential report, prints the summary, and changes nothing on a second run', async () => {
    const { run, file, names } = await setup();
    const report = await file(
      'report.csv',
      [header, machine('ci'), machine('deployer'), 'bad,row'].join('\n'),
    );

    const first = await run('scan', 'aws-credential-report', '--file', report);
    const second = await run('scan', 'aws-credential-report', '--file', report);

    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^Scan \S+ succeeded: 2 new, 0 updated, 0 unchanged, 0 missing, 0 leaks, 1 warnings\n$/,
    );
    expect(first.stderr).toContain('warning: row 4: has 2 columns, the header 22');
    expect(first.stderr).toMatch(/\[#+\.*\]\s+\d+% /);
    expect(second.stdout).toMatch(/2 unchanged/);
    expect(await names()).toEqual(['ci', 'deployer']);
  });

  it('fails with the reason when the file is not of the type', async () => {
    const { run, file } = await setup();
    const notReport = await file('notes.txt', 'hello');

    const result = await run('scan', 'aws-credential-report', '--file', notReport, '--source', 'prod');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Not an AWS credential report');
  });

  it('explains usage errors without touching the database', async () => {
    const { run } = await setup();

    expect((await run('scan', 'nonsense', '--file', 'x')).code).toBe(2);
    expect((await run('scan', 'k8s')).stderr).toContain('--file');
    expect((await run('scan')).code).toBe(2);
  });
});
