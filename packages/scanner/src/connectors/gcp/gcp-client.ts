import { JWT } from 'google-auth-library';
import { UnreadableInputError } from '../connector.ts';

const googleTokenUrl = 'https://oauth2.googleapis.com/token';
const scopes = ['https://www.googleapis.com/auth/cloud-platform'];

/** The fields of a service-account key file the scan uses; the private key never leaves the client. */
interface KeyFile {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

/** A Google API's refusal or failure, with its HTTP status and Google's own message. */
export class GcpApiError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** The key file JSON of the source's secrets; what is wrong with it is said without repeating it. */
export function keyFileOf(secrets: Record<string, string>): KeyFile {
  const raw = secrets.serviceAccountKey;
  if (!raw)
    throw new UnreadableInputError('The source has no service-account key (secrets.serviceAccountKey)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UnreadableInputError('The service-account key (secrets.serviceAccountKey) is not JSON');
  }
  const key = parsed as Partial<KeyFile> & { type?: string };
  if (
    !key ||
    typeof key !== 'object' ||
    key.type !== 'service_account' ||
    typeof key.client_email !== 'string' ||
    typeof key.private_key !== 'string'
  )
    throw new UnreadableInputError(
      'The service-account key is not a key file of type service_account with client_email and private_key',
    );
  return key as KeyFile;
}

export type GcpService = 'iam' | 'cloudresourcemanager' | 'policyanalyzer';

export interface GcpCaller {
  call<T>(service: GcpService, path: string, body?: unknown): Promise<T>;
  /** Every page of a list, following nextPageToken (the path sets the page size each API allows). */
  pages<T>(service: GcpService, path: string, field: string): Promise<T[]>;
}

/**
 * Google's REST APIs as the key's service account, with tokens from the OAuth token endpoint (the key
 * file's token_uri when it names another one). `apiEndpoint` replaces every `https://<api>.googleapis.com`.
 */
export function gcpCaller(key: KeyFile, apiEndpoint: string | undefined, signal: AbortSignal): GcpCaller {
  const client = new JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes,
  });
  const tokenUrl = key.token_uri;
  if (tokenUrl && tokenUrl !== googleTokenUrl)
    client.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === googleTokenUrl) config.url = new URL(tokenUrl);
        return config;
      },
    });
  const base = (service: GcpService) =>
    apiEndpoint ? apiEndpoint.replace(/\/$/, '') : `https://${service}.googleapis.com`;
  async function call<T>(service: GcpService, path: string, body?: unknown): Promise<T> {
    try {
      const response = await client.request<T>({
        url: `${base(service)}${path}`,
        method: body === undefined ? 'GET' : 'POST',
        data: body,
        signal,
      });
      return response.data;
    } catch (error) {
      const status = (error as { status?: number; response?: { status?: number } }).response?.status;
      throw new GcpApiError(status ?? null, `${status ? `${status}: ` : ''}${(error as Error).message}`);
    }
  }
  async function pages<T>(service: GcpService, path: string, field: string): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await call<Record<string, unknown>>(
        service,
        token ? `${path}${separator}pageToken=${encodeURIComponent(token)}` : path,
      );
      items.push(...((page[field] as T[] | undefined) ?? []));
      token = typeof page.nextPageToken === 'string' && page.nextPageToken ? page.nextPageToken : undefined;
    } while (token);
    return items;
  }
  return { call, pages };
}
