// The README cannot drift from the service: its commands are the ones CI and package.json run,
// its links lead to files that exist, and its walk-through ("Try it") runs as written against
// a started service, each answer checked against the JSON the README shows.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_SECRET } from './support/app.js';
import { startServiceProcess, type ServiceProcess } from './support/service-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Block {
  lang: string;
  text: string;
}

/** The fenced blocks of one `## ` section, in order. */
function blocksOf(heading: string): Block[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? '', text: m[2] ?? '' }));
}

/** A walk-through step: shell commands and, when the README shows one, the answer they print. */
interface Step {
  command: string;
  answer?: Block;
}

function walkthrough(): Step[] {
  const steps: Step[] = [];
  for (const block of blocksOf('Try it')) {
    if (block.lang === 'sh') steps.push({ command: block.text });
    else if (steps.at(-1) && !steps.at(-1)?.answer) (steps.at(-1) as Step).answer = block;
    else throw new Error(`a ${block.lang} block that follows no command:\n${block.text}`);
  }
  return steps;
}

/** Values that differ on every run: the README shows an example, the service a fresh one. */
const varying: Record<string, RegExp> = {
  otp_code: /^\d{6}$/,
  expires_at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
  token: /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/,
};

/** Same keys everywhere, same values except the varying ones, which must have their form. */
function expectSameShape(actual: unknown, expected: unknown, path = '$') {
  if (expected !== null && typeof expected === 'object') {
    expect(actual, path).toBeTypeOf('object');
    expect(Array.isArray(actual), path).toBe(Array.isArray(expected));
    const [a, e] = [actual as Record<string, unknown>, expected as Record<string, unknown>];
    expect(Object.keys(a).sort(), `keys of ${path}`).toEqual(Object.keys(e).sort());
    for (const key of Object.keys(e)) {
      const form = varying[key];
      if (form) {
        expect(e[key], `README's example of ${path}.${key}`).toMatch(form);
        expect(a[key], `${path}.${key}`).toMatch(form);
      } else expectSameShape(a[key], e[key], `${path}.${key}`);
    }
    return;
  }
  expect(actual, path).toEqual(expected);
}

function expectAnswer(output: string, answer: Block, command: string) {
  const context = `${command}\nprinted:\n${output}`;
  if (answer.lang === 'json') {
    expectSameShape(JSON.parse(output.trim()), JSON.parse(answer.text), '$');
    return;
  }
  expect(answer.lang, 'an answer block is json or http').toBe('http');
  // curl -i: status line, headers, a blank line, the body; the README shows some headers
  const [head = '', body = ''] = output.replace(/\r\n/g, '\n').split('\n\n', 2);
  const [expectedHead = '', expectedBody = ''] = answer.text.split('\n\n', 2);
  const [status, ...headers] = head.split('\n');
  const [expectedStatus, ...expectedHeaders] = expectedHead.split('\n');
  expect(status, context).toBe(expectedStatus);
  const lower = headers.map((line) => line.toLowerCase());
  for (const header of expectedHeaders) expect(lower, context).toContain(header.toLowerCase());
  expectSameShape(JSON.parse(body.trim()), JSON.parse(expectedBody), '$');
}

describe('the README', () => {
  it('starts the service with `npm ci && npm start` and tests with `npm test`, as package.json and CI do', () => {
    expect(blocksOf('Start it').map((b) => b.text.trim())).toEqual(['npm ci && npm start']);
    expect(blocksOf('Test it').map((b) => b.text.trim())).toEqual(['npm test']);
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe('tsx src/main.ts');
    expect(scripts.test).toBe('vitest run');
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^npm test\b/m);
  });

  it('links only to files that exist', () => {
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? '').filter((t) => !/^[a-z]+:/.test(t));
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) expect(existsSync(join(root, target)), target).toBe(true);
  });

  it('is at most 8 KB: the rest lives in docs/', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(8 * 1024);
  });
});

describe('the README walk-through, run as written against the service', { timeout: 120_000 }, () => {
  let service: ServiceProcess;
  const steps = walkthrough();
  const outputs: string[] = [];

  beforeAll(async () => {
    // Default throttles and settings; only what a test process needs (its database, fixed keys).
    service = await startServiceProcess({ env: { DATABASE_URL: inject('databaseUrl') } });
    // One shell for the whole walk-through, as a reader's terminal: variables carry over. It
    // runs in the checkout, as the reader's does (npm run cli), with the service's SECRET_KEY,
    // which the README has the reader put in .env.
    const script = steps
      .map((step, index) => `printf '\\n@@step ${String(index)}@@\\n'\n${step.command.replaceAll('http://localhost:8004', service.url)}`)
      .join('\n');
    const { stdout } = await promisify(execFile)('sh', ['-c', script], {
      cwd: root,
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, SECRET_KEY: TEST_SECRET },
      timeout: 90_000,
    });
    for (const [index] of steps.entries()) {
      const start = stdout.indexOf(`@@step ${String(index)}@@\n`);
      const end = stdout.indexOf(`\n@@step ${String(index + 1)}@@`);
      outputs.push(start < 0 ? '' : stdout.slice(start + `@@step ${String(index)}@@\n`.length, end < 0 ? undefined : end));
    }
  }, 120_000);

  afterAll(async () => {
    await service.stop();
  });

  it('has steps with answers', () => {
    expect(steps.filter((step) => step.answer).length).toBeGreaterThanOrEqual(6);
  });

  it('prints where GraphiQL and the REST docs are at start-up, as "Start it" says', () => {
    expect(service.output()).toContain(`GraphiQL:  http://localhost:${String(service.port)}/graphql`);
    expect(service.output()).toContain(`REST docs: http://localhost:${String(service.port)}/docs`);
  });

  for (const [index, step] of walkthrough().entries()) {
    if (!step.answer) continue;
    const answer = step.answer;
    const curl = step.command.split('\n').find((line) => line.includes('curl')) ?? step.command;
    it(`step ${String(index + 1)}: ${curl.trim().slice(0, 100)}`, () => {
      expectAnswer(outputs[index] ?? '', answer, step.command);
    });
  }
});
