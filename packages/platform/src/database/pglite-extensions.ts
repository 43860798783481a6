import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * The PostgreSQL extensions the migrations create, loaded into every embedded database. A
 * database whose migrations created one cannot be written without it (its indexes need the
 * extension's code), so every PGlite the product opens gets the same list.
 */
export const pgliteExtensions = { pg_trgm };
