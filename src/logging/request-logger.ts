import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

/** pino's levels, as Fastify's logger has them (no custom levels here). */
const lineLevels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
const levelValues: Readonly<Record<string, number | undefined>> = { ...lineLevels, silent: Infinity };
type LineLevel = keyof typeof lineLevels;

/**
 * Fastify's `childLoggerFactory`: each request's logger, whose pino child (the request id's
 * binding) is made at its first line at an enabled level. pino runs every path of the
 * redaction over a child's bindings when it makes one, and at the usual levels most requests
 * write no line (docs/performance.md, "The GraphQL phase's peak"). A route's own level or
 * serializers (none here) get their child at once.
 */
export const requestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (parent, bindings, options) => {
  if (options.level !== undefined || options.serializers !== undefined) return parent.child(bindings, options);
  let made: FastifyBaseLogger | undefined;
  const child = () => (made ??= parent.child(bindings, options));
  const line =
    (level: LineLevel) =>
    (...args: unknown[]): void => {
      const current = made ?? parent;
      if (lineLevels[level] < (levelValues[current.level] ?? 0)) return;
      const logger = child();
      Reflect.apply(logger[level], logger, args);
    };
  return {
    get level() {
      return (made ?? parent).level;
    },
    set level(level) {
      child().level = level;
    },
    trace: line('trace'),
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    fatal: line('fatal'),
    silent: () => undefined,
    child: (more, moreOptions) => child().child(more, moreOptions),
  };
};
