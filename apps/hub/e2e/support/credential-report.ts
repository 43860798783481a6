/** The header of an AWS IAM credential report, as `aws iam get-credential-report` exports it. */
export const credentialReportHeader =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/**
 * A machine user (no console password) whose one access key was created in January 2024; used in
 * June 2024 from us-east-1 on S3, or never when `used` is false.
 */
export function machineUserRow(name: string, used = true): string {
  const lastUse = used ? '2024-06-01T10:00:00Z,us-east-1,s3' : 'N/A,N/A,N/A';
  return `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,${lastUse},false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
}
