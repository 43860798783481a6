import { PasswordLinks, passwordLinkInput, redeemPasswordLinkInput } from '@nhi/platform';
import { createServerFn } from '@tanstack/react-start';
import { inputValidator } from '../guards/input-validator.ts';
import { publicServerFn } from '../guards/public-server-fn.ts';
import { hubRuntime } from '../hub-runtime.server.ts';

/**
 * Public by nature: whoever holds an invitation or reset link has no password yet. The link's
 * token is the credential; it is random (256 bits), stored hashed, works once and expires.
 */
export const passwordLinkInfo = createServerFn({ method: 'GET' })
  .middleware([publicServerFn])
  .validator(inputValidator(passwordLinkInput))
  .handler(async ({ data }) => (await hubRuntime()).root.resolve(PasswordLinks).describe(data.token));

export const setPasswordWithLink = createServerFn({ method: 'POST' })
  .middleware([publicServerFn])
  .validator(inputValidator(redeemPasswordLinkInput))
  .handler(async ({ data }) =>
    (await hubRuntime()).root.resolve(PasswordLinks).redeem(data.token, data.password),
  );
