// Attack: two accounts under one visible name. A second user named `alice`, `ALICE`, fullwidth
// `ａｌｉｃｅ`, or `café` spelled with a combining accent, looks like the first to the people who
// read names (an operator, a support agent, a log reader, a user picking an account), and a
// name with a hidden bidirectional control or zero-width character reads one way and means
// another. Creation refuses a name whose NFKC-and-case-folded key another user has
// (USERNAME_CONFUSABLE); every entry takes a name in NFC, so both spellings of `café` reach one
// user on REST and GraphQL; invisible controls are refused in names and in a code's context;
// and the users the legacy service created, whose names may collide, keep working by their
// exact names, the oldest keeping the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrate.js';
import { parseConfig } from '../src/config/config.js';
import { usernameKey } from '../src/vocabulary/username.js';
import { CreateUserDocument, GenerateOtpDocument, UserDocument } from './generated/graphql.js';
import { ManualClock, testEnv, uniqueName, useTestApp, type TestApp } from './support/app.js';
import { insertUser, openTestDatabase } from './support/db.js';
import { createUser, postGenerate, requestCode, submitCode } from './support/flows.js';
import { execute } from './support/graphql.js';

/** What createUser answered for `username`: its __typename and code. */
async function create(app: TestApp, username: string) {
  const { createUser: created } = await execute(app, CreateUserDocument, { input: { username, email: 'alice@example.com' } });
  return created;
}

/** A fresh name with letters that case folding and NFKC change: `Zoë-<random>`, precomposed. */
function freshName(): string {
  return `Zoë-${uniqueName('x').slice(2)}`;
}

describe('one identity per visible name', () => {
  // moved past the resend interval when one user is asked for a code twice
  const clock = new ManualClock();
  const app = useTestApp({}, { clock });
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it.each([
    ['lower case', (name: string) => name.toLowerCase()],
    ['upper case', (name: string) => name.toUpperCase()],
    ['fullwidth forms', (name: string) => name.replace(/[!-~]/g, (c) => String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0))],
    ['a decomposed ë in another case', (name: string) => name.toUpperCase().normalize('NFD')],
  ])('refuses a second user whose name differs only by %s, with USERNAME_CONFUSABLE, and creates nothing', async (_how, lookAlike) => {
    const original = freshName();
    await createUser(app, { username: original });
    const other = lookAlike(original);
    expect(other).not.toBe(original);
    const refused = await create(app, other);
    expect(refused).toMatchObject({ __typename: 'UsernameConfusableError', code: 'USERNAME_CONFUSABLE' });
    expect(await database.db.user.count({ where: { usernameKey: usernameKey(original) } })).toBe(1);
    expect(await database.db.user.count({ where: { username: { in: [other, other.normalize('NFC')] } } })).toBe(0);
  });

  it('takes a decomposed name as its composed form: creating it again is USERNAME_TAKEN, and it is stored composed', async () => {
    const composed = freshName();
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const created = await create(app, decomposed);
    expect(created).toMatchObject({ __typename: 'User', username: composed });
    expect(await create(app, composed)).toMatchObject({ __typename: 'UsernameTakenError', code: 'USERNAME_TAKEN' });
    const stored = await database.db.user.findMany({ where: { username: { in: [composed, decomposed] } }, select: { username: true, usernameKey: true } });
    expect(stored).toEqual([{ username: composed, usernameKey: usernameKey(composed) }]);
  });

  it('finds the user by either spelling on both surfaces: REST generate and verify, GraphQL user and generateOtp', async () => {
    const composed = freshName();
    await createUser(app, { username: composed });
    const decomposed = composed.normalize('NFD');

    const { code } = await requestCode(app, decomposed);
    const verified = await submitCode(app, decomposed, code);
    expect(verified.statusCode, verified.body).toBe(200);

    const { user } = await execute(app, UserDocument, { username: decomposed });
    expect(user?.username).toBe(composed);
    clock.advance(60_000);
    const { generateOtp } = await execute(app, GenerateOtpDocument, { username: decomposed });
    expect(generateOtp.__typename).toBe('GenerateOtpPayload');
    const audited = await database.db.auditEvent.findMany({ where: { username: decomposed } });
    expect(audited).toEqual([]);
  });

  it('keeps lookups exact: another case of a name is not its user', async () => {
    const name = freshName();
    await createUser(app, { username: name });
    const response = await postGenerate(app, name.toLowerCase());
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'User not found' });
    expect((await execute(app, UserDocument, { username: name.toUpperCase() })).user).toBeNull();
  });

  it.each([
    ['a right-to-left override', '\u202E'],
    ['a left-to-right isolate', '\u2066'],
    ['a pop directional isolate', '\u2069'],
    ['a zero-width space', '\u200B'],
    ['a zero-width joiner', '\u200D'],
    ['a word joiner', '\u2060'],
    ['a byte order mark', '\uFEFF'],
  ])('refuses a username with %s, saying why, and creates nothing', async (_what, hidden) => {
    const username = `adm${hidden}in-${uniqueName().slice(5)}`;
    const refused = await create(app, username);
    expect(refused).toMatchObject({
      __typename: 'ValidationFailedError',
      issues: [{ path: ['username'], message: 'must not contain bidirectional controls or zero-width characters' }],
    });
    expect(await database.db.user.count({ where: { username } })).toBe(0);
  });

  it('refuses a context with a bidirectional control or a zero-width character on REST and GraphQL, sending nothing', async () => {
    const username = await createUser(app);
    for (const context of ['Pay 10 EUR to \u202EHCAM', 'Pay 1\u200B00 EUR']) {
      const rest = await app.inject({ method: 'POST', url: `/auth/generate?username=${encodeURIComponent(username)}&context=${encodeURIComponent(context)}` });
      expect(rest.statusCode).toBe(400);
      expect(rest.json()).toEqual({ detail: 'context: must not contain bidirectional controls or zero-width characters' });
      const { generateOtp } = await execute(app, GenerateOtpDocument, { username, context });
      expect(generateOtp).toMatchObject({ __typename: 'ValidationFailedError', code: 'VALIDATION_FAILED' });
    }
    expect(await database.db.otpLog.count({ where: { user: { username } } })).toBe(0);
  });
});

describe('users the legacy service created', () => {
  // moved past the resend interval when one user is asked for a code twice
  const clock = new ManualClock();
  const app = useTestApp({}, { clock });
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('keep working by their exact names when they collide; the oldest gets the key, a decomposed name is stored composed', async () => {
    const base = uniqueName('legacy');
    // written as the legacy service wrote them: no key
    const oldest = await insertUser(database, `${base}-Ana`);
    const younger = await insertUser(database, `${base}-ANA`);
    const decomposedName = `${base}-José`.normalize('NFD');
    const decomposed = await insertUser(database, decomposedName);
    const composedTwin = `${base}-josé`;
    // What start-up's migrator does for every row without a key (the SQL part ran long ago).
    await applyMigrations(parseConfig(testEnv()).database);

    const keys = await database.db.user.findMany({ where: { id: { in: [oldest.id, younger.id, decomposed.id] } }, orderBy: { id: 'asc' } });
    expect(keys.map((user) => [user.username, user.usernameKey])).toEqual([
      [`${base}-Ana`, usernameKey(`${base}-Ana`)],
      [`${base}-ANA`, null],
      [`${base}-José`, usernameKey(`${base}-José`)],
    ]);

    for (const name of [`${base}-Ana`, `${base}-ANA`, decomposedName, `${base}-José`]) {
      clock.advance(60_000);
      const { code } = await requestCode(app, name);
      expect((await submitCode(app, name, code)).statusCode, name).toBe(200);
    }
    // the key they hold refuses a new look-alike
    expect(await create(app, `${base}-ana`)).toMatchObject({ __typename: 'UsernameConfusableError' });
    expect(await create(app, composedTwin)).toMatchObject({ __typename: 'UsernameConfusableError' });
  });
});
