import { context, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { redactQuery } from '../logging/logger.js';
import { extractContext } from './span-context.js';

/**
 * A SERVER span per request, a child of the caller's `traceparent` when it sends one (the
 * gateway does), ended when the answer has been sent. The URL's query values are redacted as
 * the logs redact them: a legacy generate carries the username there.
 *
 * The span's context is made active twice: at `onRequest`, for what runs before the body is
 * read, and at `preHandler`, because the body arrives in the socket's own callbacks, outside
 * any context set before; everything from there to the answer (route hooks, the handler, its
 * statements) runs inside it.
 */
export function instrumentHttp(app: FastifyInstance, tracer: Tracer): void {
  const spans = new WeakMap<FastifyRequest, { span: Span; active: Context }>();

  app.addHook('onRequest', (request, _reply, done) => {
    const parent = extractContext(request.headers);
    const question = request.url.indexOf('?');
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: question === -1 ? request.url : request.url.slice(0, question),
          ...(question === -1 ? {} : { [ATTR_URL_QUERY]: redactQuery(request.url).slice(request.url.indexOf('?') + 1) }),
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_CLIENT_ADDRESS]: request.ip,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    spans.set(request, { span, active });
    context.with(active, done);
  });

  app.addHook('preHandler', (request, _reply, done) => {
    const traced = spans.get(request);
    if (traced) context.with(traced.active, done);
    else done();
  });

  const end = (request: FastifyRequest, status: number | undefined) => {
    const traced = spans.get(request);
    if (!traced) return;
    spans.delete(request);
    const route = request.routeOptions.url;
    if (route) {
      traced.span.setAttribute(ATTR_HTTP_ROUTE, route);
      traced.span.updateName(`${request.method} ${route}`);
    }
    if (status === undefined) traced.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
    else {
      traced.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    traced.span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });
}
