// docs/ cannot drift from the code: every variable the service reads is documented and in
// .env.example with its real default, the configuration error shown is the one printed, and
// every relative link leads to a file that exists.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The variables `src/config/config.ts` reads: the keys of its environment schema. */
function variablesRead(): string[] {
  const source = read('src/config/config.ts');
  const schema = /const envSchema = z\.object\(\{\n([\s\S]*?)\n\}\);/.exec(source)?.[1] ?? '';
  return [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] ?? '');
}

/** `# NAME=value` lines of .env.example, as a reader who uncomments them would set them. */
function envExample(): Record<string, string> {
  return Object.fromEntries([...read('.env.example').matchAll(/^# ([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

/** The configuration without what is random per process when unset, or says only whether a variable was set. */
function comparable(config: ReturnType<typeof parseConfig>) {
  return {
    ...config,
    database: { ...config.database, urlIsDefault: 'set or not' },
    security: { ...config.security, secretKey: 'random', encryptionKeys: 'random' },
  };
}

describe('docs/configuration.md and .env.example', () => {
  const variables = variablesRead();

  it('finds the variables config.ts reads', () => {
    expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'SECRET_KEY', 'MAX_CONSECUTIVE_FAILURES', 'SHUTDOWN_TIMEOUT_MS']));
    expect(variables.length).toBeGreaterThan(50);
  });

  it('document every variable, and no other', () => {
    const documented = [...read('docs/configuration.md').matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...variables].sort());
    expect(Object.keys(envExample()).sort()).toEqual([...variables].sort());
  });

  it('.env.example shows the defaults the code applies', () => {
    const set = Object.fromEntries(Object.entries(envExample()).filter(([, value]) => value !== ''));
    expect(comparable(parseConfig(set))).toEqual(comparable(parseConfig({})));
  });

  it('shows the configuration error the service prints', () => {
    const console = /```console\n\$ (.*) npm start\n([\s\S]*?)```/.exec(read('docs/configuration.md'));
    expect(console).not.toBeNull();
    const env = Object.fromEntries((console?.[1] ?? '').split(' ').map((pair) => pair.split('=', 2) as [string, string]));
    let message = '';
    try {
      parseConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      message = error.message;
    }
    expect(`${message}\n`).toBe(console?.[2]);
  });
});

describe('docs/', () => {
  const files = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'));

  it('holds the REST contract, GraphQL, assurance, passkeys, the components, events, delivery, configuration, deployment, security, development and performance', () => {
    expect(files.sort()).toEqual(
      ['assurance.md', 'configuration.md', 'delivery.md', 'deployment.md', 'development.md', 'events.md', 'graphql.md', 'passkeys.md', 'performance.md', 'rest.md', 'security.md', 'ui.md'].sort(),
    );
  });

  it.each(files)('%s links only to files and headings that exist', (name) => {
    const text = read(`docs/${name}`);
    for (const [, target = '', anchor] of text.matchAll(/\]\(([^)#\s]*)(?:#([^)\s]*))?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const file = target === '' ? join(root, 'docs', name) : join(root, 'docs', target);
      expect(existsSync(file), `${name} → ${target}`).toBe(true);
      if (anchor && file.endsWith('.md')) {
        const headings = [...readFileSync(file, 'utf8').matchAll(/^#+ (.*)$/gm)].map((m) => githubAnchor(m[1] ?? ''));
        expect(headings, `${name} → ${target}#${anchor}`).toContain(anchor);
      }
    }
  });
});

/** The id GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function githubAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
