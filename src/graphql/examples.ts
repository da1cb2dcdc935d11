/** What GraphiQL opens with: the everyday flow, ready to run. */
export const graphiqlDefaultQuery = `# Create a user, send them a code, check it.
mutation CreateUser {
  createUser(input: { username: "alice", email: "alice@example.com" }) {
    __typename
    ... on User { id username deliveryMethod }
    ... on Error { code message }
  }
}

mutation GenerateOtp {
  generateOtp(username: "alice") {
    __typename
    ... on GenerateOtpPayload { expiresAt channel destination otpCode }
    ... on Error { code message }
  }
}

mutation VerifyOtp {
  verifyOtp(username: "alice", code: "123456") {
    __typename
    ... on VerifyOtpPayload { success method verifiedAt }
    ... on InvalidCodeError { attemptsLeft }
    ... on Error { code message }
  }
}

query Users {
  users(first: 10) { edges { node { username email otpEnabled } } }
}
`;
