import type { AnyProcedure, AnyRouter, inferProcedureInput, inferProcedureOutput } from '@trpc/server';
import type { AppRouter } from '../app-router.ts';

type Record_ = AppRouter['_def']['record'];

type PathsOf<R, Prefix extends string = ''> = {
  [K in keyof R & string]: R[K] extends AnyProcedure
    ? `${Prefix}${K}`
    : R[K] extends AnyRouter
      ? PathsOf<R[K]['_def']['record'], `${Prefix}${K}.`>
      : R[K] extends object
        ? PathsOf<R[K], `${Prefix}${K}.`>
        : never;
}[keyof R & string];

type At<R, Path extends string> = Path extends `${infer Head}.${infer Rest}`
  ? Head extends keyof R
    ? R[Head] extends AnyRouter
      ? At<R[Head]['_def']['record'], Rest>
      : At<R[Head], Rest>
    : never
  : Path extends keyof R
    ? R[Path]
    : never;

/** Every procedure of the hub's router by its dotted path, as /api/trpc names it: `nhi.list`. */
export type ProcedurePath = PathsOf<Record_>;

export type ProcedureAt<Path extends ProcedurePath> =
  At<Record_, Path> extends infer P extends AnyProcedure ? P : never;

export type ProcedureInput<Path extends ProcedurePath> = inferProcedureInput<ProcedureAt<Path>>;
export type ProcedureOutput<Path extends ProcedurePath> = inferProcedureOutput<ProcedureAt<Path>>;
