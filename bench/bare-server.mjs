/**
 * The ceiling: a bare Fastify server with one GET route, measured the same way as the service.
 * Plain JavaScript, so it runs on Node alone (no loader), with the service's Node flags.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: { level: 'warn' } });
app.get('/', () => ({ status: 'up' }));
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
