import { context, SpanKind, trace, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_SUMMARY, ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import type { Sql, SqlStatement } from '../db/sql.js';
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
  // a statement's span options, made once per call site: the SDK copies the attributes it is given
  const spanOptions = (summary: string, operation: string): SpanOptions => ({
    kind: SpanKind.CLIENT,
    attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_QUERY_SUMMARY]: summary, [ATTR_DB_OPERATION_NAME]: operation },
  });
  const named = new WeakMap<TemplateStringsArray, Named>();
  const nameOf = (strings: TemplateStringsArray) => {
    let found = named.get(strings);
    if (!found) {
      const { summary, operation } = summarize(strings.join('?'));
      found = { summary, options: spanOptions(summary, operation) };
      named.set(strings, found);
    }
    return found;
  };
  const unitName: Named = { summary: 'unit', options: spanOptions('unit', 'unit') };

  /** The statement's promise, in a span when a trace is under way (a span of this request's). */
  function inSpan<T>(name: Named, work: () => Promise<T>): Promise<T> {
    const active = context.active();
    if (!trace.getSpan(active)) return work();
    const span = tracer.startSpan(name.summary, name.options, active);
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      failed(span, error);
      span.end();
      throw error;
    }
    return running.then(
      (result) => {
        span.end();
        return result;
      },
      (error: unknown) => {
        failed(span, error);
        span.end();
        throw error;
      },
    );
  }

  const atomicName = (statements: readonly SqlStatement[]): Named => {
    const summary = `atomic: ${statements.map((statement) => nameOf(statement.strings).summary).join('; ')}`;
    return { summary, options: spanOptions(summary, 'atomic') };
  };

  return {
    rows: (strings, ...values) => inSpan(nameOf(strings), () => sql.rows(strings, ...values)),
    run: (strings, ...values) => inSpan(nameOf(strings), () => sql.run(strings, ...values)),
    statement: (strings, ...values) => sql.statement(strings, ...values),
    atomic: (statements) => inSpan(atomicName(statements), () => sql.atomic(statements)),
    unit: (work) => inSpan(unitName, () => sql.unit(work)),
    dialect: sql.dialect,
    open: () => sql.open(),
    close: () => sql.close(),
  };
}

/** A statement's span name and its options (kind and attributes), shared by every call of its call site. */
interface Named {
  summary: string;
  options: SpanOptions;
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
