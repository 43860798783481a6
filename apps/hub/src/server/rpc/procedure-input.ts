import type { ProcedureInput, ProcedurePath } from './procedure-paths.ts';

/**
 * A serverFn's validator: types `data` as the procedure's input and leaves the checking to the
 * procedure (text safety, then its schema), so the input is parsed once, where every caller of
 * the procedure, in-process or over HTTP, has it parsed.
 */
export function inputOf<Path extends ProcedurePath>(_path: Path) {
  return (input: ProcedureInput<Path>): ProcedureInput<Path> => input;
}
