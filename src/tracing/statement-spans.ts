import { context, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_SUMMARY, ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import { observedUnit, type Sql, type SqlResult, type SqlStatement } from '../db/sql.js';
import { failed } from './span-context.js';

/**
 * The hot path's statements, each in a CLIENT span named by its summary (`UPDATE users`,
 * `WITH locked, used, settled, ...`): the statement's name, made from the SQL the code wrote.
 * Values are parameters, never part of that text, and never put on a span.
 *
 * Only work already inside a trace gets statement spans: the dispatcher's polls, once a second
 * on every instance, would otherwise start a trace each.
 */
export function tracedSql(sql: Sql, tracer: Tracer): Sql {
  const system = sql.dialect === 'postgres' ? 'postgresql' : 'sqlite';
  const summaries = new WeakMap<TemplateStringsArray, { summary: string; operation: string }>();
  const named = (strings: TemplateStringsArray) => {
    let found = summaries.get(strings);
    if (!found) {
      found = summarize(strings.join('?'));
      summaries.set(strings, found);
    }
    return found;
  };

  /** `renamed`, asked as the span ends: its summary once the work is done (a unit's, known only as it runs) */
  async function inSpan<T>(name: { summary: string; operation: string }, work: () => Promise<T>, renamed?: () => string): Promise<T> {
    const active = context.active();
    if (!trace.getSpan(active)) return work();
    const span = tracer.startSpan(
      name.summary,
      { kind: SpanKind.CLIENT, attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_QUERY_SUMMARY]: name.summary, [ATTR_DB_OPERATION_NAME]: name.operation } },
      active,
    );
    try {
      return await work();
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      if (renamed) {
        const summary = renamed();
        span.updateName(summary);
        span.setAttribute(ATTR_DB_QUERY_SUMMARY, summary);
      }
      span.end();
    }
  }

  /** A unit's span, named like an atomic set's by the statements it ran (its last run, where PostgreSQL sent it again). */
  function unit<T>(work: () => Generator<SqlStatement, T, SqlResult>): Promise<T> {
    if (!trace.getSpan(context.active())) return sql.unit(work);
    let ran: string[] = [];
    const observed = observedUnit(work, (statement) => ran.push(named(statement.strings).summary));
    return inSpan(
      { summary: 'unit', operation: 'unit' },
      () =>
        sql.unit(function* () {
          ran = [];
          return yield* observed();
        }),
      () => `unit: ${ran.join('; ')}`,
    );
  }

  const atomicName = (statements: readonly SqlStatement[]) => ({
    summary: `atomic: ${statements.map((statement) => named(statement.strings).summary).join('; ')}`,
    operation: 'atomic',
  });

  const spanned = (inner: Pick<Sql, 'rows' | 'run'>): Pick<Sql, 'rows' | 'run'> => ({
    rows: (strings, ...values) => inSpan(named(strings), () => inner.rows(strings, ...values)),
    run: (strings, ...values) => inSpan(named(strings), () => inner.run(strings, ...values)),
  });

  return {
    ...spanned(sql),
    forUser: (key) => spanned(sql.forUser(key)),
    statement: (strings, ...values) => sql.statement(strings, ...values),
    atomic: (statements) => inSpan(atomicName(statements), () => sql.atomic(statements)),
    unit,
    dialect: sql.dialect,
    open: () => sql.open(),
    close: () => sql.close(),
  };
}

/**
 * A statement's summary in the manner of OpenTelemetry's `db.query.summary`: its operation and
 * main table, or for a data-modifying CTE the names of its parts, read from the SQL text only.
 */
export function summarize(text: string): { summary: string; operation: string } {
  const sql = text.replace(/\s+/g, ' ').trim();
  const operation = (/^\w+/.exec(sql)?.[0] ?? 'SQL').toUpperCase();
  if (operation === 'WITH') {
    const parts = [...sql.matchAll(/(?:^WITH|\),) (\w+) AS (?:MATERIALIZED )?\(/gi)].map((match) => match[1]);
    return { summary: `WITH ${parts.join(', ')}`, operation };
  }
  const table =
    operation === 'INSERT' ? /^INSERT INTO "?(\w+)/i.exec(sql)?.[1]
    : operation === 'UPDATE' ? /^UPDATE "?(\w+)/i.exec(sql)?.[1]
    : operation === 'DELETE' ? /^DELETE FROM "?(\w+)/i.exec(sql)?.[1]
    : / FROM "?(\w+)/i.exec(sql)?.[1];
  return { summary: table ? `${operation} ${table}` : operation, operation };
}
