import pg from 'pg';

/** A statement as a pipeline sends it: named (prepared once per connection) or unnamed (parsed each time). */
export interface PipelinedStatement {
  readonly name?: string;
  readonly text: string;
  /** already as text (or null): what PostgreSQL reads a parameter from */
  readonly values: readonly (string | null)[];
}

export interface StatementResult {
  rows: object[];
  rowCount: number;
}

/** How a pipeline ended: every statement's result (committed), or the statement that failed (nothing committed). */
export type PipelineOutcome =
  | { ok: true; results: StatementResult[] }
  | {
      ok: false;
      error: unknown;
      /**
       * the index of the statement PostgreSQL refused; the statements' count when the commit
       * itself failed; undefined when the connection failed, and with it what became of the
       * transaction is unknown
       */
      failedAt: number | undefined;
    };

/** The part of pg's Connection a pipeline writes to (pg/lib/connection.js). */
interface WireConnection {
  parsedStatements: Record<string, string>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(query: { name?: string; text: string }): void;
  bind(config: { statement?: string; values: readonly (string | null)[] }): void;
  describe(message: { type: 'P'; name?: string }): void;
  execute(config: { portal?: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
}

interface FieldMessage {
  name: string;
  /** the column's type, as pg's type parsers take it */
  dataTypeID: Parameters<pg.CustomTypesConfig['getTypeParser']>[0];
  format: string;
}

/**
 * Sends `statements` on `client` as one pipeline of the extended query protocol: Parse (where
 * the connection has not prepared the statement yet), Bind, Describe and Execute for each, then
 * a single Sync. PostgreSQL runs everything before a Sync as one implicit transaction, committed
 * at the Sync, so the statements cost one round trip and one commit, run in order (a later one
 * sees an earlier one's rows), and either all commit or, once one fails, none: the server skips
 * the rest up to the Sync and rolls the transaction back.
 *
 * pg takes any object with `submit(connection)` and the `handle*` callbacks its own Query class
 * has (pg/lib/query.js) as a query of the client's queue, and routes the server's answers to it.
 */
export function sendPipeline(client: pg.ClientBase, statements: readonly PipelinedStatement[], parsers: pg.CustomTypesConfig): Promise<PipelineOutcome> {
  return new Promise<PipelineOutcome>((resolve) => {
    const results: StatementResult[] = [];
    let fields: FieldMessage[] = [];
    let rows: object[] = [];
    let connection: WireConnection | undefined;
    /** the named statements parsed by this pipeline, in order, whose ParseComplete has not arrived */
    const parsing: PipelinedStatement[] = [];
    const parsed = () => {
      const statement = parsing.shift();
      // noted where pg's own queries look, so neither they nor a later pipeline parse it again
      if (statement?.name && connection) connection.parsedStatements[statement.name] = statement.text;
    };
    let settled = false;
    const settle = (outcome: PipelineOutcome) => {
      if (settled) return;
      settled = true;
      connection?.off('parseComplete', parsed);
      resolve(outcome);
    };

    const pipeline = {
      submit(wire: WireConnection) {
        connection = wire;
        wire.on('parseComplete', parsed);
        wire.stream.cork?.();
        try {
          for (const statement of statements) {
            const { name, text } = statement;
            if (!name) wire.parse({ text });
            // prepared once: by an earlier query on this connection, or earlier in this pipeline
            else if (wire.parsedStatements[name] === undefined && !parsing.some((earlier) => earlier.name === name)) {
              wire.parse({ name, text });
              parsing.push(statement);
            }
            wire.bind({ statement: name, values: statement.values });
            wire.describe({ type: 'P' });
            wire.execute({});
          }
          wire.sync();
        } finally {
          wire.stream.uncork?.();
        }
      },
      handleRowDescription(message: { fields: FieldMessage[] }) {
        fields = message.fields;
      },
      handleDataRow(message: { fields: (string | null)[] }) {
        const row: Record<string, unknown> = {};
        message.fields.forEach((raw, i) => {
          const field = fields[i];
          if (!field) return;
          row[field.name] = raw === null ? null : (parsers.getTypeParser(field.dataTypeID, 'text') as (text: string) => unknown)(raw);
        });
        rows.push(row);
      },
      handleCommandComplete(message: { text: string }) {
        results.push({ rows, rowCount: rowCountOf(message.text) });
        rows = [];
        fields = [];
      },
      handleEmptyQuery() {
        results.push({ rows: [], rowCount: 0 });
      },
      handleError(error: unknown) {
        // A statement's error names it by position: the results that came before it. A
        // connection's failure (not PostgreSQL's ErrorResponse, or a FATAL one) leaves unknown
        // whether the Sync was reached and the transaction committed.
        const statementError = error instanceof pg.DatabaseError && error.severity !== 'FATAL' && error.severity !== 'PANIC';
        settle({ ok: false, error, failedAt: statementError ? results.length : undefined });
      },
      handleReadyForQuery() {
        if (results.length === statements.length) settle({ ok: true, results });
        else settle({ ok: false, error: new Error('pipeline answered out of step'), failedAt: undefined });
      },
      handlePortalSuspended() {
        // never asked for: every Execute is sent without a row limit
      },
      handleCopyInResponse(wire: WireConnection) {
        wire.sendCopyFail('COPY is not sent in a pipeline');
      },
      handleCopyData() {
        // nothing is copied
      },
    };
    void client.query(pipeline as unknown as pg.Submittable);
  });
}

/** The count in a CommandComplete tag: `UPDATE 3`, `INSERT 0 1`, `SELECT 2`; 0 for a tag without one. */
function rowCountOf(tag: string): number {
  const count = /(\d+)$/.exec(tag)?.[1];
  return count === undefined ? 0 : Number(count);
}
