import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { freePort, sleep } from './net.js';

/**
 * A Redis of the test's own (`redis-server` on a free port, nothing saved to disk), never the
 * machine's shared one on 6379, so a test may stop it. `stop()` ends it as an outage would;
 * `start()` brings it back on the same port, empty.
 */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      if (child) return;
      const started = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
        { stdio: 'ignore' },
      );
      child = started;
      const deadline = Date.now() + 10_000;
      while (!(await pong(port))) {
        if (started.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${started.exitCode}`);
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer in time`);
        await sleep(50);
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}

/** Whether a Redis answers PING on 127.0.0.1:port. */
async function pong(port: number): Promise<boolean> {
  const socket = new Socket();
  try {
    socket.setTimeout(1_000);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('timeout', () => reject(new Error('timeout')));
      socket.connect(port, '127.0.0.1', resolve);
    });
    socket.write('PING\r\n');
    const [data] = (await once(socket, 'data')) as [Buffer];
    return data.toString().startsWith('+PONG');
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}
