import { createServer } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

/**
 * The SDL of a second, tiny subgraph standing in for another FountainAI service: it extends
 * this service's `User` entity with a `displayName`, keyed (and so also exposing) `id`.
 */
export const profilesTypeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type User @key(fields: "id") {
    id: ID!
    "How the user is shown in the FountainAI frontends."
    displayName: String!
  }

  type Query {
    "Users the profiles service features on its front page."
    featuredUsers: [User!]!
  }
`);

export interface ProfilesSubgraph {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the profiles subgraph over real HTTP on 127.0.0.1 (a random port), with its
 * display names by user id (the global ids this service returns as `User.id`).
 */
export async function startProfilesSubgraph(displayNames: ReadonlyMap<string, string>): Promise<ProfilesSubgraph> {
  const profile = (id: string) => {
    const displayName = displayNames.get(id);
    return displayName === undefined ? null : { id, displayName };
  };
  const schema = buildSubgraphSchema({
    typeDefs: profilesTypeDefs,
    resolvers: {
      Query: { featuredUsers: () => [...displayNames.keys()].map((id) => ({ id })) },
      User: {
        __resolveReference: (reference: { id: string }) => profile(reference.id),
        displayName: ({ id }: { id: string }) => displayNames.get(id),
      },
    },
  });
  const yoga = createYoga({ schema, logging: false, landingPage: false, graphiql: false });
  const server = createServer((request, response) => void yoga(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the profiles subgraph is not on TCP');
  return {
    url: `http://127.0.0.1:${address.port}/graphql`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
