import { z } from 'zod';

// Only in the browser: the server keeps zod's faster compiled parsers.
if (typeof window !== 'undefined') z.config({ jitless: true });
