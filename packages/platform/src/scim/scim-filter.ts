import { ScimError } from './scim-error.ts';

/** A filter the endpoint answers: one attribute compared for equality, as provisioning clients send. */
export interface ScimEquality {
  /** The attribute as the resource's schema spells it (matched case-insensitively, RFC 7643 §2.1). */
  attribute: string;
  value: string;
}

const equality = /^\s*([A-Za-z][\w.:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/**
 * Parses `attribute eq "value"` for one of the attributes the resource supports. Entra ID and Okta
 * filter by nothing else when they look a user or group up; any other filter is refused with
 * `invalidFilter` rather than answered wrongly.
 */
export function parseScimFilter(filter: string, supported: readonly string[]): ScimEquality {
  const match = equality.exec(filter);
  const named = match?.[1];
  const attribute = supported.find((candidate) => candidate.toLowerCase() === named?.toLowerCase());
  if (!match || !attribute) {
    throw new ScimError(
      400,
      `Unsupported filter: use ${supported.map((a) => `${a} eq "…"`).join(' or ')}`,
      'invalidFilter',
    );
  }
  try {
    return { attribute, value: JSON.parse(`"${match[2]}"`) as string };
  } catch {
    throw new ScimError(400, 'The filter’s value is not a valid string', 'invalidFilter');
  }
}

export interface ScimPage {
  /** 1-based, as SCIM counts. */
  startIndex: number;
  count: number;
}

/** The largest page the endpoint hands out; ServiceProviderConfig says so too. */
export const maxScimPageSize = 200;

/** startIndex below 1 counts as 1, count below 0 as 0 (RFC 7644 §3.4.2.4); count is capped. */
export function scimPage(params: URLSearchParams): ScimPage {
  const number = (name: string, fallback: number) => {
    const raw = params.get(name);
    if (raw === null || raw === '') return fallback;
    const parsed = Number(raw);
    if (!Number.isInteger(parsed)) throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
    return parsed;
  };
  return {
    startIndex: Math.max(1, number('startIndex', 1)),
    count: Math.min(maxScimPageSize, Math.max(0, number('count', 100))),
  };
}
