import { inSpan } from '@nhi/platform';
import { createMiddleware } from '@tanstack/react-start';

/**
 * A span per serverFn call, named by the function, around its guards and its handler: the
 * procedure it runs through the caller is its child. Its input is not recorded.
 */
export const serverFnSpan = createMiddleware({ type: 'function' }).server(({ next, serverFnMeta }) =>
  inSpan(`serverFn ${serverFnMeta.name}`, { attributes: { 'nhi.server_fn': serverFnMeta.name } }, () =>
    next(),
  ),
);
