import { execFileSync } from 'node:child_process';
import { createHmac, createSign, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { fakeSecrets } from '../connectors/secrets/testdata/fake-secrets.ts';
import { startFakeGitHub } from '../testing/fake-github-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { exposedRuns } from '../testing/secret-exposure.ts';
import { SnsVerifier } from './sns-messages.ts';
import { SourceEvents } from './source-events.ts';

const webhookSecret = 'whsec-for-the-local-tests';
const webhookToken = 'gitlab-hook-token-for-tests';
const githubToken = 'ghs_fakeTokenForTheLocalServer000000000';
const topic = 'arn:aws:sns:eu-west-1:111122223333:nhi-iam-changes';
const fake = fakeSecrets(77);
const addedSecret = `ghp_${fake.alnum(36)}`;
const removedSecret = `ghp_${fake.alnum(36)}`;

/** A key and a self-signed certificate for 127.0.0.1: the TLS server's and the SNS signing one. */
let tls: { key: string; cert: string };
let sns: { origin: string; confirmed: string[]; close(): Promise<void> };

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sns-test-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  tls = {
    key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
  };
  fs.rmSync(dir, { recursive: true });
  // SNS's side: the signing certificate, and the SubscribeURL that confirms a subscription.
  const confirmed: string[] = [];
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://fake');
    if (url.pathname === '/SimpleNotificationService-test.pem') {
      response.writeHead(200, { 'content-type': 'application/x-pem-file' });
      response.end(tls.cert);
    } else if (url.pathname === '/' && url.searchParams.get('Action') === 'ConfirmSubscription') {
      confirmed.push(url.searchParams.get('TopicArn') ?? '');
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end('<ConfirmSubscriptionResponse/>');
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sns = {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    confirmed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
afterAll(() => sns?.close());

/** The string SNS signs, written out as its documentation lists the fields. */
function canonical(message: Record<string, string>) {
  const order =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return order
    .filter((field) => message[field] !== undefined)
    .map((field) => `${field}\n${message[field]}\n`)
    .join('');
}

function snsBody(fields: Record<string, string>, options: { version?: '1' | '2'; tamper?: boolean } = {}) {
  const version = options.version ?? '1';
  const message: Record<string, string> = {
    MessageId: randomUUID(),
    TopicArn: topic,
    Timestamp: '2026-12-06T02:00:00.000Z',
    ...fields,
  };
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(canonical(message))
    .sign(tls.key, 'base64');
  if (options.tamper) message.Message = `${message.Message} `;
  return JSON.stringify({
    ...message,
    SignatureVersion: version,
    Signature: signature,
    SigningCertURL: `${sns.origin}/SimpleNotificationService-test.pem`,
  });
}

const iamEvent = (eventName: string, eventSource = 'iam.amazonaws.com') =>
  JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: eventSource === 'iam.amazonaws.com' ? 'aws.iam' : 'aws.s3',
    account: '111122223333',
    region: 'us-east-1',
    detail: {
      eventSource,
      eventName,
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/admin' },
      requestParameters: { userName: 'deploy-bot' },
    },
  });

const githubHeaders = (body: string, event: string, delivery = randomUUID(), secret = webhookSecret) =>
  new Headers({
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  });

const pushBody = (commits: string[]) =>
  JSON.stringify({
    ref: 'refs/heads/main',
    after: commits.at(-1),
    repository: { full_name: 'acme/api' },
    commits: commits.map((id) => ({ id })),
  });

describeEachDatabase('provider events', (_kind, newDatabase) => {
  async function setup(options: { work?: boolean; trustTestSns?: boolean } = {}) {
    const hub = await setupScanner(newDatabase, { work: options.work ?? false });
    if (options.trustTestSns !== false)
      hub.root.register(SnsVerifier, {
        useValue: new SnsVerifier({ hostPattern: /^127\.0\.0\.1$/, ca: tls.cert }),
      });
    const github = await startFakeGitHub({
      token: githubToken,
      org: 'acme',
      installations: [],
      repositories: {},
      commits: {
        [`api@${'a'.repeat(40)}`]: [
          {
            filename: 'deploy/.env',
            status: 'modified',
            patch: `@@ -4,2 +4,2 @@\n-GITHUB_TOKEN=${removedSecret}\n+GITHUB_TOKEN=${addedSecret}\n REGION=eu`,
          },
        ],
      },
    });
    onTestFinished(() => github.close());
    const scanner = await hub.scannerOf();
    const gitHub = await scanner.createSource({
      type: 'github',
      name: 'acme org',
      settings: { organization: 'acme', baseUrl: github.baseUrl },
      secrets: { token: githubToken, webhookSecret },
    });
    const gitLab = await scanner.createSource({
      type: 'gitlab',
      name: 'acme group',
      settings: { group: 'acme' },
      secrets: { token: 'glpat-for-tests', webhookToken },
    });
    const aws = await scanner.createSource({
      type: 'aws_iam',
      name: 'prod account',
      settings: { region: 'us-east-1', snsTopicArn: topic },
      secrets: { accessKeyId: 'AKIAFAKEIAMTESTKEY02', secretAccessKey: 'fake-secret-for-tests' },
    });
    const events = () => hub.root.resolve(SourceEvents);
    const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
    const scans = () =>
      realmDb.transaction((tx) =>
        tx.scan.findMany({
          select: {
            id: true,
            sourceId: true,
            input: true,
            state: true,
            complete: true,
            uploadSize: true,
            triggeredById: true,
          },
          orderBy: { createdAt: 'asc' },
        }),
      );
    const recorded = () =>
      realmDb.transaction((tx) =>
        tx.sourceEvent.findMany({ select: { sourceId: true, kind: true, scanId: true, detail: true } }),
      );
    return { ...hub, scanner, gitHub, gitLab, aws, events, scans, recorded, realmDb };
  }

  it('queues a partial github.push scan carrying the push, for a correctly signed push', async () => {
    const t = await setup();
    const body = pushBody(['a'.repeat(40)]);

    const answer = await t.events().receive('hub', t.gitHub.id, githubHeaders(body, 'push'), body);

    expect(answer).toMatchObject({ status: 202, duplicate: false });
    expect(await t.scans()).toEqual([
      expect.objectContaining({
        id: answer.scanId,
        sourceId: t.gitHub.id,
        input: 'github.push',
        state: 'queued',
        complete: false,
        uploadSize: Buffer.byteLength(body),
        triggeredById: 'webhook',
      }),
    ]);
    expect(await t.recorded()).toEqual([
      expect.objectContaining({
        kind: 'push',
        scanId: answer.scanId,
        detail: expect.objectContaining({ repository: 'acme/api', commits: 1 }),
      }),
    ]);
  });

  it('answers 401 and records nothing for a wrong, missing or stale signature', async () => {
    const t = await setup();
    const body = pushBody(['a'.repeat(40)]);
    const cases = {
      'a signature under another secret': githubHeaders(body, 'push', randomUUID(), 'other'),
      'no signature': new Headers({ 'x-github-event': 'push', 'x-github-delivery': randomUUID() }),
      'the signature of another body': githubHeaders(`${body} `, 'push'),
    };

    for (const [name, headers] of Object.entries(cases))
      expect((await t.events().receive('hub', t.gitHub.id, headers, body)).status, name).toBe(401);
    expect(await t.scans()).toEqual([]);
    expect(await t.recorded()).toEqual([]);
  });

  it('answers an unknown realm, an unknown source and another realm’s source alike', async () => {
    const t = await setup();
    const body = pushBody(['a'.repeat(40)]);
    const headers = githubHeaders(body, 'push');

    const answers = [
      await t.events().receive('nowhere', t.gitHub.id, headers, body),
      await t.events().receive('hub', randomUUID(), headers, body),
      await t.events().receive('other', t.gitHub.id, headers, body),
      await t.events().receive('hub', 'not-an-id', headers, body),
    ];

    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(await t.scans()).toEqual([]);
  });

  it('queues nothing for a redelivered event', async () => {
    const t = await setup();
    const body = pushBody(['a'.repeat(40)]);
    const headers = githubHeaders(body, 'push');

    const first = await t.events().receive('hub', t.gitHub.id, headers, body);
    const again = await t.events().receive('hub', t.gitHub.id, headers, body);

    expect(again).toEqual({ status: 200, scanId: first.scanId, duplicate: true });
    expect(await t.scans()).toHaveLength(1);
    expect(await t.recorded()).toHaveLength(1);
  });

  it('queues a scan for each push, even while another waits', async () => {
    const t = await setup();
    const body = pushBody(['a'.repeat(40)]);

    await t.events().receive('hub', t.gitHub.id, githubHeaders(body, 'push'), body);
    await t.events().receive('hub', t.gitHub.id, githubHeaders(body, 'push'), body);

    expect((await t.scans()).map((s) => s.input)).toEqual(['github.push', 'github.push']);
  });

  it('queues one github.live scan for the events that change apps, keys or tokens, and none for others', async () => {
    const t = await setup();
    const body = JSON.stringify({ action: 'created', installation: { id: 7 }, sender: { login: 'octocat' } });
    const expected: [string, boolean][] = [
      ['installation', true],
      ['installation_repositories', true],
      ['deploy_key', true],
      ['github_app_authorization', true],
      ['personal_access_token_request', true],
      ['issues', false],
      ['star', false],
    ];

    const answers = [];
    for (const [event] of expected)
      answers.push(await t.events().receive('hub', t.gitHub.id, githubHeaders(body, event), body));

    const [scan] = await t.scans();
    expect(await t.scans()).toEqual([expect.objectContaining({ input: 'github.live', state: 'queued' })]);
    expect(answers.map((a) => a.scanId)).toEqual(expected.map(([, queues]) => (queues ? scan?.id : null)));
    expect((await t.recorded()).map((e) => e.kind).sort()).toEqual(expected.map(([event]) => event).sort());
  });

  it('answers a ping with 200 and queues nothing', async () => {
    const t = await setup();
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });

    const answer = await t.events().receive('hub', t.gitHub.id, githubHeaders(body, 'ping'), body);

    expect(answer).toMatchObject({ status: 200, scanId: null });
    expect(await t.scans()).toEqual([]);
  });

  it('joins a live scan already waiting to start rather than queue a second', async () => {
    const t = await setup();
    const body = JSON.stringify({ action: 'created', key: { id: 1 } });

    const first = await t.events().receive('hub', t.gitHub.id, githubHeaders(body, 'deploy_key'), body);
    const second = await t.events().receive('hub', t.gitHub.id, githubHeaders(body, 'deploy_key'), body);

    expect(second).toMatchObject({ status: 202, scanId: first.scanId, duplicate: false });
    expect(await t.scans()).toHaveLength(1);
    expect((await t.recorded()).map((e) => e.scanId)).toEqual([first.scanId, first.scanId]);
  });

  it('scans the pushed commit and finds the secret it adds, not the one it removes', async () => {
    const t = await setup({ work: true });
    const body = pushBody(['a'.repeat(40)]);

    const answer = await t.events().receive('hub', t.gitHub.id, githubHeaders(body, 'push'), body);
    const scan = await t.finished(t.scanner, answer.scanId as string);
    const leaks = await t.scanner.listLeaks({ sourceId: t.gitHub.id });

    expect(scan).toMatchObject({ state: 'succeeded', complete: false, counts: { leaks: 1 } });
    expect(leaks).toEqual([
      expect.objectContaining({ file: 'deploy/.env', line: 4, commit: 'a'.repeat(40) }),
    ]);
    expect(exposedRuns(leaks, addedSecret)).toEqual([]);
  });

  it('queues a partial gitlab.push scan for a push with the source’s token, and nothing with another', async () => {
    const t = await setup();
    const body = JSON.stringify({
      object_kind: 'push',
      ref: 'refs/heads/main',
      project: { path_with_namespace: 'acme/api' },
      commits: [{ id: 'f'.repeat(40) }],
    });
    const headers = (token: string) =>
      new Headers({
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': token,
        'x-gitlab-event-uuid': randomUUID(),
        'idempotency-key': randomUUID(),
      });

    const refused = await t.events().receive('hub', t.gitLab.id, headers('not-the-token'), body);
    expect(refused.status).toBe(401);
    expect(await t.scans()).toEqual([]);

    const accepted = await t.events().receive('hub', t.gitLab.id, headers(webhookToken), body);
    expect(accepted.status).toBe(202);
    expect(await t.scans()).toEqual([
      expect.objectContaining({ id: accepted.scanId, input: 'gitlab.push', complete: false }),
    ]);
  });

  it('a GitLab access token hook queues gitlab.live', async () => {
    const t = await setup();
    const body = JSON.stringify({
      object_kind: 'access_token',
      event_name: 'expiring_access_token',
      group: { group_path: 'acme' },
    });
    const headers = new Headers({
      'x-gitlab-event': 'Resource Access Token Hook',
      'x-gitlab-token': webhookToken,
      'x-gitlab-event-uuid': randomUUID(),
    });

    await t.events().receive('hub', t.gitLab.id, headers, body);

    expect((await t.scans()).map((s) => s.input)).toEqual(['gitlab.live']);
  });

  it('queues an aws.live scan for IAM changes from SNS (signatures v1 and v2), none for other events', async () => {
    const t = await setup();
    const cases: [string, string, '1' | '2', boolean][] = [
      ['CreateAccessKey', 'iam.amazonaws.com', '1', true],
      ['AttachRolePolicy', 'iam.amazonaws.com', '2', true],
      ['PutObject', 's3.amazonaws.com', '1', false],
      ['ListUsers', 'iam.amazonaws.com', '2', false],
    ];

    const answers = [];
    for (const [eventName, source, version] of cases)
      answers.push(
        await t
          .events()
          .receive(
            'hub',
            t.aws.id,
            new Headers(),
            snsBody({ Type: 'Notification', Message: iamEvent(eventName, source) }, { version }),
          ),
      );

    const [scan] = await t.scans();
    expect(await t.scans()).toEqual([expect.objectContaining({ input: 'aws.live', state: 'queued' })]);
    expect(answers.map((a) => [a.status, a.scanId])).toEqual(
      cases.map(([, , , queues]) => [202, queues ? scan?.id : null]),
    );
    expect(await t.recorded()).toContainEqual(
      expect.objectContaining({
        kind: 'CreateAccessKey',
        detail: expect.objectContaining({
          principal: 'arn:aws:iam::111122223333:user/admin',
          target: 'deploy-bot',
        }),
      }),
    );
  });

  it('queues an organisation scan for an IAM change when the source assumes a role in each account', async () => {
    const t = await setup();
    await t.scanner.updateSource({
      id: t.aws.id,
      settings: { region: 'us-east-1', snsTopicArn: topic, roleName: 'NhiReader' },
    });
    const body = snsBody({ Type: 'Notification', Message: iamEvent('DeleteUser') });

    await t.events().receive('hub', t.aws.id, new Headers(), body);

    expect((await t.scans()).map((s) => s.input)).toEqual(['aws.organization']);
  });

  it('answers 401 to a tampered SNS message and to one of another topic', async () => {
    const t = await setup();
    const tampered = snsBody({ Type: 'Notification', Message: iamEvent('CreateUser') }, { tamper: true });
    const otherTopic = snsBody({
      Type: 'Notification',
      Message: iamEvent('CreateUser'),
      TopicArn: `${topic}-other`,
    });

    expect((await t.events().receive('hub', t.aws.id, new Headers(), tampered)).status).toBe(401);
    expect((await t.events().receive('hub', t.aws.id, new Headers(), otherTopic)).status).toBe(401);
    expect(await t.scans()).toEqual([]);
  });

  it('does not trust a certificate host other than SNS’s unless told to', async () => {
    const t = await setup({ trustTestSns: false });
    const body = snsBody({ Type: 'Notification', Message: iamEvent('CreateUser') });

    const answer = await t.events().receive('hub', t.aws.id, new Headers(), body);

    expect(answer.status).toBe(401);
  });

  it('confirms a subscription to the source’s topic only', async () => {
    const t = await setup();
    const confirmation = (topicArn: string) =>
      snsBody({
        Type: 'SubscriptionConfirmation',
        TopicArn: topicArn,
        Token: 'tok',
        Message: `You have chosen to subscribe to the topic ${topicArn}.`,
        SubscribeURL: `${sns.origin}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=tok`,
      });
    const before = sns.confirmed.length;

    const other = await t.events().receive('hub', t.aws.id, new Headers(), confirmation(`${topic}-other`));
    const own = await t.events().receive('hub', t.aws.id, new Headers(), confirmation(topic));

    expect([other.status, own.status]).toEqual([401, 200]);
    expect(sns.confirmed.slice(before)).toEqual([topic]);
    expect(await t.scans()).toEqual([]);
  });
});
