import {
  type ArgType,
  type ColumnType,
  ColumnTypeEnum,
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import type { SqliteParam, SqliteSql, TextResult } from './sqlite-sql.js';

const adapterName = 'fountain-sqlite';

/**
 * Prisma's SQLite driver adapter over the service's one connection (sqlite-sql.ts), in place of
 * @prisma/adapter-better-sqlite3, which opens a connection of its own. Through the executor,
 * Prisma's statements share its prepared-statement cache, its file guard (a deleted, replaced
 * or read-only file) and its connection settings; its writes join the group commit, and its
 * interactive transactions have the connection to themselves while they are open (nothing of
 * a group runs inside them). Arguments and results are converted as the official adapter
 * converts them, so Prisma reads and writes the same values.
 */
export function sqliteAdapterFactory(sql: SqliteSql): SqlDriverAdapterFactory {
  return {
    provider: 'sqlite',
    adapterName,
    connect: () => Promise.resolve(sqliteAdapter(sql)),
  };
}

function sqliteAdapter(sql: SqliteSql): SqlDriverAdapter {
  return {
    provider: 'sqlite',
    adapterName,
    queryRaw: async (query) => resultSet(await driverCall(() => sql.text(query.sql, args(query)))),
    executeRaw: async (query) => (await driverCall(() => sql.text(query.sql, args(query)))).changes,
    executeScript: (script) => driverCall(() => sql.script(script)),
    async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
      // SQLite's transactions are serializable, and only that is offered
      if (isolationLevel && isolationLevel !== 'SERIALIZABLE') throw new DriverAdapterError({ kind: 'InvalidIsolationLevel', level: isolationLevel });
      const transaction = await driverCall(() => sql.transaction());
      const run = (query: SqlQuery) => driverCall(() => Promise.resolve(transaction.text(query.sql, args(query))));
      const end = () => Promise.resolve(transaction.end());
      return {
        provider: 'sqlite',
        adapterName,
        // Prisma sends COMMIT and ROLLBACK as statements, then calls commit() or rollback()
        options: { usePhantomQuery: false },
        queryRaw: async (query) => resultSet(await run(query)),
        executeRaw: async (query) => (await run(query)).changes,
        commit: end,
        rollback: end,
      };
    },
    // the connection belongs to the executor, which Database.close closes
    dispose: () => Promise.resolve(),
  };
}

/** Runs a statement, its driver's errors told to Prisma in its own terms. */
async function driverCall<R>(work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    throw adapterError(error);
  }
}

function args(query: SqlQuery): SqliteParam[] {
  return query.args.map((arg, i) => sqliteArg(arg, query.argTypes[i]));
}

/** An argument as SQLite stores it: what Prisma's own SQLite adapter binds. */
function sqliteArg(arg: unknown, type: ArgType | undefined): SqliteParam {
  if (arg === null || arg === undefined) return null;
  if (typeof arg === 'boolean') return arg ? 1 : 0;
  if (typeof arg === 'string') {
    switch (type?.scalarType) {
      case 'int':
        return Number.parseInt(arg, 10);
      case 'float':
      case 'decimal':
        return Number.parseFloat(arg);
      case 'bigint':
        return BigInt(arg);
      case 'datetime':
        return sqliteDate(new Date(arg));
      case 'bytes':
        return Buffer.from(arg, 'base64');
      default:
        return arg;
    }
  }
  if (arg instanceof Date) return sqliteDate(arg);
  if (Array.isArray(arg) && type?.scalarType === 'bytes') return Buffer.from(arg as number[]);
  return arg as SqliteParam;
}

/** ISO text with +00:00, as Prisma's adapter and the hot path's `sql` write a timestamp. */
function sqliteDate(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

function resultSet({ columns, rows }: TextResult): SqlResultSet {
  const columnTypes = columns.map((column, i) => declaredType(column.type) ?? typeOfValues(rows, i));
  return { columnNames: columns.map((column) => column.name), columnTypes, rows: rows.map((row) => row.map((value, i) => resultValue(value, columnTypes[i]))) };
}

/**
 * A column's type from its declared type, which SQLite knows for a table's column; an
 * expression's (a count, a raw query's computed column) has none, and is judged by its values.
 */
function declaredType(declared: string | null): ColumnType | undefined {
  switch (declared?.toUpperCase()) {
    case 'DECIMAL':
      return ColumnTypeEnum.Numeric;
    case 'FLOAT':
      return ColumnTypeEnum.Float;
    case 'DOUBLE':
    case 'DOUBLE PRECISION':
    case 'NUMERIC':
    case 'REAL':
      return ColumnTypeEnum.Double;
    case 'TINYINT':
    case 'SMALLINT':
    case 'MEDIUMINT':
    case 'INT':
    case 'INTEGER':
    case 'SERIAL':
    case 'INT2':
      return ColumnTypeEnum.Int32;
    case 'BIGINT':
    case 'UNSIGNED BIG INT':
    case 'INT8':
      return ColumnTypeEnum.Int64;
    case 'DATETIME':
    case 'TIMESTAMP':
      return ColumnTypeEnum.DateTime;
    case 'TIME':
      return ColumnTypeEnum.Time;
    case 'DATE':
      return ColumnTypeEnum.Date;
    case 'TEXT':
    case 'CLOB':
    case 'CHARACTER':
    case 'VARCHAR':
    case 'VARYING CHARACTER':
    case 'NCHAR':
    case 'NATIVE CHARACTER':
    case 'NVARCHAR':
      return ColumnTypeEnum.Text;
    case 'BLOB':
      return ColumnTypeEnum.Bytes;
    case 'BOOLEAN':
      return ColumnTypeEnum.Boolean;
    case 'JSONB':
      return ColumnTypeEnum.Json;
    default:
      return undefined;
  }
}

/** The type of a column without a declared one, from its first value that is not null. */
function typeOfValues(rows: unknown[][], column: number): ColumnType {
  const value = rows.find((row) => row[column] !== null)?.[column];
  if (value === undefined) return ColumnTypeEnum.Int32;
  switch (typeof value) {
    case 'string':
      return ColumnTypeEnum.Text;
    case 'bigint':
      return ColumnTypeEnum.Int64;
    case 'number':
      return ColumnTypeEnum.UnknownNumber;
    default:
      if (value instanceof Uint8Array) return ColumnTypeEnum.Bytes;
      throw new Error(`unexpected value of type ${typeof value} in column ${column}`);
  }
}

/** A value as Prisma reads it: integers (BigInt from the driver) as text, blobs as byte arrays. */
function resultValue(value: unknown, type: ColumnType | undefined): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value === 'number' && (type === ColumnTypeEnum.Int32 || type === ColumnTypeEnum.Int64) && !Number.isInteger(value)) return Math.trunc(value);
  if ((typeof value === 'number' || typeof value === 'bigint') && type === ColumnTypeEnum.DateTime) return new Date(Number(value)).toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * better-sqlite3's errors in the kinds Prisma maps to its own (a unique constraint to P2002, a
 * missing table to P2021), keeping SQLite's code; any other error goes to Prisma as it is, as
 * the official adapter does (db/faults.ts reads both).
 */
function adapterError(error: unknown): unknown {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || typeof message !== 'string' || !code.startsWith('SQLITE_')) return error;
  const fields = () => message.split('constraint failed: ').at(1)?.split(', ').map((field) => field.split('.').pop() ?? field);
  const known = { originalCode: code, originalMessage: message };
  switch (code) {
    case 'SQLITE_BUSY':
      return new DriverAdapterError({ ...known, kind: 'SocketTimeout' });
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY': {
      const constraint = fields();
      return new DriverAdapterError({ ...known, kind: 'UniqueConstraintViolation', ...(constraint ? { constraint: { fields: constraint } } : {}) });
    }
    case 'SQLITE_CONSTRAINT_NOTNULL': {
      const constraint = fields();
      return new DriverAdapterError({ ...known, kind: 'NullConstraintViolation', ...(constraint ? { constraint: { fields: constraint } } : {}) });
    }
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
    case 'SQLITE_CONSTRAINT_TRIGGER':
      return new DriverAdapterError({ ...known, kind: 'ForeignKeyConstraintViolation', constraint: { foreignKey: {} } });
    default:
      if (message.startsWith('no such table')) return new DriverAdapterError({ ...known, kind: 'TableDoesNotExist', table: message.split(': ').at(1) });
      if (message.startsWith('no such column')) return new DriverAdapterError({ ...known, kind: 'ColumnNotFound', column: message.split(': ').at(1) });
      if (message.includes('has no column named ')) return new DriverAdapterError({ ...known, kind: 'ColumnNotFound', column: message.split('has no column named ').at(1) });
      return error;
  }
}
