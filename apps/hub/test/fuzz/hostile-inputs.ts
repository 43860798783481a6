import { SESSION_COOKIE } from '@nhi/platform';

/**
 * The fixed hostile inputs of the fuzz suites, as one list per kind of value. Each was seen to
 * break a hub at some point (a 500, a database error in the body, a frozen request) or is a
 * classic of its kind. The tRPC suite puts every entry into every field of the matching kind; the
 * serverFn suite sends the bodies.
 */

export interface HostileCase<T = unknown> {
  name: string;
  value: T;
}

/** A well-formed UUID that names nothing in any realm. */
export const unknownId = '7d9f6a4e-3c2b-4a1d-9e8f-0123456789ab';

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** JSON.parse keeps `__proto__` as an own key, as a request body parsed by the server would. */
const parsed = (json: string): unknown => JSON.parse(json);

/** Free text: names, descriptions, reasons, search terms, settings, secrets. */
export const hostileStrings: readonly HostileCase<string>[] = [
  { name: 'NUL byte inside', value: 'fuzz\u0000name' },
  { name: 'NUL byte only', value: '\u0000' },
  { name: 'lone high surrogate', value: 'fuzz\ud800name' },
  { name: 'lone low surrogate', value: '\udfff' },
  { name: '100,000 characters', value: 'x'.repeat(100_000) },
  { name: 'prototype key as text', value: '__proto__' },
  { name: 'SQL and LIKE metacharacters', value: "%_\\' OR 1=1 --" },
  { name: 'bidi override and zero-width space', value: '\u202efuzz\u200b' },
];

/** The values of the other hostile string lists that fit any string field (used once per field). */
export const hostileStringsForConstrainedFields: readonly HostileCase<string>[] = [
  { name: 'NUL byte only', value: '\u0000' },
  { name: 'lone high surrogate', value: '\ud800' },
  { name: 'empty', value: '' },
];

/** Dates and timestamps, in the ISO forms JavaScript reads but PostgreSQL may not store. */
export const hostileDates: readonly HostileCase<unknown>[] = [
  { name: 'latest JavaScript date (+275760)', value: '+275760-09-13T00:00:00.000Z' },
  { name: 'year 10000', value: '+010000-01-01T00:00:00.000Z' },
  { name: 'year 0', value: '0000-01-01T00:00:00.000Z' },
  { name: 'earliest JavaScript date (-271821)', value: '-271821-04-20T00:00:00.000Z' },
  { name: 'past the latest JavaScript date', value: '+275760-09-13T00:00:00.001Z' },
  { name: 'not a date', value: 'yesterday' },
  { name: 'epoch milliseconds past the range', value: 8.64e15 + 1 },
];

/** Numbers; NaN and Infinity are not JSON, so the extremes stand in for them. */
export const hostileNumbers: readonly HostileCase<number>[] = [
  { name: '1e308', value: 1e308 },
  { name: 'minus one', value: -1 },
  { name: '2^53', value: 2 ** 53 },
  { name: '-2^53', value: -(2 ** 53) },
  { name: 'a half', value: 0.5 },
  { name: 'zero', value: 0 },
];

/** Identifiers that name nothing, or are not identifiers at all. */
export const hostileIds: readonly HostileCase<string>[] = [
  { name: 'unknown UUID', value: unknownId },
  { name: 'nil UUID', value: '00000000-0000-0000-0000-000000000000' },
  { name: 'max UUID', value: 'ffffffff-ffff-ffff-ffff-ffffffffffff' },
  { name: 'not a UUID', value: 'not-a-uuid' },
  { name: 'UUID with NUL', value: '7d9f6a4e-3c2b-4a1d-9e8f-0123456789a\u0000' },
];

/** Pagination cursors: base64 that decodes to NUL, garbage or a position no database can hold. */
export const hostileCursors: readonly HostileCase<string>[] = [
  { name: 'base64 of NUL', value: base64url('\u0000') },
  { name: 'base64 of binary garbage', value: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7f]).toString('base64') },
  { name: 'not base64', value: '%%%not base64%%%' },
  {
    name: 'cursor with NUL as its value',
    value: base64url(JSON.stringify({ s: 'name', d: 'asc', v: '\u0000', i: unknownId })),
  },
  {
    name: 'cursor whose id is not a UUID',
    value: base64url(JSON.stringify({ s: 'name', d: 'asc', v: 'a', i: 'not-a-uuid' })),
  },
  {
    name: 'cursor with a lone surrogate',
    value: base64url(JSON.stringify({ s: 'name', d: 'asc', v: '\ud800', i: unknownId })),
  },
];

/** Whole inputs of the wrong shape, in place of the object a procedure takes. */
export const wrongShapes: readonly HostileCase<unknown>[] = [
  { name: 'null', value: null },
  { name: 'empty object', value: {} },
  { name: 'array instead of object', value: [{}] },
  { name: 'number', value: 1e308 },
  { name: 'string', value: '\u0000' },
  { name: 'boolean', value: true },
  { name: '__proto__ key', value: parsed('{"__proto__":{"polluted":true},"id":"x"}') },
  { name: 'constructor.prototype key', value: { constructor: { prototype: { polluted: true } } } },
];

const jwtPart = (value: unknown) => base64url(JSON.stringify(value));

/** Credentials that are not: each must be 401, never 500, whatever the procedure. */
export const hostileCredentials: readonly HostileCase<Record<string, string>>[] = [
  {
    name: 'API token of the right shape that does not exist',
    value: { authorization: `Bearer nhi_${'a'.repeat(43)}` },
  },
  { name: 'bearer of 10,000 characters', value: { authorization: `Bearer ${'x'.repeat(10_000)}` } },
  { name: 'bearer that is a lone word', value: { authorization: 'Bearer' } },
  { name: 'basic credentials', value: { authorization: 'Basic YWRtaW46YWRtaW4=' } },
  {
    name: 'session token signed with alg none',
    value: {
      cookie: `${SESSION_COOKIE}=${jwtPart({ alg: 'none', typ: 'JWT' })}.${jwtPart({ sub: unknownId, realm: 'alpha' })}.`,
      'sec-fetch-site': 'same-origin',
    },
  },
  {
    name: 'session token whose parts are not base64',
    value: { cookie: `${SESSION_COOKIE}=%%%.%%%.%%%`, 'sec-fetch-site': 'same-origin' },
  },
  {
    name: 'session cookie with a lone surrogate, percent-encoded',
    value: { cookie: `${SESSION_COOKIE}=%ED%A0%80`, 'sec-fetch-site': 'same-origin' },
  },
];

/** Raw request bodies, for endpoints that parse the body themselves. */
export interface HostileBody {
  name: string;
  body: string | undefined;
  contentType: string | undefined;
}

export const hostileBodies: readonly HostileBody[] = [
  { name: 'no body', body: undefined, contentType: undefined },
  { name: 'empty body', body: '', contentType: 'application/json' },
  { name: 'JSON null', body: 'null', contentType: 'application/json' },
  { name: 'JSON empty object', body: '{}', contentType: 'application/json' },
  { name: 'invalid JSON', body: '{"id":', contentType: 'application/json' },
  { name: 'JSON array', body: '[1,2,3]', contentType: 'application/json' },
  { name: 'text with NUL', body: '\u0000', contentType: 'text/plain' },
  { name: 'form body', body: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
  {
    name: 'one megabyte of JSON string',
    body: JSON.stringify('x'.repeat(1_000_000)),
    contentType: 'application/json',
  },
  {
    name: 'deeply nested JSON',
    body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
    contentType: 'application/json',
  },
];

/** Raw query strings for GET endpoints that read `?input=`. */
export const hostileQueries: readonly HostileCase<string>[] = [
  { name: 'invalid JSON', value: 'input=%7B' },
  { name: 'bad percent-encoding', value: 'input=%E0%A4%A' },
  { name: 'JSON null', value: 'input=null' },
  { name: 'encoded NUL', value: 'input=%22%00%22' },
];

const lastUsedCursor = (value: string) =>
  base64url(JSON.stringify({ s: 'lastUsedAt', d: 'asc', v: value, i: unknownId }));

const importRow = (fields: Record<string, unknown>) =>
  JSON.stringify([
    { kind: 'service_account', provider: 'aws', externalId: 'fuzz-import', name: 'fuzz', ...fields },
  ]);

/**
 * Whole inputs for one procedure, where a field alone cannot carry the hostile value. A string
 * `ref:<kind>` stands for the id of the caller's own object of that kind (see RealmObjects).
 */
export interface ProcedureCase {
  procedure: string;
  name: string;
  input: unknown;
}

export const procedureCases: readonly ProcedureCase[] = [
  ...hostileDates
    .filter((date) => typeof date.value === 'string')
    .map((date) => ({
      procedure: 'nhi.list',
      name: `lastUsedAt cursor at ${date.name}`,
      input: { sort: 'lastUsedAt', direction: 'asc', cursor: lastUsedCursor(date.value as string) },
    })),
  ...hostileDates.map((date) => ({
    procedure: 'nhi.import',
    name: `JSON row with lastUsedAt ${date.name}`,
    input: { format: 'json', content: importRow({ lastUsedAt: date.value }), skipInvalid: true },
  })),
  ...hostileDates.map((date) => ({
    procedure: 'nhi.import',
    name: `JSON row with a credential expiring ${date.name}`,
    input: {
      format: 'json',
      content: importRow({ credentials: [{ kind: 'access_key', status: 'active', expiresAt: date.value }] }),
    },
  })),
  ...hostileStrings.map((text) => ({
    procedure: 'nhi.import',
    name: `JSON row named ${text.name}`,
    input: { format: 'json', content: importRow({ name: text.value, description: text.value }) },
  })),
  {
    procedure: 'nhi.import',
    name: 'CSV row with a NUL byte',
    input: {
      format: 'csv',
      content: 'kind,provider,externalId,name\nservice_account,aws,fuzz-csv,a\u0000b\n',
    },
  },
  {
    procedure: 'nhi.import',
    name: 'CSV row with a lone surrogate',
    input: {
      format: 'csv',
      content: 'kind,provider,externalId,name\nservice_account,aws,fuzz-csv,a\ud800b\n',
    },
  },
  {
    procedure: 'nhi.import',
    name: 'CSV with an unterminated quote',
    input: { format: 'csv', content: 'kind,provider,externalId,name\n"service_account,aws,x,y\n' },
  },
  {
    procedure: 'nhi.import',
    name: 'JSON that is not an array',
    input: { format: 'json', content: '{"a":1}' },
  },
  { procedure: 'nhi.import', name: 'JSON row that is null', input: { format: 'json', content: '[null]' } },
  {
    procedure: 'nhi.import',
    name: 'JSON row with a __proto__ key',
    input: { format: 'json', content: '[{"__proto__":{"name":"x"},"kind":"bot","provider":"aws"}]' },
  },
  {
    procedure: 'scanner.scan.start',
    name: 'upload that is not base64',
    input: {
      sourceId: 'ref:source',
      input: 'aws.credential_report',
      upload: { name: 'x.csv', contentBase64: '%%%' },
    },
  },
  {
    procedure: 'scanner.scan.start',
    name: 'upload of a NUL byte',
    input: {
      sourceId: 'ref:source',
      input: 'aws.credential_report',
      upload: { name: 'x.csv', contentBase64: Buffer.from('\u0000').toString('base64') },
    },
  },
  {
    procedure: 'scanner.source.create',
    name: 'schedule that only looks like cron',
    input: { type: 'aws_iam', name: 'fuzz', schedule: '99 99 99 99 99' },
  },
  {
    procedure: 'platform.tokens.create',
    name: 'expiry at year +275760',
    input: { name: 'fuzz', expiresAt: '+275760-09-13T00:00:00.000Z' },
  },
  {
    procedure: 'alert.rules.configure',
    name: 'unknown rule with a huge threshold',
    input: { ruleId: 'nhi1.unowned', thresholds: { days: 2 ** 53 - 1 } },
  },
];

/**
 * Calls naming another realm's object (`other:<kind>`) next to the caller's own (`ref:<kind>`):
 * each answers exactly as for an id that does not exist, NOT_FOUND unless stated, and changes
 * nothing there. A create naming an owner is refused as a bad owner, as for an unknown user.
 */
export interface CrossRealmCall {
  procedure: string;
  input: unknown;
  answer?: 'NOT_FOUND' | 'BAD_REQUEST';
}

export const crossRealmCalls: readonly CrossRealmCall[] = [
  { procedure: 'nhi.get', input: { id: 'other:nhi' } },
  { procedure: 'nhi.history', input: { id: 'other:nhi' } },
  { procedure: 'nhi.audit', input: { id: 'other:nhi' } },
  { procedure: 'nhi.update', input: { id: 'other:nhi', expectedVersion: 1, changes: { name: 'taken' } } },
  { procedure: 'nhi.delete', input: { id: 'other:nhi' } },
  { procedure: 'nhi.restore', input: { id: 'other:nhi' } },
  { procedure: 'nhi.credential.add', input: { nhiId: 'other:nhi', kind: 'token', secret: 'fuzz-secret' } },
  { procedure: 'nhi.credential.rotate', input: { credentialId: 'other:credential', secret: 'fuzz-secret' } },
  { procedure: 'nhi.credential.revoke', input: { credentialId: 'other:credential' } },
  { procedure: 'nhi.bulkUpdate', input: { ids: ['other:nhi'], environment: 'staging' } },
  {
    procedure: 'nhi.create',
    input: { kind: 'bot', provider: 'aws', externalId: 'x', name: 'x', ownerUserId: 'other:userId' },
    answer: 'BAD_REQUEST',
  },
  {
    procedure: 'nhi.create',
    input: { kind: 'bot', provider: 'aws', externalId: 'y', name: 'y', ownerGroupId: 'other:group' },
    answer: 'BAD_REQUEST',
  },
  {
    procedure: 'nhi.update',
    input: { id: 'ref:nhi', expectedVersion: 1, force: true, changes: { ownerUserId: 'other:userId' } },
    answer: 'BAD_REQUEST',
  },
  {
    procedure: 'nhi.bulkUpdate',
    input: { ids: ['ref:nhi'], ownerUserId: 'other:userId' },
    answer: 'BAD_REQUEST',
  },
  { procedure: 'policy.group', input: { groupId: 'other:group' } },
  { procedure: 'policy.moveGroup', input: { groupId: 'other:group', parentId: null } },
  { procedure: 'policy.moveGroup', input: { groupId: 'ref:group', parentId: 'other:group' } },
  { procedure: 'policy.createGroup', input: { parentId: 'other:group', name: 'child' } },
  { procedure: 'policy.deleteGroup', input: { groupId: 'other:group' } },
  { procedure: 'policy.addMember', input: { groupId: 'other:group', userId: 'ref:userId' } },
  { procedure: 'policy.addMember', input: { groupId: 'ref:group', userId: 'other:userId' } },
  { procedure: 'policy.removeMember', input: { groupId: 'other:group', userId: 'other:userId' } },
  {
    procedure: 'policy.updatePolicy',
    input: { policyId: 'other:policy', name: 'taken', permissions: ['nhi:read'] },
  },
  { procedure: 'policy.deletePolicy', input: { policyId: 'other:policy' } },
  { procedure: 'policy.assign', input: { policyId: 'other:policy', groupId: 'ref:group', reason: 'cross' } },
  { procedure: 'policy.assign', input: { policyId: 'ref:policy', groupId: 'other:group', reason: 'cross' } },
  { procedure: 'policy.revoke', input: { assignmentId: 'other:assignment' } },
  { procedure: 'policy.explain', input: { userId: 'other:userId', permission: 'nhi:read' } },
  { procedure: 'policy.whatCan', input: { userId: 'other:userId' } },
  { procedure: 'policy.accessPage', input: { userId: 'other:userId' } },
  { procedure: 'scanner.source.get', input: { id: 'other:source' } },
  { procedure: 'scanner.source.update', input: { id: 'other:source', name: 'taken' } },
  { procedure: 'scanner.source.delete', input: { id: 'other:source' } },
  {
    procedure: 'scanner.scan.start',
    input: {
      sourceId: 'other:source',
      input: 'aws.credential_report',
      upload: { name: 'r.csv', contentBase64: Buffer.from('user,arn\n').toString('base64') },
    },
  },
  { procedure: 'scanner.scan.get', input: { id: 'other:scan' } },
  { procedure: 'scanner.scan.diff', input: { id: 'other:scan' } },
  { procedure: 'scanner.scan.cancel', input: { id: 'other:scan' } },
  { procedure: 'alert.get', input: { id: 'other:alert' } },
  { procedure: 'alert.acknowledge', input: { ids: ['other:alert'] } },
  { procedure: 'alert.resolve', input: { ids: ['other:alert'] } },
  {
    procedure: 'alert.suppress',
    input: { ids: ['other:alert'], reason: 'cross realm', until: '2027-01-01T00:00:00.000Z' },
  },
  { procedure: 'alert.risk', input: { nhiId: 'other:nhi' } },
  { procedure: 'alert.assign', input: { id: 'other:alert', assigneeId: null } },
  { procedure: 'alert.assign', input: { id: 'ref:alert', assigneeId: 'other:userId' } },
  { procedure: 'alert.comments.list', input: { id: 'other:alert' } },
  { procedure: 'alert.comments.add', input: { id: 'other:alert', body: 'cross realm' } },
  { procedure: 'alert.channels.update', input: { id: 'other:channel', name: 'taken' } },
  { procedure: 'alert.channels.test', input: { id: 'other:channel' } },
  { procedure: 'alert.channels.delete', input: { id: 'other:channel' } },
  { procedure: 'alert.deliveries.retry', input: { ids: ['other:delivery'] } },
  { procedure: 'platform.tokens.revoke', input: { id: 'other:token' } },
  { procedure: 'platform.scimTokens.revoke', input: { id: 'other:scimToken' } },
  { procedure: 'platform.users.disable', input: { userId: 'other:userId' } },
  { procedure: 'platform.users.enable', input: { userId: 'other:userId' } },
  { procedure: 'platform.users.resetPassword', input: { userId: 'other:userId' } },
  { procedure: 'platform.users.setRole', input: { userId: 'other:userId', role: 'viewer' } },
  { procedure: 'platform.users.remove', input: { userId: 'other:userId' } },
];

/** serverFn GET parameters: what a `payload=` can hold instead of Start's serialization. */
export const hostilePayloadParams: readonly HostileCase<string>[] = [
  { name: 'payload not JSON', value: 'payload=%7B' },
  { name: 'payload JSON null', value: 'payload=null' },
  { name: 'payload empty object', value: 'payload=%7B%7D' },
  { name: 'payload with bad percent-encoding', value: 'payload=%E0%A4%A' },
  { name: 'payload of 100,000 characters', value: `payload=${'x'.repeat(100_000)}` },
];

/** The same unknown id in every field name that names one object, so id-taking inputs parse. */
export const everyIdField = Object.fromEntries(
  [
    'id',
    'nhiId',
    'credentialId',
    'groupId',
    'userId',
    'policyId',
    'assignmentId',
    'sourceId',
    'channelId',
  ].map((field) => [field, unknownId]),
);

/**
 * serverFn calls of the right shape carrying hostile values, by the serverFn's name. `status`,
 * when given, is the answer expected (an unknown id is 404 through a serverFn as through tRPC);
 * every other call must only avoid a server error and a leak.
 */
export interface ServerFnCall {
  name: string;
  case: string;
  data: unknown;
  status?: number;
}

const unknownFor = (name: string, data: unknown): ServerFnCall => ({
  name,
  case: 'unknown id',
  data,
  status: 404,
});

export const serverFnCalls: readonly ServerFnCall[] = [
  unknownFor('getNhiPage', { id: unknownId }),
  unknownFor('updateNhi', { id: unknownId, expectedVersion: 1, changes: { name: 'x' } }),
  unknownFor('deleteNhi', { id: unknownId }),
  unknownFor('restoreNhi', { id: unknownId }),
  unknownFor('addCredential', { nhiId: unknownId, kind: 'token', secret: 'fuzz-secret' }),
  unknownFor('rotateCredential', { credentialId: unknownId }),
  unknownFor('revokeCredential', { credentialId: unknownId }),
  unknownFor('getAlertPage', { id: unknownId }),
  unknownFor('getNhiRisk', { nhiId: unknownId }),
  unknownFor('assignAlert', { id: unknownId, assigneeId: null }),
  unknownFor('listAlertComments', { id: unknownId }),
  unknownFor('addAlertComment', { id: unknownId, body: 'fuzz' }),
  unknownFor('updateAlertChannel', { id: unknownId, name: 'x' }),
  unknownFor('deleteAlertChannel', { id: unknownId }),
  unknownFor('testAlertChannel', { id: unknownId }),
  unknownFor('updateSource', { id: unknownId, name: 'x' }),
  unknownFor('deleteSource', { id: unknownId }),
  unknownFor('getScan', { id: unknownId }),
  unknownFor('cancelScan', { id: unknownId }),
  unknownFor('movePolicyGroup', { groupId: unknownId, parentId: null }),
  unknownFor('deletePolicyGroup', { groupId: unknownId }),
  unknownFor('addGroupMember', { groupId: unknownId, userId: unknownId }),
  unknownFor('updateCustomPolicy', { policyId: unknownId, name: 'x', permissions: ['nhi:read'] }),
  unknownFor('deleteCustomPolicy', { policyId: unknownId }),
  unknownFor('assignPolicy', { policyId: unknownId, groupId: unknownId, reason: 'fuzz' }),
  unknownFor('revokeAssignment', { assignmentId: unknownId }),
  unknownFor('revokeToken', { id: unknownId }),
  unknownFor('revokeScimToken', { id: unknownId }),
  unknownFor('setUserRole', { userId: unknownId, role: 'viewer' }),
  unknownFor('removeUser', { userId: unknownId }),
  ...hostileStrings.map((text) => ({
    name: 'createNhi',
    case: `name = ${text.name}`,
    data: {
      kind: 'bot',
      provider: 'aws',
      externalId: `fuzz-${text.name}`,
      name: text.value,
      description: text.value,
    },
  })),
  ...hostileDates.map((date) => ({
    name: 'createNhi',
    case: `lastUsedAt = ${date.name}`,
    data: {
      kind: 'bot',
      provider: 'aws',
      externalId: `fuzz-date-${date.name}`,
      name: 'fuzz',
      lastUsedAt: date.value,
    },
  })),
  ...hostileDates.map((date) => ({
    name: 'suppressAlerts',
    case: `until = ${date.name}`,
    data: { ids: [unknownId], reason: 'fuzz reason', until: date.value },
  })),
  ...hostileCursors.map((cursor) => ({
    name: 'listNhis',
    case: `cursor = ${cursor.name}`,
    data: { cursor: cursor.value },
  })),
  ...hostileStrings.map((text) => ({ name: 'listNhis', case: `q = ${text.name}`, data: { q: text.value } })),
  ...hostileDates.map((date) => ({
    name: 'importNhis',
    case: `JSON row with lastUsedAt ${date.name}`,
    data: { format: 'json', content: importRow({ lastUsedAt: date.value }), skipInvalid: true },
  })),
  ...hostileStrings.map((text) => ({
    name: 'createSource',
    case: `name = ${text.name}`,
    data: { type: 'aws_iam', name: text.value, settings: { region: text.value } },
  })),
  ...hostileStrings.map((text) => ({
    name: 'createPolicyGroup',
    case: `name = ${text.name}`,
    data: { name: text.value, description: text.value },
  })),
  ...hostileStrings.map((text) => ({
    name: 'login',
    case: `email = ${text.name}`,
    data: { email: text.value, password: text.value },
  })),
  { name: 'switchRealm', case: 'realm that does not exist', data: { slug: 'no-such-realm' } },
  { name: 'switchRealm', case: 'slug with NUL', data: { slug: '\u0000' } },
  {
    name: 'createToken',
    case: 'expiry at year +275760',
    data: { name: 'fuzz', expiresAt: '+275760-09-13T00:00:00.000Z' },
  },
];
