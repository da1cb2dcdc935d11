import { describe, expect, it } from 'vitest';
import { uniqueName, useTestApp } from './support/app.js';
import { execute, executeRaw, expectType } from './support/graphql.js';
import {
  CreateUserDocument,
  NodeDocument,
  UpdateUserDocument,
  UserDocument,
  UsersDocument,
  type CreateUserInput,
} from './generated/graphql.js';

describe('GraphQL users', () => {
  const app = useTestApp();

  const createUser = async (input: CreateUserInput) => (await execute(app, CreateUserDocument, { input })).createUser;

  describe('createUser', () => {
    it('creates a user with the defaults filled in', async () => {
      const username = uniqueName();
      const user = expectType(await createUser({ username, email: 'ada@example.com' }), 'User');
      expect(user).toMatchObject({
        username,
        email: 'ada@example.com',
        phoneNumber: null,
        deliveryMethod: 'EMAIL',
        locale: 'en',
        otpEnabled: true,
      });
      expect(new Date(user.createdAt).getTime()).not.toBeNaN();
    });

    it('defaults to SMS when only a phone number is given', async () => {
      const user = expectType(await createUser({ username: uniqueName(), phoneNumber: '+4915112345678' }), 'User');
      expect(user).toMatchObject({ deliveryMethod: 'SMS', phoneNumber: '+4915112345678', email: null });
    });

    it('refuses a username that is taken with UsernameTakenError', async () => {
      const username = uniqueName();
      expectType(await createUser({ username, email: 'a@example.com' }), 'User');
      const again = expectType(await createUser({ username, email: 'b@example.com' }), 'UsernameTakenError');
      expect(again).toEqual({
        __typename: 'UsernameTakenError',
        code: 'USERNAME_TAKEN',
        message: 'A user with this username already exists',
      });
    });

    it('refuses SMS delivery without a phone number, naming the field', async () => {
      const result = expectType(
        await createUser({ username: uniqueName(), email: 'a@example.com', deliveryMethod: 'SMS' }),
        'ValidationFailedError',
      );
      expect(result.code).toBe('VALIDATION_FAILED');
      expect(result.issues).toEqual([{ path: ['phoneNumber'], message: 'is required when deliveryMethod is SMS' }]);
    });

    it('refuses an unknown locale and a too long username, listing every issue', async () => {
      const result = expectType(await createUser({ username: 'x'.repeat(101), locale: 'nl' }), 'ValidationFailedError');
      expect(result.issues).toEqual([
        { path: ['username'], message: 'must be at most 100 characters' },
        { path: ['locale'], message: 'must be one of en, de, fr, es, pt, it, optionally with a region (e.g. pt-BR)' },
      ]);
    });

    it('refuses an empty username', async () => {
      const result = expectType(await createUser({ username: '  ' }), 'ValidationFailedError');
      expect(result.issues).toContainEqual({ path: ['username'], message: 'must not be empty' });
    });

    it('rejects a malformed email address before running anything', async () => {
      const username = uniqueName();
      const { body } = await executeRaw(
        app,
        'mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename } }',
        { input: { username, email: 'not-an-email' } },
      );
      expect(body.data).toBeUndefined();
      expect(body.errors).toHaveLength(1);
      expect(body.errors?.[0]?.message).toMatch(/email/i);
      expect((await execute(app, UserDocument, { username })).user).toBeNull();
    });

    it('rejects a malformed phone number written into the query', async () => {
      const { body } = await executeRaw(
        app,
        `mutation { createUser(input: { username: "${uniqueName()}", phoneNumber: "call me" }) { __typename } }`,
      );
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/phone/i);
    });
  });

  describe('updateUser', () => {
    it('changes the given fields and keeps the others', async () => {
      const username = uniqueName();
      expectType(await createUser({ username, email: 'a@example.com' }), 'User');
      const { updateUser } = await execute(app, UpdateUserDocument, {
        input: { username, locale: 'de', phoneNumber: '+4915112345678', deliveryMethod: 'SMS' },
      });
      expect(expectType(updateUser, 'User')).toMatchObject({
        username,
        email: 'a@example.com',
        phoneNumber: '+4915112345678',
        deliveryMethod: 'SMS',
        locale: 'de',
        otpEnabled: true,
      });
    });

    it('clears a field set to null, unless the delivery method needs it', async () => {
      const username = uniqueName();
      expectType(await createUser({ username, email: 'a@example.com', phoneNumber: '+4915112345678' }), 'User');

      const cleared = await execute(app, UpdateUserDocument, { input: { username, phoneNumber: null } });
      expect(expectType(cleared.updateUser, 'User')).toMatchObject({ phoneNumber: null, email: 'a@example.com' });

      const refused = await execute(app, UpdateUserDocument, { input: { username, email: null } });
      expect(expectType(refused.updateUser, 'ValidationFailedError').issues).toEqual([
        { path: ['email'], message: 'is required when deliveryMethod is EMAIL' },
      ]);
      const { user } = await execute(app, UserDocument, { username });
      expect(user?.email).toBe('a@example.com');
    });

    it('answers UserNotFoundError for an unknown user', async () => {
      const { updateUser } = await execute(app, UpdateUserDocument, { input: { username: uniqueName(), locale: 'de' } });
      expect(expectType(updateUser, 'UserNotFoundError').code).toBe('USER_NOT_FOUND');
    });
  });

  describe('user', () => {
    it('finds a user by username', async () => {
      const username = uniqueName();
      const created = expectType(await createUser({ username, email: 'a@example.com' }), 'User');
      const { user } = await execute(app, UserDocument, { username });
      expect(user).toMatchObject({ __typename: 'User', id: created.id, username, email: 'a@example.com' });
      expect(user?.logs).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    });

    it('is null for an unknown username', async () => {
      expect(await execute(app, UserDocument, { username: uniqueName() })).toEqual({ user: null });
    });
  });

  describe('users', () => {
    it('pages through users oldest first with stable cursors', async () => {
      const prefix = uniqueName('page');
      const names = ['a', 'b', 'c'].map((suffix) => `${prefix}-${suffix}`);
      for (const username of names) expectType(await createUser({ username }), 'User');
      expectType(await createUser({ username: uniqueName('other') }), 'User');

      const first = (await execute(app, UsersDocument, { usernamePrefix: prefix, first: 2 })).users;
      expect(first.edges.map((edge) => edge.node.username)).toEqual(names.slice(0, 2));
      expect(first.pageInfo.hasNextPage).toBe(true);
      expect(first.pageInfo.endCursor).toBe(first.edges[1]?.cursor);

      const second = (
        await execute(app, UsersDocument, { usernamePrefix: prefix, first: 2, after: first.pageInfo.endCursor })
      ).users;
      expect(second.edges.map((edge) => edge.node.username)).toEqual(names.slice(2));
      expect(second.pageInfo.hasNextPage).toBe(false);

      const again = (await execute(app, UsersDocument, { usernamePrefix: prefix, first: 2 })).users;
      expect(again).toEqual(first);
    });

    it('filters by username prefix', async () => {
      const prefix = uniqueName('prefix');
      expectType(await createUser({ username: `${prefix}-one` }), 'User');
      expectType(await createUser({ username: `x${prefix}` }), 'User');
      const { users } = await execute(app, UsersDocument, { usernamePrefix: prefix });
      expect(users.edges.map((edge) => edge.node.username)).toEqual([`${prefix}-one`]);
    });

    it('matches the prefix exactly: case counts and _ or % are no wildcards', async () => {
      const prefix = uniqueName('exact');
      for (const username of [`${prefix}_a`, `${prefix}xa`, `${prefix}%b`, `${prefix.toUpperCase()}_c`]) {
        expectType(await createUser({ username }), 'User');
      }
      const names = async (usernamePrefix: string) =>
        (await execute(app, UsersDocument, { usernamePrefix })).users.edges.map((edge) => edge.node.username);
      expect(await names(`${prefix}_`)).toEqual([`${prefix}_a`]);
      expect(await names(`${prefix}%`)).toEqual([`${prefix}%b`]);
      expect(await names(prefix)).toEqual([`${prefix}_a`, `${prefix}xa`, `${prefix}%b`]);
    });
  });

  describe('node', () => {
    it('resolves a user by its global id', async () => {
      const username = uniqueName();
      const created = expectType(await createUser({ username, email: 'a@example.com' }), 'User');
      const { node } = await execute(app, NodeDocument, { id: created.id });
      expect(node).toEqual({ __typename: 'User', id: created.id, username });
    });

    it('is null for a global id that names no object', async () => {
      const id = Buffer.from('User:999999999').toString('base64');
      expect(await execute(app, NodeDocument, { id })).toEqual({ node: null });
    });
  });
});
