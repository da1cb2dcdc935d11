import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';

/**
 * One operation of `schema/operations`: an example GraphiQL shows, a typed document codegen
 * makes for the tests, and an operation persisted-operations-only mode accepts.
 */
export interface KnownOperation {
  /** the operation's name, e.g. `CreateUser` */
  name: string;
  /** the file it comes from, e.g. `create-user.graphql` */
  file: string;
  /** the file as written, comments included: what GraphiQL shows */
  source: string;
  /** the document as graphql-js prints it (no comments, normalised layout) */
  document: string;
  /** SHA-256 (hex) of `document`: the id a client sends as `extensions.persistedQuery.sha256Hash` */
  sha256Hash: string;
}

/** Where the operations live, relative to this file in `src/` (and in an image that copies `schema/`). */
export const operationsDir = fileURLToPath(new URL('../../schema/operations/', import.meta.url));

/** Hex SHA-256 of a GraphQL document printed by graphql-js: the hash Apollo's persisted-queries link sends. */
export function operationHash(document: string): string {
  return createHash('sha256').update(document).digest('hex');
}

/**
 * Reads every `*.graphql` file of `dir` once (at start-up), each holding exactly one named
 * operation; throws on a file that does not, so a bad example stops the service early.
 */
export function loadOperations(dir: string = operationsDir): KnownOperation[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort();
  const operations = files.map((file) => {
    const source = readFileSync(join(dir, file), 'utf8');
    const parsed = parse(source);
    const definitions = parsed.definitions.filter(
      (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
    );
    const name = definitions.length === 1 ? definitions[0]?.name?.value : undefined;
    if (!name) throw new Error(`${join(dir, file)}: expected exactly one named operation`);
    const document = print(parsed);
    return { name, file, source, document, sha256Hash: operationHash(document) };
  });
  const names = new Set(operations.map((operation) => operation.name));
  if (names.size !== operations.length) throw new Error(`${dir}: two files define an operation of the same name`);
  return orderForReading(operations);
}

/** The everyday flow first, then the rest by name, so GraphiQL's tabs read as a walkthrough. */
const walkthrough = ['CreateUser', 'GenerateOtp', 'VerifyOtp', 'User', 'Users', 'Logs'];
function orderForReading(operations: KnownOperation[]): KnownOperation[] {
  const rank = (name: string) => {
    const index = walkthrough.indexOf(name);
    return index === -1 ? walkthrough.length : index;
  };
  return [...operations].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/**
 * GraphiQL's tabs after the first: the example operations grouped by a caller's journey, one
 * document of several named operations per tab (GraphiQL's run button asks which), so the strip
 * stays short. An operation in no group gets a tab of its own, after them.
 */
const journeys: readonly { title: string; operations: readonly string[] }[] = [
  { title: 'Users: create, read, change, erase', operations: ['CreateUser', 'User', 'Users', 'UpdateUser', 'DeleteUser', 'Node'] },
  { title: 'Codes: send one, check it, read the log', operations: ['GenerateOtp', 'VerifyOtp', 'Logs'] },
  {
    title: 'Authenticator app and recovery codes',
    operations: ['EnrollTotp', 'ConfirmTotp', 'GenerateRecoveryCodes', 'UserFactors', 'DisableTwoFactor'],
  },
  {
    title: 'Passkeys',
    operations: ['StartPasskeyRegistration', 'FinishPasskeyRegistration', 'StartPasskeyVerification', 'VerifyPasskey', 'RenamePasskey', 'RemovePasskey'],
  },
  { title: 'Remembered devices', operations: ['VerifyDevice', 'UserDevices', 'RevokeDevice', 'RevokeAllDevices'] },
  { title: 'Audit trail', operations: ['AuditEvents'] },
];

/** One GraphiQL tab: its document and the variables it opens with (JSON). */
export interface GraphiQLTab {
  query: string;
  variables: string;
}

/**
 * The example operations as GraphiQL's tabs, grouped by journey. A tab's variables are those of
 * its operations together (where two name the same variable, the first operation's value).
 */
export function graphiqlTabs(operations: readonly KnownOperation[]): GraphiQLTab[] {
  const byName = new Map(operations.map((operation) => [operation.name, operation]));
  const grouped = new Set(journeys.flatMap((journey) => journey.operations));
  const groups = [
    ...journeys.map(({ title, operations: names }) => ({ title, members: names.flatMap((name) => byName.get(name) ?? []) })),
    ...operations.filter((operation) => !grouped.has(operation.name)).map((operation) => ({ title: operation.name, members: [operation] })),
  ].filter((group) => group.members.length > 0);
  return groups.map(({ title, members }) => ({
    query: [
      ...(members.length > 1 ? [`# ${title}: the run button asks which operation to run.\n`] : []),
      ...members.map((operation) => operation.source.trimEnd()),
    ].join('\n\n') + '\n',
    variables: JSON.stringify(Object.assign({}, ...members.toReversed().map((operation) => exampleVariables[operation.name] ?? {})), null, 2),
  }));
}

/**
 * Variables GraphiQL fills in for an example, so each tab runs as it opens; an operation
 * not listed here opens with `{}`.
 */
export const exampleVariables: Readonly<Record<string, Record<string, unknown>>> = {
  CreateUser: { input: { username: 'alice', email: 'alice@example.com' } },
  GenerateOtp: { username: 'alice' },
  VerifyOtp: { username: 'alice', code: '123456' },
  User: { username: 'alice' },
  Users: { first: 10 },
  Logs: { username: 'alice', first: 10 },
  AuditEvents: { username: 'alice', first: 10 },
  EnrollTotp: { username: 'alice' },
  ConfirmTotp: { username: 'alice', code: '123456' },
  GenerateRecoveryCodes: { username: 'alice' },
  UpdateUser: { input: { username: 'alice', locale: 'de' } },
  Node: { id: 'VXNlcjox' },
  DisableTwoFactor: { username: 'alice' },
  DeleteUser: { username: 'alice' },
  StartPasskeyRegistration: { username: 'alice' },
  // `response` is what the browser answers: credential.toJSON() after navigator.credentials.create/get
  FinishPasskeyRegistration: {
    username: 'alice',
    name: 'MacBook',
    response: { id: '…', rawId: '…', type: 'public-key', response: { clientDataJSON: '…', attestationObject: '…' } },
  },
  StartPasskeyVerification: { username: 'alice' },
  VerifyPasskey: {
    username: 'alice',
    response: { id: '…', rawId: '…', type: 'public-key', response: { clientDataJSON: '…', authenticatorData: '…', signature: '…' } },
  },
  RenamePasskey: { username: 'alice', id: 'UGFzc2tleTox', name: 'Work laptop' },
  RemovePasskey: { username: 'alice', id: 'UGFzc2tleTox' },
  UserFactors: { username: 'alice' },
};

/** What a new GraphiQL tab opens with: one query to run at once, and where the examples are. */
export const graphiqlDefaultQuery = `# FountainAI 2FA Service. The other tabs hold the example operations
# (schema/operations): create a user, send them a code, check it.
# Press Ctrl-Enter (or the run button) to run this one.
query FirstUsers {
  users(first: 5) {
    edges {
      node {
        username
        deliveryMethod
        otpEnabled
      }
    }
  }
}
`;
