import fs from 'node:fs';
import path from 'node:path';
import { toJSONAsync } from 'seroval';
import { describe, expect, it } from 'vitest';
import { hubDir } from './support/hub-process.ts';
import { adminEmail, adminPassword, temporaryDataDir } from './support/seed.ts';
import { startReadyHub } from './support/session.ts';

/** The id the build gave the login serverFn, read from the built server. */
function loginServerFnId(): string {
  const dir = path.join(hubDir, '.output/server/_ssr');
  for (const file of fs.readdirSync(dir).filter((name) => name.startsWith('session.functions'))) {
    const match = /id: "([^"]+)",\s*name: "login"/.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (match?.[1]) return match[1];
  }
  throw new Error('The built server has no login serverFn: build the hub first');
}

/** Lines the hub wrote from `offset` on that are not JSON log entries. */
function nonJsonLines(output: string, offset: number): string[] {
  return output
    .slice(offset)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
}

describe('serverFn calls the hub cannot decode', () => {
  it('answers malformed bodies and unknown ids with plain JSON 400/404, logging no stack traces', async () => {
    const hub = await startReadyHub(await temporaryDataDir());
    const loginUrl = `${hub.url}/_serverFn/${loginServerFnId()}`;
    const fromOurPages = { 'sec-fetch-site': 'same-origin', 'x-tsr-serverfn': 'true' };
    const malformed = [
      { body: '{}', type: 'application/json' },
      { body: '', type: 'application/json' },
      { body: 'null', type: 'application/json' },
      { body: '{"data":', type: 'application/json' },
      { body: '{"t":{"t":999},"f":63,"m":[]}', type: 'application/json' },
      { body: 'garbage', type: 'multipart/form-data; boundary=x' },
      { body: 'hello', type: 'text/plain' },
    ];
    const logOffset = hub.output().length;

    const answers = [];
    for (const { body, type } of malformed) {
      const response = await fetch(loginUrl, {
        method: 'POST',
        headers: { ...fromOurPages, 'content-type': type },
        body,
      });
      answers.push({ body, status: response.status, json: await response.json() });
    }
    const unknown = await fetch(`${hub.url}/_serverFn/no-such-function`, {
      method: 'POST',
      headers: { ...fromOurPages, 'content-type': 'application/json' },
      body: JSON.stringify(await toJSONAsync({ data: {} })),
    });
    const login = await fetch(loginUrl, {
      method: 'POST',
      headers: { ...fromOurPages, 'content-type': 'application/json' },
      body: JSON.stringify(await toJSONAsync({ data: { email: adminEmail, password: adminPassword } })),
    });

    for (const answer of answers) {
      expect(answer, answer.body).toMatchObject({
        status: 400,
        json: { error: { code: 'BAD_REQUEST', message: expect.any(String) }, requestId: expect.any(String) },
      });
      expect(JSON.stringify(answer.json)).not.toMatch(/Seroval|at \w+ \(|stack/);
    }
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(login.status).toBe(200);
    expect(nonJsonLines(hub.output(), logOffset)).toEqual([]);
  });
});
