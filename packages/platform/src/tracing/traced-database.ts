import type { PlatformDatabase, StatementRunner, SystemConnection } from '../database/platform-database.ts';
import { inSpan, SpanKind } from './spans.ts';

/** Migration scripts run to many kilobytes; a span keeps their start, enough to tell them apart. */
const statementTextLimit = 2_000;

/**
 * The statements the hub sends without the ORM (hot reads, prepared lookups, system work), each
 * in a span with its text: the ORM's own are spanned by Prisma's instrumentation. Values are never
 * recorded, only the `$1`, `$2` placeholders that stand for them. Applied only while tracing is on,
 * so an untraced hub runs its statements exactly as before.
 */
export function traceDatabase(database: PlatformDatabase): PlatformDatabase {
  const common = { 'db.system.name': 'postgresql', 'nhi.database': database.kind };
  const statement = <T>(text: string, run: () => Promise<T>, name?: string) =>
    inSpan(
      `sql ${name ?? operationOf(text)}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { ...common, 'db.query.text': text.slice(0, statementTextLimit) },
      },
      run,
    );
  const traced = (connection: SystemConnection): SystemConnection => ({
    query: (sql, params) => statement(sql, () => connection.query(sql, params)),
    exec: (script) => statement(script, () => connection.exec(script)),
    transaction: (fn) => connection.transaction((inner) => fn(traced(inner))),
  });
  return {
    ...database,
    systemQuery: (name, sql, params) => statement(sql, () => database.systemQuery(name, sql, params), name),
    withSystemConnection: (fn) => database.withSystemConnection((connection) => fn(traced(connection))),
    readTransaction: (fn, settings) =>
      inSpan('sql read transaction', { kind: SpanKind.CLIENT, attributes: common }, () =>
        database.readTransaction((run) => {
          const tracedRun: StatementRunner = (text, values) => statement(text, () => run(text, values));
          return fn(tracedRun);
        }, settings),
      ),
  };
}

/** The statement's first keyword (SELECT, INSERT, WITH...): a span name that does not grow with the data. */
function operationOf(text: string): string {
  // Migration scripts open with comments ("-- CreateTable"): the keyword is the first after them.
  return /^(?:\s*--[^\n]*\n)*\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'statement';
}
