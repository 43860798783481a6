import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeIamAccount, fakeIamHandler, toXml } from './fake-iam-server.ts';

export interface FakeMemberAccount {
  id: string;
  name: string;
  /** ListAccounts' State (and the older Status it replaces); ACTIVE unless said. */
  state?: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
  /** The root or OU the account sits in. */
  parent: string;
  /** What the account's IAM holds; its access key is the session's, given by AssumeRole. */
  iam: Omit<FakeIamAccount, 'accessKeyId'>;
  /** AssumeRole into the account is answered with AccessDenied (the role is missing or trusts nobody). */
  refusesAssumeRole?: boolean;
}

export interface FakeOrganization {
  /** The management account's access key: Organizations and STS answer only it. */
  accessKeyId: string;
  managementAccountId: string;
  rootId: string;
  /** OUs with their parent (the root or another OU). */
  organizationalUnits?: { id: string; parent: string }[];
  /** Service control policies with the roots, OUs and accounts they are attached to. */
  policies?: { id: string; name: string; content: unknown; targets: string[] }[];
  accounts: FakeMemberAccount[];
  /** The ExternalId each member role's trust policy requires; absent: none is required. */
  externalId?: string;
  /** Accounts per ListAccounts page (the real maximum is 20), to exercise NextToken. */
  pageSize?: number;
  /** Delay before every answer, as a network round trip would add. */
  latencyMs?: number;
}

const stsNamespace = 'https://sts.amazonaws.com/doc/2011-06-15/';
const sessionKeyOf = (accountId: string) => `ASIA${accountId}SESS`;
/** Random-looking, as AWS's are: a test can tell them apart from anything else in the output. */
const sessionSecret = (kind: string, accountId: string) =>
  createHash('sha256').update(`${kind}:${accountId}`).digest('base64');
export const sessionTokenOf = (accountId: string) => sessionSecret('token', accountId);
export const sessionSecretKeyOf = (accountId: string) => sessionSecret('secret', accountId);

/**
 * AWS Organizations (JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.*`, NextToken pagination),
 * STS AssumeRole (query protocol, XML) and each member account's IAM (query protocol, signed with the
 * session's key and token) on one local endpoint, as the SDK clients reach them with `endpoint` set.
 */
export async function startFakeAwsOrganization(organization: FakeOrganization) {
  const organizationRequests: { operation: string; body: Record<string, unknown> }[] = [];
  const assumeRoleForms: URLSearchParams[] = [];
  const iamByAccount = new Map<string, ReturnType<typeof fakeIamHandler>>();
  /** Accounts whose IAM answers wait until the test lets them go. */
  const held = new Map<string, Promise<void>>();
  const iamOf = (account: FakeMemberAccount) => {
    let handler = iamByAccount.get(account.id);
    if (!handler) {
      handler = fakeIamHandler({ ...account.iam, accessKeyId: sessionKeyOf(account.id) });
      iamByAccount.set(account.id, handler);
    }
    return handler;
  };

  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const reply = () => {
        const auth = request.headers.authorization ?? '';
        const target = String(request.headers['x-amz-target'] ?? '');
        const management =
          auth.startsWith('AWS4-HMAC-SHA256') && auth.includes(`Credential=${organization.accessKeyId}/`);
        if (target.startsWith('AWSOrganizationsV20161128.')) {
          const operation = target.slice('AWSOrganizationsV20161128.'.length);
          const input = JSON.parse(body || '{}') as Record<string, unknown>;
          organizationRequests.push({ operation, body: input });
          if (!management)
            return jsonError(
              response,
              'UnrecognizedClientException',
              'The security token included in the request is invalid.',
            );
          return organizations(response, organization, operation, input);
        }
        const form = new URLSearchParams(body);
        if (form.get('Action') === 'AssumeRole') {
          assumeRoleForms.push(form);
          if (!management)
            return xmlError(
              response,
              403,
              'InvalidClientTokenId',
              'The security token included in the request is invalid.',
            );
          return assumeRole(response, organization, form);
        }
        const account = organization.accounts.find((candidate) =>
          auth.includes(`Credential=${sessionKeyOf(candidate.id)}/`),
        );
        if (account && request.headers['x-amz-security-token'] !== sessionTokenOf(account.id))
          return xmlError(
            response,
            403,
            'InvalidClientTokenId',
            'The security token included in the request is invalid.',
          );
        if (!account)
          return xmlError(
            response,
            403,
            'InvalidClientTokenId',
            'The security token included in the request is invalid.',
          );
        const answer = () => iamOf(account).handle(request, response, body);
        const hold = held.get(account.id);
        if (hold) void hold.then(answer);
        else answer();
      };
      if (organization.latencyMs) setTimeout(reply, organization.latencyMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    organizationRequests,
    assumeRoleForms,
    /**
     * Holds the answers to an account's IAM requests (as a slow account would) until the returned
     * release is called; the requests themselves are received as usual.
     */
    hold: (accountId: string) => {
      let release = () => {};
      held.set(
        accountId,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return () => {
        held.delete(accountId);
        release();
      };
    },
    /** The IAM actions each account was asked, in order. */
    iamRequests: (accountId: string) => iamByAccount.get(accountId)?.requests ?? [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function jsonError(response: http.ServerResponse, type: string, message: string) {
  response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': type });
  response.end(JSON.stringify({ __type: type, Message: message }));
}

function xmlError(response: http.ServerResponse, status: number, code: string, message: string) {
  response.writeHead(status, { 'content-type': 'text/xml' });
  response.end(
    `<ErrorResponse xmlns="${stsNamespace}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
  );
}

/** One page of a list and the NextToken of the next (an index, opaque to the client). */
function page<T>(items: T[], token: unknown, size: number) {
  const start = Number(token ?? 0);
  const next = start + size < items.length ? String(start + size) : undefined;
  return { items: items.slice(start, start + size), ...(next ? { NextToken: next } : {}) };
}

function organizations(
  response: http.ServerResponse,
  organization: FakeOrganization,
  operation: string,
  input: Record<string, unknown>,
) {
  const ok = (result: unknown) => {
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(result));
  };
  const policies = organization.policies ?? [];
  const parentOf = (child: string) =>
    organization.accounts.find((account) => account.id === child)?.parent ??
    organization.organizationalUnits?.find((unit) => unit.id === child)?.parent;
  switch (operation) {
    case 'DescribeOrganization':
      return ok({
        Organization: {
          Id: 'o-exampleorgid',
          Arn: `arn:aws:organizations::${organization.managementAccountId}:organization/o-exampleorgid`,
          FeatureSet: 'ALL',
          MasterAccountId: organization.managementAccountId,
          MasterAccountArn: `arn:aws:organizations::${organization.managementAccountId}:account/o-exampleorgid/${organization.managementAccountId}`,
          MasterAccountEmail: 'management@example.com',
        },
      });
    case 'ListAccounts': {
      const { items, ...next } = page(organization.accounts, input.NextToken, organization.pageSize ?? 20);
      return ok({
        Accounts: items.map((account) => ({
          Id: account.id,
          Arn: `arn:aws:organizations::${organization.managementAccountId}:account/o-exampleorgid/${account.id}`,
          Email: `${account.name}@example.com`,
          Name: account.name,
          State: account.state ?? 'ACTIVE',
          Status: account.state === 'SUSPENDED' || account.state === 'CLOSED' ? 'SUSPENDED' : 'ACTIVE',
          JoinedMethod: 'CREATED',
          JoinedTimestamp: 1_700_000_000,
        })),
        ...next,
      });
    }
    case 'ListParents': {
      const child = String(input.ChildId ?? '');
      const parent = parentOf(child);
      if (!parent)
        return jsonError(response, 'ChildNotFoundException', `We can't find a child with ID ${child}.`);
      return ok({
        Parents: [{ Id: parent, Type: parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }],
      });
    }
    case 'ListPoliciesForTarget': {
      if (input.Filter !== 'SERVICE_CONTROL_POLICY')
        return jsonError(response, 'InvalidInputException', 'You provided an invalid filter.');
      const attached = policies.filter((policy) => policy.targets.includes(String(input.TargetId)));
      const { items, ...next } = page(attached, input.NextToken, 1);
      return ok({
        Policies: items.map((policy) => ({
          Id: policy.id,
          Arn: `arn:aws:organizations::${organization.managementAccountId}:policy/o-exampleorgid/service_control_policy/${policy.id}`,
          Name: policy.name,
          Type: 'SERVICE_CONTROL_POLICY',
          AwsManaged: policy.id === 'p-FullAWSAccess',
        })),
        ...next,
      });
    }
    case 'DescribePolicy': {
      const policy = policies.find((candidate) => candidate.id === input.PolicyId);
      if (!policy)
        return jsonError(
          response,
          'PolicyNotFoundException',
          `We can't find a policy with the PolicyId that you specified.`,
        );
      return ok({
        Policy: {
          PolicySummary: { Id: policy.id, Name: policy.name, Type: 'SERVICE_CONTROL_POLICY' },
          Content: JSON.stringify(policy.content),
        },
      });
    }
    default:
      return jsonError(response, 'UnknownOperationException', `${operation} is not known here`);
  }
}

function assumeRole(response: http.ServerResponse, organization: FakeOrganization, form: URLSearchParams) {
  const roleArn = form.get('RoleArn') ?? '';
  const account = organization.accounts.find((candidate) =>
    roleArn.startsWith(`arn:aws:iam::${candidate.id}:role/`),
  );
  const refused =
    !account ||
    account.refusesAssumeRole ||
    (organization.externalId !== undefined && form.get('ExternalId') !== organization.externalId);
  if (refused || !account)
    return xmlError(
      response,
      403,
      'AccessDenied',
      `User: arn:aws:iam::${organization.managementAccountId}:user/nhi-hub is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  response.writeHead(200, { 'content-type': 'text/xml' });
  response.end(
    `<AssumeRoleResponse xmlns="${stsNamespace}">${toXml('AssumeRoleResult', {
      Credentials: {
        AccessKeyId: sessionKeyOf(account.id),
        SecretAccessKey: sessionSecretKeyOf(account.id),
        SessionToken: sessionTokenOf(account.id),
        Expiration: new Date(Date.now() + 3_600_000).toISOString(),
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROA${account.id}:${form.get('RoleSessionName')}`,
        Arn: `arn:aws:sts::${account.id}:assumed-role/${roleArn.split('/').pop()}/${form.get('RoleSessionName')}`,
      },
    })}<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  );
}
