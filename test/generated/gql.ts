/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation CreateUser($input: CreateUserInput!) {\n  createUser(input: $input) {\n    __typename\n    ... on User {\n      id\n      username\n      email\n      phoneNumber\n      deliveryMethod\n      locale\n      otpEnabled\n      createdAt\n      updatedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationFailedError {\n      issues {\n        path\n        message\n      }\n    }\n  }\n}": typeof types.CreateUserDocument,
    "mutation GenerateOtp($username: String!) {\n  generateOtp(username: $username) {\n    __typename\n    ... on GenerateOtpPayload {\n      channel\n      destination\n      expiresAt\n      otpCode\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on DeliveryFailedError {\n      channel\n    }\n  }\n}": typeof types.GenerateOtpDocument,
    "query Logs($username: String, $status: OtpStatus, $first: Int = 20, $after: String) {\n  logs(username: $username, status: $status, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        channel\n        destination\n        status\n        attempts\n        verified\n        expiresAt\n        usedAt\n        createdAt\n        user {\n          username\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.LogsDocument,
    "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on User {\n      username\n    }\n    ... on OtpLog {\n      status\n      user {\n        username\n      }\n    }\n  }\n}": typeof types.NodeDocument,
    "mutation UpdateUser($input: UpdateUserInput!) {\n  updateUser(input: $input) {\n    __typename\n    ... on User {\n      id\n      username\n      email\n      phoneNumber\n      deliveryMethod\n      locale\n      otpEnabled\n      updatedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationFailedError {\n      issues {\n        path\n        message\n      }\n    }\n  }\n}": typeof types.UpdateUserDocument,
    "query User($username: String!, $logsFirst: Int = 10) {\n  user(username: $username) {\n    __typename\n    id\n    username\n    email\n    phoneNumber\n    deliveryMethod\n    locale\n    otpEnabled\n    createdAt\n    updatedAt\n    logs(first: $logsFirst) {\n      edges {\n        cursor\n        node {\n          id\n          channel\n          destination\n          status\n          attempts\n          verified\n          expiresAt\n          usedAt\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.UserDocument,
    "query Users($usernamePrefix: String, $first: Int = 20, $after: String) {\n  users(usernamePrefix: $usernamePrefix, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        username\n        email\n        phoneNumber\n        deliveryMethod\n        otpEnabled\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.UsersDocument,
    "mutation VerifyOtp($username: String!, $code: String!) {\n  verifyOtp(username: $username, code: $code) {\n    __typename\n    ... on VerifyOtpPayload {\n      success\n      username\n      method\n      verifiedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on InvalidCodeError {\n      attemptsLeft\n    }\n  }\n}": typeof types.VerifyOtpDocument,
};
const documents: Documents = {
    "mutation CreateUser($input: CreateUserInput!) {\n  createUser(input: $input) {\n    __typename\n    ... on User {\n      id\n      username\n      email\n      phoneNumber\n      deliveryMethod\n      locale\n      otpEnabled\n      createdAt\n      updatedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationFailedError {\n      issues {\n        path\n        message\n      }\n    }\n  }\n}": types.CreateUserDocument,
    "mutation GenerateOtp($username: String!) {\n  generateOtp(username: $username) {\n    __typename\n    ... on GenerateOtpPayload {\n      channel\n      destination\n      expiresAt\n      otpCode\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on DeliveryFailedError {\n      channel\n    }\n  }\n}": types.GenerateOtpDocument,
    "query Logs($username: String, $status: OtpStatus, $first: Int = 20, $after: String) {\n  logs(username: $username, status: $status, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        channel\n        destination\n        status\n        attempts\n        verified\n        expiresAt\n        usedAt\n        createdAt\n        user {\n          username\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.LogsDocument,
    "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on User {\n      username\n    }\n    ... on OtpLog {\n      status\n      user {\n        username\n      }\n    }\n  }\n}": types.NodeDocument,
    "mutation UpdateUser($input: UpdateUserInput!) {\n  updateUser(input: $input) {\n    __typename\n    ... on User {\n      id\n      username\n      email\n      phoneNumber\n      deliveryMethod\n      locale\n      otpEnabled\n      updatedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationFailedError {\n      issues {\n        path\n        message\n      }\n    }\n  }\n}": types.UpdateUserDocument,
    "query User($username: String!, $logsFirst: Int = 10) {\n  user(username: $username) {\n    __typename\n    id\n    username\n    email\n    phoneNumber\n    deliveryMethod\n    locale\n    otpEnabled\n    createdAt\n    updatedAt\n    logs(first: $logsFirst) {\n      edges {\n        cursor\n        node {\n          id\n          channel\n          destination\n          status\n          attempts\n          verified\n          expiresAt\n          usedAt\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.UserDocument,
    "query Users($usernamePrefix: String, $first: Int = 20, $after: String) {\n  users(usernamePrefix: $usernamePrefix, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        username\n        email\n        phoneNumber\n        deliveryMethod\n        otpEnabled\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.UsersDocument,
    "mutation VerifyOtp($username: String!, $code: String!) {\n  verifyOtp(username: $username, code: $code) {\n    __typename\n    ... on VerifyOtpPayload {\n      success\n      username\n      method\n      verifiedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on InvalidCodeError {\n      attemptsLeft\n    }\n  }\n}": types.VerifyOtpDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateUser($input: CreateUserInput!) {\n  createUser(input: $input) {\n    __typename\n    ... on User {\n      id\n      username\n      email\n      phoneNumber\n      deliveryMethod\n      locale\n      otpEnabled\n      createdAt\n      updatedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationFailedError {\n      issues {\n        path\n        message\n      }\n    }\n  }\n}"): (typeof documents)["mutation CreateUser($input: CreateUserInput!) {\n  createUser(input: $input) {\n    __typename\n    ... on User {\n      id\n      username\n      email\n      phoneNumber\n      deliveryMethod\n      locale\n      otpEnabled\n      createdAt\n      updatedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationFailedError {\n      issues {\n        path\n        message\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation GenerateOtp($username: String!) {\n  generateOtp(username: $username) {\n    __typename\n    ... on GenerateOtpPayload {\n      channel\n      destination\n      expiresAt\n      otpCode\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on DeliveryFailedError {\n      channel\n    }\n  }\n}"): (typeof documents)["mutation GenerateOtp($username: String!) {\n  generateOtp(username: $username) {\n    __typename\n    ... on GenerateOtpPayload {\n      channel\n      destination\n      expiresAt\n      otpCode\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on DeliveryFailedError {\n      channel\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Logs($username: String, $status: OtpStatus, $first: Int = 20, $after: String) {\n  logs(username: $username, status: $status, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        channel\n        destination\n        status\n        attempts\n        verified\n        expiresAt\n        usedAt\n        createdAt\n        user {\n          username\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Logs($username: String, $status: OtpStatus, $first: Int = 20, $after: String) {\n  logs(username: $username, status: $status, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        channel\n        destination\n        status\n        attempts\n        verified\n        expiresAt\n        usedAt\n        createdAt\n        user {\n          username\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on User {\n      username\n    }\n    ... on OtpLog {\n      status\n      user {\n        username\n      }\n    }\n  }\n}"): (typeof documents)["query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on User {\n      username\n    }\n    ... on OtpLog {\n      status\n      user {\n        username\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateUser($input: UpdateUserInput!) {\n  updateUser(input: $input) {\n    __typename\n    ... on User {\n      id\n      username\n      email\n      phoneNumber\n      deliveryMethod\n      locale\n      otpEnabled\n      updatedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationFailedError {\n      issues {\n        path\n        message\n      }\n    }\n  }\n}"): (typeof documents)["mutation UpdateUser($input: UpdateUserInput!) {\n  updateUser(input: $input) {\n    __typename\n    ... on User {\n      id\n      username\n      email\n      phoneNumber\n      deliveryMethod\n      locale\n      otpEnabled\n      updatedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationFailedError {\n      issues {\n        path\n        message\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query User($username: String!, $logsFirst: Int = 10) {\n  user(username: $username) {\n    __typename\n    id\n    username\n    email\n    phoneNumber\n    deliveryMethod\n    locale\n    otpEnabled\n    createdAt\n    updatedAt\n    logs(first: $logsFirst) {\n      edges {\n        cursor\n        node {\n          id\n          channel\n          destination\n          status\n          attempts\n          verified\n          expiresAt\n          usedAt\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query User($username: String!, $logsFirst: Int = 10) {\n  user(username: $username) {\n    __typename\n    id\n    username\n    email\n    phoneNumber\n    deliveryMethod\n    locale\n    otpEnabled\n    createdAt\n    updatedAt\n    logs(first: $logsFirst) {\n      edges {\n        cursor\n        node {\n          id\n          channel\n          destination\n          status\n          attempts\n          verified\n          expiresAt\n          usedAt\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Users($usernamePrefix: String, $first: Int = 20, $after: String) {\n  users(usernamePrefix: $usernamePrefix, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        username\n        email\n        phoneNumber\n        deliveryMethod\n        otpEnabled\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Users($usernamePrefix: String, $first: Int = 20, $after: String) {\n  users(usernamePrefix: $usernamePrefix, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        username\n        email\n        phoneNumber\n        deliveryMethod\n        otpEnabled\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation VerifyOtp($username: String!, $code: String!) {\n  verifyOtp(username: $username, code: $code) {\n    __typename\n    ... on VerifyOtpPayload {\n      success\n      username\n      method\n      verifiedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on InvalidCodeError {\n      attemptsLeft\n    }\n  }\n}"): (typeof documents)["mutation VerifyOtp($username: String!, $code: String!) {\n  verifyOtp(username: $username, code: $code) {\n    __typename\n    ... on VerifyOtpPayload {\n      success\n      username\n      method\n      verifiedAt\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on InvalidCodeError {\n      attemptsLeft\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;