import type { FakeMemberAccount } from './fake-aws-organization-server.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** The services the `app` role is granted (`<service>:*` on `*`): enough for access advisor to judge. */
export const appRoleServices = [
  's3',
  'ec2',
  'lambda',
  'dynamodb',
  'sqs',
  'sns',
  'logs',
  'kms',
  'rds',
  'ecr',
  'ecs',
  'cloudwatch',
];

export interface MemberIamOptions {
  /** Machine users besides `deployer` (each with one key and read-only S3), for volume. */
  extraUsers?: number;
  /** Access advisor's view of the `app` role: namespace to last call (ISO), absent when never called. */
  appServicesUsed?: Record<string, string>;
  /** GetAccessKeyLastUsed of deployer's key; never used when absent. */
  deployerKeyLastUsed?: string;
}

/** Deployer's key id in an account: `AKIA`, the account, `DEP1`. */
export const deployerKeyOf = (accountId: string) => `AKIA${accountId}DEP1`;

/**
 * One member account's IAM: `deployer` (AdministratorAccess, one key the report says was never used)
 * and `app` (a dozen whole services), as ListAccounts' account would hold them.
 */
export function memberIam(accountId: string, options: MemberIamOptions = {}): FakeMemberAccount['iam'] {
  const users = ['deployer', ...Array.from({ length: options.extraUsers ?? 0 }, (_, i) => `svc-${i}`)];
  const arnOf = (name: string) => `arn:aws:iam::${accountId}:user/${name}`;
  const keyOf = (name: string, index: number) =>
    name === 'deployer' ? deployerKeyOf(accountId) : `AKIA${accountId}${String(index).padStart(4, '0')}`;
  const appArn = `arn:aws:iam::${accountId}:role/app`;
  return {
    reportReady: true,
    credentialReportCsv: [
      header,
      ...users.map(
        (name) =>
          `${name},${arnOf(name)},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
      ),
    ].join('\n'),
    authorizationPages: [
      {
        UserDetailList: users.map((name) => ({
          UserName: name,
          UserId: `AIDA${accountId}${name.toUpperCase()}`,
          Arn: arnOf(name),
          CreateDate: '2024-01-01T00:00:00Z',
          GroupList: [],
          UserPolicyList:
            name === 'deployer'
              ? []
              : [
                  {
                    PolicyName: 'read',
                    PolicyDocument: encodeURIComponent(
                      JSON.stringify({
                        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
                      }),
                    ),
                  },
                ],
          AttachedManagedPolicies:
            name === 'deployer'
              ? [
                  {
                    PolicyName: 'AdministratorAccess',
                    PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
                  },
                ]
              : [],
        })),
      },
      {
        RoleDetailList: [
          {
            RoleName: 'app',
            Arn: appArn,
            CreateDate: '2024-02-01T00:00:00Z',
            AssumeRolePolicyDocument: encodeURIComponent(
              JSON.stringify({
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: { Service: 'ecs-tasks.amazonaws.com' },
                    Action: 'sts:AssumeRole',
                  },
                ],
              }),
            ),
            RolePolicyList: [
              {
                PolicyName: 'services',
                PolicyDocument: encodeURIComponent(
                  JSON.stringify({
                    Statement: [
                      {
                        Effect: 'Allow',
                        Action: appRoleServices.map((service) => `${service}:Get*`),
                        Resource: '*',
                      },
                    ],
                  }),
                ),
              },
            ],
            AttachedManagedPolicies: [],
          },
        ],
      },
    ],
    accessKeys: Object.fromEntries(
      users.map((name, index) => [
        name,
        [{ AccessKeyId: keyOf(name, index), Status: 'Active' as const, CreateDate: '2024-01-02T00:00:00Z' }],
      ]),
    ),
    lastUsed: options.deployerKeyLastUsed
      ? {
          [deployerKeyOf(accountId)]: {
            LastUsedDate: options.deployerKeyLastUsed,
            ServiceName: 's3',
            Region: 'us-east-1',
          },
        }
      : {},
    serviceLastAccessed: {
      [appArn]: appRoleServices.map((service) => ({
        ServiceNamespace: service,
        ...(options.appServicesUsed?.[service]
          ? { LastAuthenticated: options.appServicesUsed[service] }
          : {}),
      })),
    },
  };
}
