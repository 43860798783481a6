import { Prisma } from '../generated/prisma/client.ts';

/**
 * Composable, parameterised SQL for queries whose shape depends on input (filters, sort order):
 * values always travel as parameters; `trustedSql` is only for identifiers written in code.
 */
export const sql = Prisma.sql;
export const joinSql = Prisma.join;
export const emptySql = Prisma.empty;
export const trustedSql = Prisma.raw;
export type Sql = Prisma.Sql;
