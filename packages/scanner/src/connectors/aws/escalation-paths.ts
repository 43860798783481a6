/**
 * The documented ways an AWS principal gives itself more than it has: each a combination of actions
 * that must all be allowed, sometimes on a particular kind of resource. Sources: Rhino Security Labs'
 * 21 IAM privilege escalation methods (Spencer Gietzen, parts 1 and 2) and the 31 paths of BishopFox's
 * iam-vulnerable (BSD-3, its README and privesc-paths module name each path's permissions).
 * Each path's `aliases` are the published catalogues' own names for it: iam-vulnerable's path name and
 * profile name (`IAM-CreateNewPolicyVersion`, `privesc1`) and Rhino's method number (`rhino-1`; the
 * iam-vulnerable profiles privesc1-21 are Rhino's methods 1-21 in the same order).
 */

/** What the resource of the path must be, beyond "allowed on something". */
export type EscalationTarget =
  /** iam:PassRole on a role the service trusts that is more privileged than the principal. */
  | 'passRole'
  /** On an IAM user other than the principal itself (a user's own keys are no escalation). */
  | 'otherUser'
  /** ssm:SendCommand with a document that runs arbitrary commands (AWS-RunShellScript, own documents). */
  | 'commandDocument'
  /** sts:AssumeRole on a role that trusts the principal and is more privileged. */
  | 'assumableRole'
  /**
   * On an IAM user whose permissions the principal holds: itself when it is a user, or a user whose
   * credentials it may create (CreateAccessKey, CreateLoginProfile, UpdateLoginProfile). A role is no
   * user: a policy on a user gives a role nothing unless it can sign in as that user.
   */
  | 'actedUser'
  /**
   * On an IAM group such a user is a member of, or may be added to (AddUserToGroup): a group's
   * policies apply to its members only, and a role can be no member.
   */
  | 'actedUserGroup'
  /** AddUserToGroup: a group such a user is not in yet and whose policies may do more. */
  | 'strongerGroup';

export interface EscalationPath {
  id: string;
  name: string;
  /** All must be allowed; an inner list is a choice (either action does). */
  actions: (string | string[])[];
  target?: EscalationTarget;
  /** The service principal a passed role must trust (and `iam:PassedToService` must allow). */
  service?: string;
  /**
   * Paths that use what a service already runs (a function, an endpoint, an instance): that resource
   * runs as a role of the same account trusting one of these services (execution roles, instance
   * profiles and service roles must be of the resource's account and trust the service). The export
   * does not say which role each resource runs as: the path counts only when such a role of the export
   * may do more than the principal.
   */
  runsAs?: { services: string[]; resources: string };
  /** The published catalogues' names of the path (iam-vulnerable path and profile names, `rhino-N`). */
  aliases: string[];
  explanation: string;
  reference: string;
}

const rhino = 'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/';
const rhino2 = 'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/';
const bishopFox = 'https://bishopfox.com/blog/privilege-escalation-in-aws';
const iamVulnerable = 'https://github.com/BishopFox/iam-vulnerable';

/** iam-vulnerable's path name, its profile name, and Rhino's method number when it is one of the 21. */
const published = (path: string, profile?: string, rhinoMethod?: number) => [
  path,
  ...(profile ? [profile] : []),
  ...(rhinoMethod ? [`rhino-${rhinoMethod}`] : []),
];
const rhinoPath = (path: string, method: number) => published(path, `privesc${method}`, method);

const passRole = (
  id: string,
  name: string,
  service: string,
  actions: (string | string[])[],
  explanation: string,
  reference: string,
  aliases: string[] = [],
): EscalationPath => ({
  id,
  name,
  aliases,
  actions: ['iam:PassRole', ...actions],
  target: 'passRole',
  service,
  explanation: `${explanation} It runs with the passed role's permissions.`,
  reference,
});

export const escalationPaths: readonly EscalationPath[] = [
  // Permissions on policies (Rhino 1, 2, 7-13).
  {
    id: 'iam-create-policy-version',
    name: 'IAM: create a new policy version',
    aliases: rhinoPath('IAM-CreateNewPolicyVersion', 1),
    actions: ['iam:CreatePolicyVersion'],
    explanation:
      'Writes a new default version of a customer managed policy (--set-as-default), e.g. one attached to itself, with any permissions.',
    reference: rhino,
  },
  {
    id: 'iam-set-default-policy-version',
    name: 'IAM: switch to another policy version',
    aliases: rhinoPath('IAM-SetExistingDefaultPolicyVersion', 2),
    actions: ['iam:SetDefaultPolicyVersion'],
    explanation: 'Makes an older, broader version of a managed policy the default one.',
    reference: rhino,
  },
  {
    id: 'iam-attach-user-policy',
    name: 'IAM: attach a managed policy to a user',
    aliases: rhinoPath('IAM-AttachUserPolicy', 7),
    target: 'actedUser',
    actions: ['iam:AttachUserPolicy'],
    explanation:
      'Attaches AdministratorAccess (or any managed policy) to itself, or to a user whose credentials it can create.',
    reference: rhino,
  },
  {
    id: 'iam-attach-group-policy',
    name: 'IAM: attach a managed policy to a group',
    aliases: rhinoPath('IAM-AttachGroupPolicy', 8),
    target: 'actedUserGroup',
    actions: ['iam:AttachGroupPolicy'],
    explanation:
      'Attaches AdministratorAccess to a group it (or a user whose credentials it can create) belongs to or may join.',
    reference: rhino,
  },
  {
    id: 'iam-attach-role-policy',
    name: 'IAM: attach a managed policy to a role',
    aliases: rhinoPath('IAM-AttachRolePolicy', 9),
    actions: ['iam:AttachRolePolicy'],
    explanation: 'Attaches AdministratorAccess to a role it uses or can assume.',
    reference: rhino,
  },
  {
    id: 'iam-put-user-policy',
    name: 'IAM: write an inline user policy',
    aliases: rhinoPath('IAM-PutUserPolicy', 10),
    target: 'actedUser',
    actions: ['iam:PutUserPolicy'],
    explanation:
      'Writes an inline policy with any permissions onto itself, or onto a user whose credentials it can create.',
    reference: rhino,
  },
  {
    id: 'iam-put-group-policy',
    name: 'IAM: write an inline group policy',
    aliases: rhinoPath('IAM-PutGroupPolicy', 11),
    target: 'actedUserGroup',
    actions: ['iam:PutGroupPolicy'],
    explanation:
      'Writes an inline policy with any permissions onto a group it (or a user whose credentials it can create) belongs to or may join.',
    reference: rhino,
  },
  {
    id: 'iam-put-role-policy',
    name: 'IAM: write an inline role policy',
    aliases: rhinoPath('IAM-PutRolePolicy', 12),
    actions: ['iam:PutRolePolicy'],
    explanation: 'Writes an inline policy with any permissions onto a role it uses or can assume.',
    reference: rhino,
  },
  {
    id: 'iam-add-user-to-group',
    name: 'IAM: add a user to a group',
    aliases: rhinoPath('IAM-AddUserToGroup', 13),
    target: 'strongerGroup',
    actions: ['iam:AddUserToGroup'],
    explanation:
      'Adds itself (or a user whose credentials it can create) to a group whose policies may do more, e.g. the administrators.',
    reference: rhino,
  },
  // Permissions on other users (Rhino 4-6).
  {
    id: 'iam-create-access-key',
    name: 'IAM: create an access key for another user',
    aliases: rhinoPath('IAM-CreateAccessKey', 4),
    actions: ['iam:CreateAccessKey'],
    target: 'otherUser',
    explanation: 'Creates an access key for another, more privileged user and signs in as that user.',
    reference: rhino,
  },
  {
    id: 'iam-create-login-profile',
    name: 'IAM: create a console password for another user',
    aliases: rhinoPath('IAM-CreateLoginProfile', 5),
    actions: ['iam:CreateLoginProfile'],
    target: 'otherUser',
    explanation: 'Gives a more privileged user without a console password one, then signs in as that user.',
    reference: rhino,
  },
  {
    id: 'iam-update-login-profile',
    name: 'IAM: change another user’s console password',
    aliases: rhinoPath('IAM-UpdateLoginProfile', 6),
    actions: ['iam:UpdateLoginProfile'],
    target: 'otherUser',
    explanation: 'Resets the console password of a more privileged user, then signs in as that user.',
    reference: rhino,
  },
  // Trust policies (Rhino 14) and roles it may assume.
  {
    id: 'iam-update-assume-role-policy',
    name: 'IAM: rewrite a role’s trust policy, then assume it',
    aliases: rhinoPath('IAM-UpdatingAssumeRolePolicy', 14),
    actions: ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'],
    explanation: 'Rewrites the trust policy of a privileged role to trust itself, then assumes the role.',
    reference: rhino,
  },
  {
    id: 'sts-assume-role',
    name: 'STS: assume a more privileged role',
    aliases: published('STS-AssumeRole', 'privesc-assumerole'),
    actions: ['sts:AssumeRole'],
    target: 'assumableRole',
    explanation: 'Assumes a role whose trust policy lets it in and that may do more than itself.',
    reference: iamVulnerable,
  },
  // Passing a role to a service (Rhino 3, 15, 16, 18, 20, 21; BishopFox CodeBuild and SageMaker).
  passRole(
    'ec2-run-instances-pass-role',
    'EC2: launch an instance with an existing instance profile',
    'ec2.amazonaws.com',
    ['ec2:RunInstances'],
    'Launches an instance with a privileged role’s instance profile and reads its credentials from the instance metadata.',
    rhino,
    rhinoPath('EC2-CreateInstanceWithExistingProfile', 3),
  ),
  passRole(
    'ec2-associate-instance-profile-pass-role',
    'EC2: put an instance profile on an existing instance',
    'ec2.amazonaws.com',
    [['ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation']],
    'Associates a privileged role’s instance profile with an instance it runs code on and reads the credentials from the instance metadata.',
    bishopFox,
  ),
  passRole(
    'lambda-create-invoke-pass-role',
    'Lambda: create a function with a role, then invoke it',
    'lambda.amazonaws.com',
    ['lambda:CreateFunction', 'lambda:InvokeFunction'],
    'Creates a function with its own code and a privileged execution role, then invokes it.',
    rhino,
    rhinoPath('Lambda-PassExistingRoleToNewLambdaThenInvoke', 15),
  ),
  passRole(
    'lambda-create-event-source-pass-role',
    'Lambda: create a function with a role, triggered by an event source',
    'lambda.amazonaws.com',
    ['lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
    'Creates a function with a privileged execution role and has an event source (e.g. a DynamoDB stream) trigger it.',
    rhino,
    rhinoPath('Lambda-PassRoleToNewLambdaThenTrigger', 16),
  ),
  passRole(
    'glue-create-dev-endpoint-pass-role',
    'Glue: create a development endpoint with a role',
    'glue.amazonaws.com',
    ['glue:CreateDevEndpoint'],
    'Creates a Glue development endpoint with a privileged role and its own SSH key, then logs in to it.',
    rhino,
    rhinoPath('Glue-PassExistingRoleToNewGlueDevEndpoint', 18),
  ),
  passRole(
    'glue-create-job-pass-role',
    'Glue: create and run a job with a role',
    'glue.amazonaws.com',
    ['glue:CreateJob', ['glue:StartJobRun', 'glue:CreateTrigger']],
    'Creates a Glue job running its own script under a privileged role, then starts it.',
    bishopFox,
  ),
  passRole(
    'cloudformation-create-stack-pass-role',
    'CloudFormation: create a stack with a role',
    'cloudformation.amazonaws.com',
    ['cloudformation:CreateStack'],
    'Creates a stack whose template creates or changes anything the privileged stack role may.',
    rhino,
    rhinoPath('CloudFormation-PassExistingRoleToCloudFormation', 20),
  ),
  passRole(
    'cloudformation-update-stack-pass-role',
    'CloudFormation: update a stack with another role',
    'cloudformation.amazonaws.com',
    ['cloudformation:UpdateStack'],
    'Updates an existing stack with a new template and a privileged role (SetStackPolicy first when a stack policy protects resources).',
    bishopFox,
  ),
  passRole(
    'datapipeline-create-pass-role',
    'Data Pipeline: create a pipeline with a role',
    'datapipeline.amazonaws.com',
    ['datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'],
    'Creates a pipeline whose definition runs shell commands under a privileged role.',
    rhino,
    rhinoPath('DataPipeline-PassExistingRoleToNewDataPipeline', 21),
  ),
  passRole(
    'codebuild-create-project-pass-role',
    'CodeBuild: create a project with a role, then build',
    'codebuild.amazonaws.com',
    ['codebuild:CreateProject', ['codebuild:StartBuild', 'codebuild:StartBuildBatch']],
    'Creates a build project whose buildspec runs its commands under a privileged service role, then starts a build.',
    iamVulnerable,
    published('CodeBuild-CreateProjectPassRole', 'privesc-codeBuildProject'),
  ),
  passRole(
    'sagemaker-create-notebook-pass-role',
    'SageMaker: create a notebook instance with a role',
    'sagemaker.amazonaws.com',
    ['sagemaker:CreateNotebookInstance', 'sagemaker:CreatePresignedNotebookInstanceUrl'],
    'Creates a notebook instance with a privileged role and opens it through a presigned URL (a shell on it).',
    rhino2,
    published('SageMaker-CreateNotebookPassRole', 'privesc-sageNotebook'),
  ),
  passRole(
    'sagemaker-create-training-job-pass-role',
    'SageMaker: create a training job with a role',
    'sagemaker.amazonaws.com',
    ['sagemaker:CreateTrainingJob'],
    'Creates a training job whose container runs its code under a privileged role.',
    iamVulnerable,
    published('SageMaker-CreateTrainingJobPassRole', 'privesc-sageTraining'),
  ),
  passRole(
    'sagemaker-create-processing-job-pass-role',
    'SageMaker: create a processing job with a role',
    'sagemaker.amazonaws.com',
    ['sagemaker:CreateProcessingJob'],
    'Creates a processing job whose container runs its code under a privileged role.',
    iamVulnerable,
    published('SageMaker-CreateProcessingJobPassRole', 'privesc-sageProcessing'),
  ),
  passRole(
    'ecs-run-task-pass-role',
    'ECS: register a task definition with a role and run it',
    'ecs-tasks.amazonaws.com',
    [
      'ecs:RegisterTaskDefinition',
      ['ecs:RunTask', 'ecs:StartTask', 'ecs:CreateService', 'ecs:UpdateService'],
    ],
    'Registers a task definition with its own container and a privileged task role, then runs it.',
    bishopFox,
  ),
  passRole(
    'autoscaling-launch-configuration-pass-role',
    'Auto Scaling: launch instances with an instance profile',
    'ec2.amazonaws.com',
    [
      'autoscaling:CreateLaunchConfiguration',
      ['autoscaling:CreateAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup'],
    ],
    'Creates a launch configuration with a privileged instance profile and scales a group to start an instance.',
    rhino2,
  ),
  // Using what a service already runs (Rhino 17, 19; BishopFox service paths).
  {
    id: 'lambda-update-function-code',
    name: 'Lambda: replace an existing function’s code',
    aliases: rhinoPath('Lambda-EditExistingLambdaFunctionWithRole', 17),
    runsAs: { services: ['lambda.amazonaws.com'], resources: 'the functions’ execution roles' },
    actions: ['lambda:UpdateFunctionCode'],
    explanation:
      'Replaces the code of an existing function, which then runs with the function’s execution role.',
    reference: rhino,
  },
  {
    id: 'glue-update-dev-endpoint',
    name: 'Glue: add an SSH key to an existing development endpoint',
    aliases: rhinoPath('Glue-UpdateExistingGlueDevEndpoint', 19),
    runsAs: { services: ['glue.amazonaws.com'], resources: 'the development endpoints’ roles' },
    actions: ['glue:UpdateDevEndpoint'],
    explanation: 'Adds its own SSH key to an existing development endpoint and uses the endpoint’s role.',
    reference: rhino,
  },
  {
    id: 'cloudformation-update-stack',
    name: 'CloudFormation: update an existing stack',
    aliases: published('CloudFormation-UpdateStack', 'privesc-cfUpdateStack'),
    runsAs: { services: ['cloudformation.amazonaws.com'], resources: 'the stacks’ service roles' },
    actions: ['cloudformation:UpdateStack'],
    explanation:
      'Updates an existing stack with its own template; the stack’s service role makes the changes.',
    reference: iamVulnerable,
  },
  {
    id: 'cloudformation-change-set',
    name: 'CloudFormation: create and execute a change set',
    aliases: [],
    runsAs: { services: ['cloudformation.amazonaws.com'], resources: 'the stacks’ service roles' },
    actions: ['cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet'],
    explanation:
      'Changes an existing stack through a change set; the stack’s service role makes the changes.',
    reference: bishopFox,
  },
  {
    id: 'codebuild-update-project',
    name: 'CodeBuild: change an existing project, then build',
    aliases: [],
    runsAs: { services: ['codebuild.amazonaws.com'], resources: 'the projects’ service roles' },
    actions: ['codebuild:UpdateProject', ['codebuild:StartBuild', 'codebuild:StartBuildBatch']],
    explanation: 'Rewrites an existing project’s buildspec and builds it under the project’s service role.',
    reference: bishopFox,
  },
  {
    id: 'sagemaker-presigned-notebook-url',
    name: 'SageMaker: open an existing notebook instance',
    aliases: published('SageMakerCreatePresignedNotebookURL', 'privesc-sageUpdateURL'),
    runsAs: { services: ['sagemaker.amazonaws.com'], resources: 'the notebook instances’ roles' },
    actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'],
    explanation:
      'Opens an existing notebook instance through a presigned URL: a shell with the notebook’s role.',
    reference: rhino2,
  },
  {
    id: 'ssm-send-command',
    name: 'SSM: run commands on instances',
    aliases: published('SSM-SendCommand', 'privesc-ssm-command'),
    runsAs: {
      services: ['ec2.amazonaws.com', 'ssm.amazonaws.com'],
      resources: 'the managed instances’ roles',
    },
    actions: ['ssm:SendCommand'],
    target: 'commandDocument',
    explanation:
      'Runs shell commands (AWS-RunShellScript) on managed instances and takes their instance profile credentials.',
    reference: iamVulnerable,
  },
  {
    id: 'ssm-start-session',
    name: 'SSM: open a shell on instances',
    aliases: published('SSM-StartSession', 'privesc-ssm-session'),
    runsAs: {
      services: ['ec2.amazonaws.com', 'ssm.amazonaws.com'],
      resources: 'the managed instances’ roles',
    },
    actions: ['ssm:StartSession'],
    explanation:
      'Opens a Session Manager shell on managed instances and takes their instance profile credentials.',
    reference: iamVulnerable,
  },
  {
    id: 'ec2-instance-connect',
    name: 'EC2 Instance Connect: push an SSH key',
    aliases: published('EC2InstanceConnect-SendSSHPublicKey', 'privesc-instanceConnect'),
    runsAs: { services: ['ec2.amazonaws.com'], resources: 'the instances’ instance profile roles' },
    actions: [
      ['ec2-instance-connect:SendSSHPublicKey', 'ec2-instance-connect:SendSerialConsoleSSHPublicKey'],
    ],
    explanation: 'Pushes its own SSH key to instances, logs in and takes their instance profile credentials.',
    reference: iamVulnerable,
  },
];
