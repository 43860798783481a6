import { z } from 'zod';
import { normaliseEmail } from '../auth/auth.service.ts';
import { invalidValue } from './scim-error.ts';
import type { PatchableAttribute, ScimResourceData } from './scim-patch.ts';

export const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** What a client may set on a user; anything else it sends is ignored (see applyPatch). */
export const userAttributes: readonly PatchableAttribute[] = [
  { name: 'userName' },
  { name: 'externalId' },
  { name: 'displayName' },
  { name: 'active' },
  { name: 'name', complex: true },
  { name: 'emails', multi: true },
];

/** A user as a client asks for it to be: from POST, PUT, or a resource after PatchOp. */
export interface ScimUserState {
  /** The login email: the product identifies people by email, so userName must be one. */
  email: string;
  externalId: string | null;
  displayName: string | null;
  name: Record<string, unknown> | null;
  emails: Record<string, unknown>[] | null;
  active: boolean;
}

/** A user row with what the realm knows of it. */
export interface ScimUserRow {
  id: string;
  email: string;
  displayName: string | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  memberships: { role: string }[];
  scimUsers: { externalId: string | null; attributes: unknown; updatedAt: Date }[];
}

const emailShape = z.string().email();

export function userStateOf(body: unknown): ScimUserState {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalidValue('The body is a User object');
  const user = body as Record<string, unknown>;
  const userName = user.userName;
  if (typeof userName !== 'string' || !emailShape.safeParse(normaliseEmail(userName)).success) {
    throw invalidValue('userName is required and must be the user’s email address');
  }
  const name = optionalObject(user.name, 'name');
  const emails = user.emails === undefined || user.emails === null ? null : user.emails;
  if (emails !== null && (!Array.isArray(emails) || emails.some((e) => !e || typeof e !== 'object'))) {
    throw invalidValue('emails must be a list of objects');
  }
  return {
    email: normaliseEmail(userName),
    externalId: optionalString(user.externalId, 'externalId'),
    displayName: displayNameOf(optionalString(user.displayName, 'displayName'), name),
    name,
    emails: emails as Record<string, unknown>[] | null,
    active: activeOf(user.active),
  };
}

/** Entra ID has sent `"active": "False"` as a string; both spellings mean the same. */
function activeOf(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue('active must be true or false');
}

function optionalString(value: unknown, attribute: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidValue(`${attribute} must be a string`);
  const trimmed = value.trim();
  if (trimmed.length > 200) throw invalidValue(`${attribute} is at most 200 characters`);
  return trimmed === '' ? null : trimmed;
}

function optionalObject(value: unknown, attribute: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidValue(`${attribute} must be an object`);
  return value as Record<string, unknown>;
}

/** The one name the product shows: displayName, else the formatted name, else given and family names. */
function displayNameOf(displayName: string | null, name: Record<string, unknown> | null): string | null {
  if (displayName) return displayName;
  const text = (key: string) => (typeof name?.[key] === 'string' ? (name[key] as string).trim() : '');
  const joined = text('formatted') || [text('givenName'), text('familyName')].filter(Boolean).join(' ');
  return joined === '' ? null : joined.slice(0, 200);
}

/** Active in the realm: a member of it, with an account that is not disabled. */
export function isActive(row: ScimUserRow): boolean {
  return row.memberships.length > 0 && row.disabledAt === null;
}

export function userResource(row: ScimUserRow, baseUrl: string): ScimResourceData {
  const scim = row.scimUsers[0];
  const attributes = (scim?.attributes ?? {}) as { name?: unknown; emails?: unknown };
  const name = attributes.name ?? (row.displayName ? { formatted: row.displayName } : undefined);
  const lastModified = scim && scim.updatedAt > row.updatedAt ? scim.updatedAt : row.updatedAt;
  return {
    schemas: [userSchema],
    id: row.id,
    ...(scim?.externalId ? { externalId: scim.externalId } : {}),
    userName: row.email,
    ...(name ? { name } : {}),
    ...(row.displayName ? { displayName: row.displayName } : {}),
    emails: attributes.emails ?? [{ value: row.email, type: 'work', primary: true }],
    active: isActive(row),
    meta: {
      resourceType: 'User',
      created: row.createdAt.toISOString(),
      lastModified: lastModified.toISOString(),
      location: `${baseUrl}/Users/${row.id}`,
      version: `W/"${lastModified.getTime()}"`,
    },
  };
}
