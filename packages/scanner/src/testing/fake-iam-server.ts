import http from 'node:http';
import type { AddressInfo } from 'node:net';

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The AWS query protocol's XML: lists as <member> elements, fields as elements. */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value))
    return `<${name}>${value.map((item) => toXml('member', item)).join('')}</${name}>`;
  if (typeof value === 'object')
    return `<${name}>${Object.entries(value)
      .map(([key, entry]) => toXml(key, entry))
      .join('')}</${name}>`;
  return `<${name}>${xmlText(String(value))}</${name}>`;
}

export interface FakeIamAccount {
  credentialReportCsv: string;
  /** Pages of GetAccountAuthorizationDetails, with policy documents URL-encoded as AWS sends them. */
  authorizationPages: Record<string, unknown>[];
  accessKeyId: string;
  /** ListAccessKeys per user name, served one key per page to exercise Marker pagination. */
  accessKeys?: Record<string, { AccessKeyId: string; Status: 'Active' | 'Inactive'; CreateDate: string }[]>;
  /** GetAccessKeyLastUsed per key id; a key not named here was never used (`N/A`). */
  lastUsed?: Record<string, { LastUsedDate: string; ServiceName: string; Region: string }>;
  /** Actions the account's key may not call: answered with IAM's AccessDenied. */
  denied?: string[];
  /** IAM access advisor per principal ARN: the services it may call, with their last call when made. */
  serviceLastAccessed?: Record<string, { ServiceNamespace: string; LastAuthenticated?: string }[]>;
  /** A report generated in the last four hours: GenerateCredentialReport answers COMPLETE at once. */
  reportReady?: boolean;
  /** Actions answered with IAM's Throttling error every time (the SDK's retries run out). */
  throttled?: string[];
}

const iamNamespace = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** The users whose report row says they have a console password (a login profile). */
function usersWithPassword(csv: string): Set<string> {
  const [header = '', ...rows] = csv.split('\n');
  const column = header.split(',').indexOf('password_enabled');
  return new Set(
    rows.map((row) => row.split(',')).flatMap((cells) => (cells[column] === 'true' ? [cells[0] ?? ''] : [])),
  );
}

/** The report as IAM would generate it now: users whose login profile was deleted have no password. */
function currentReport(csv: string, withPassword: ReadonlySet<string>): string {
  const [header = '', ...rows] = csv.split('\n');
  const column = header.split(',').indexOf('password_enabled');
  const current = rows.map((row) => {
    const cells = row.split(',');
    if (cells[column] === 'true' && !withPassword.has(cells[0] ?? '')) cells[column] = 'false';
    return cells.join(',');
  });
  return [header, ...current].join('\n');
}

/**
 * A local IAM endpoint speaking the query protocol the SDK uses: signed POSTs with an Action, XML answers,
 * Marker/IsTruncated pagination. Requests not signed with the account's key get AWS's own error.
 * UpdateAccessKey, DeleteAccessKey and DeleteLoginProfile change the account, so a later scan sees them.
 */
export async function startFakeIam(account: FakeIamAccount) {
  const iam = fakeIamHandler(account);
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => iam.handle(request, response, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: iam.requests,
    forms: iam.forms,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One account's IAM, for servers that answer several accounts (an organization) on one endpoint. */
export function fakeIamHandler(account: FakeIamAccount) {
  const requests: string[] = [];
  /** Every request's form, for tests that check what was sent (and that no secret was). */
  const forms: URLSearchParams[] = [];
  const withPassword = usersWithPassword(account.credentialReportCsv);
  const advisorJobs: string[] = [];
  let reportPolls = 0;
  const handle = (request: http.IncomingMessage, response: http.ServerResponse, body: string) => {
    const form = new URLSearchParams(body);
    const action = form.get('Action') ?? '';
    requests.push(action);
    forms.push(form);
    const requestId = `r-${requests.length}`;
    const send = (status: number, xml: string) => {
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId });
      response.end(xml);
    };
    const fail = (status: number, code: string, message: string) =>
      send(
        status,
        `<ErrorResponse xmlns="${iamNamespace}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    const auth = request.headers.authorization ?? '';
    if (!auth.startsWith('AWS4-HMAC-SHA256') || !auth.includes(`Credential=${account.accessKeyId}/`)) {
      send(
        403,
        '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>',
      );
      return;
    }
    const answer = (result?: unknown) =>
      send(
        200,
        `<${action}Response xmlns="${iamNamespace}">${toXml(`${action}Result`, result)}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    const userName = form.get('UserName') ?? '';
    if (account.throttled?.includes(action)) {
      fail(400, 'Throttling', 'Rate exceeded');
    } else if (account.denied?.includes(action)) {
      fail(
        403,
        'AccessDenied',
        `User: arn:aws:iam::111122223333:user/nhi-hub is not authorized to perform: iam:${action} on resource: user ${userName} because no identity-based policy allows the iam:${action} action`,
      );
    } else if (action === 'UpdateAccessKey' || action === 'DeleteAccessKey') {
      const keys = account.accessKeys?.[userName] ?? [];
      const index = keys.findIndex((key) => key.AccessKeyId === form.get('AccessKeyId'));
      const key = keys[index];
      if (!key)
        fail(404, 'NoSuchEntity', `The Access Key with id ${form.get('AccessKeyId')} cannot be found.`);
      else {
        if (action === 'DeleteAccessKey') keys.splice(index, 1);
        else key.Status = form.get('Status') === 'Active' ? 'Active' : 'Inactive';
        answer();
      }
    } else if (action === 'GetAccessKeyLastUsed') {
      const keyId = form.get('AccessKeyId') ?? '';
      const owner = Object.entries(account.accessKeys ?? {}).find(([, keys]) =>
        keys.some((key) => key.AccessKeyId === keyId),
      );
      answer({
        UserName: owner?.[0],
        AccessKeyLastUsed: account.lastUsed?.[keyId] ?? { ServiceName: 'N/A', Region: 'N/A' },
      });
    } else if (action === 'GenerateServiceLastAccessedDetails') {
      advisorJobs.push(form.get('Arn') ?? '');
      answer({ JobId: `job-${advisorJobs.length - 1}` });
    } else if (action === 'GetServiceLastAccessedDetails') {
      const arn = advisorJobs[Number((form.get('JobId') ?? '').replace('job-', ''))];
      if (arn === undefined) fail(404, 'NoSuchEntity', `No job with id ${form.get('JobId')}`);
      else
        answer({
          JobStatus: 'COMPLETED',
          JobType: 'SERVICE_LEVEL',
          JobCreationDate: '2026-11-01T00:00:00Z',
          JobCompletionDate: '2026-11-01T00:00:01Z',
          ServicesLastAccessed: (account.serviceLastAccessed?.[arn] ?? []).map((service) => ({
            ServiceName: service.ServiceNamespace,
            TotalAuthenticatedEntities: service.LastAuthenticated ? 1 : 0,
            ...service,
          })),
          IsTruncated: false,
        });
    } else if (action === 'DeleteLoginProfile') {
      if (!withPassword.delete(userName))
        fail(404, 'NoSuchEntity', `Login Profile for User ${userName} cannot be found.`);
      else answer();
    } else if (action === 'GenerateCredentialReport') {
      reportPolls += 1;
      answer({
        State: reportPolls > 1 || account.reportReady ? 'COMPLETE' : 'STARTED',
        Description: 'report',
      });
    } else if (action === 'GetCredentialReport') {
      answer({
        Content: Buffer.from(currentReport(account.credentialReportCsv, withPassword)).toString('base64'),
        ReportFormat: 'text/csv',
        GeneratedTime: '2026-11-01T00:00:00Z',
      });
    } else if (action === 'GetAccountAuthorizationDetails') {
      const index = Number(form.get('Marker') ?? 0);
      const page = account.authorizationPages[index] ?? {};
      const more = index + 1 < account.authorizationPages.length;
      answer({ ...page, IsTruncated: more, ...(more ? { Marker: String(index + 1) } : {}) });
    } else if (action === 'ListAccessKeys') {
      const userName = form.get('UserName') ?? '';
      const keys = account.accessKeys?.[userName];
      if (!keys) {
        send(
          404,
          `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name ${xmlText(userName)} cannot be found.</Message></Error></ErrorResponse>`,
        );
        return;
      }
      const index = Number(form.get('Marker') ?? 0);
      const more = index + 1 < keys.length;
      answer({
        AccessKeyMetadata: keys.slice(index, index + 1).map((key) => ({ UserName: userName, ...key })),
        IsTruncated: more,
        ...(more ? { Marker: String(index + 1) } : {}),
      });
    } else {
      send(
        400,
        `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${xmlText(action)}</Message></Error></ErrorResponse>`,
      );
    }
  };
  return { handle, requests, forms };
}
