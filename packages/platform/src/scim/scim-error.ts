/** The SCIM error schema (RFC 7644 §3.12); every answer that is not a success carries it. */
export const scimErrorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** A refusal the SCIM endpoint answers with its status and, for 400 and 409, a scimType. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
    this.name = 'ScimError';
  }

  toJSON() {
    return {
      schemas: [scimErrorSchema],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const scimNotFound = (kind: 'User' | 'Group', id: string) =>
  new ScimError(404, `${kind} ${id} not found`);

export const invalidValue = (detail: string) => new ScimError(400, detail, 'invalidValue');
