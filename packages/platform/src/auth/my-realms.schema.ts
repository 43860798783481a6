import { z } from 'zod';

/** The realm a session moves to, by slug. */
export const switchRealmInput = z.object({ slug: z.string().min(1).max(100) });

export type SwitchRealmInput = z.infer<typeof switchRealmInput>;
