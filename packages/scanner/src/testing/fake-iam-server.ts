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
}

/**
 * A local IAM endpoint speaking the query protocol the SDK uses: signed POSTs with an Action, XML answers,
 * Marker/IsTruncated pagination. Requests not signed with the account's key get AWS's own error.
 */
export async function startFakeIam(account: FakeIamAccount) {
  const requests: string[] = [];
  let reportPolls = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? '';
      requests.push(action);
      const send = (status: number, xml: string) => {
        response.writeHead(status, { 'content-type': 'text/xml' });
        response.end(xml);
      };
      const auth = request.headers.authorization ?? '';
      if (!auth.startsWith('AWS4-HMAC-SHA256') || !auth.includes(`Credential=${account.accessKeyId}/`)) {
        send(
          403,
          '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>',
        );
        return;
      }
      const answer = (result: unknown) =>
        send(
          200,
          `<${action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">${toXml(`${action}Result`, result)}<ResponseMetadata><RequestId>r-${requests.length}</RequestId></ResponseMetadata></${action}Response>`,
        );
      if (action === 'GenerateCredentialReport') {
        reportPolls += 1;
        answer({ State: reportPolls > 1 ? 'COMPLETE' : 'STARTED', Description: 'report' });
      } else if (action === 'GetCredentialReport') {
        answer({
          Content: Buffer.from(account.credentialReportCsv).toString('base64'),
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
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
