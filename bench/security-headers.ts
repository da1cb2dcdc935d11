// What the security headers cost a JSON answer, in CPU per request through app.inject on a bare
// Fastify route shaped like REST verify's answer: no hook, the root onSend hook every answer
// gets (nosniff), and @fastify/helmet's full set on every route (what the pages alone get).
// `npx tsx bench/security-headers.ts`; each row is one of three rounds after a warm-up.
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { pageHelmetOptions, setAnswerHeaders } from '../src/http/security-headers.js';

type Kind = 'none' | 'nosniff' | 'helmet';
const requests = 20_000;

async function build(kind: Kind) {
  const app = Fastify();
  if (kind === 'nosniff') {
    app.addHook('onSend', (_request, reply, payload, done) => {
      setAnswerHeaders(reply);
      done(null, payload);
    });
  }
  if (kind === 'helmet') await app.register(helmet, pageHelmetOptions);
  app.post('/auth/verify', () => ({ success: true, method: 'otp', token: 'x' }));
  await app.ready();
  return app;
}

for (let round = 1; round <= 3; round++) {
  for (const kind of ['none', 'nosniff', 'helmet'] as const) {
    const app = await build(kind);
    const verify = () => app.inject({ method: 'POST', url: '/auth/verify', payload: {} });
    for (let i = 0; i < 2_000; i++) await verify();
    const start = process.cpuUsage();
    for (let i = 0; i < requests; i++) await verify();
    const used = process.cpuUsage(start);
    console.log(`round ${String(round)}  ${kind.padEnd(8)} ${((used.user + used.system) / requests).toFixed(1)} µs CPU a request`);
    await app.close();
  }
}
