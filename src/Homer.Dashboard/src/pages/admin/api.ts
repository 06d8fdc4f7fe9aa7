import { gql } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'
import type { Role } from '@/api/session'

// Each type picks from the schema the fields its query string selects (written once, below).
const USER_FIELDS = ['id', 'username', 'role', 'disabled', 'createdAt', 'source'] as const satisfies readonly (keyof Schema.User)[]
export type User = Pick<Schema.User, (typeof USER_FIELDS)[number]>
const USER = USER_FIELDS.join(' ')
export const USERS_QUERY = gql<{ users: User[] }>(`query Users { users { ${USER} } }`, 'Users')
export const CREATE_USER = gql<{ createUser: User }, { username: string; password: string; role: Role }>(
  `mutation CreateUser($username: String!, $password: String!, $role: Role!) { createUser(username: $username, password: $password, role: $role) { ${USER} } }`,
  'CreateUser',
)
export const UPDATE_ROLE = gql<{ updateUserRole: User }, { username: string; role: Role }>(
  `mutation UpdateUserRole($username: String!, $role: Role!) { updateUserRole(username: $username, role: $role) { ${USER} } }`,
  'UpdateUserRole',
)
export const DISABLE_USER = gql<{ disableUser: User }, { username: string }>(
  `mutation DisableUser($username: String!) { disableUser(username: $username) { ${USER} } }`,
  'DisableUser',
)
export const ENABLE_USER = gql<{ enableUser: User }, { username: string }>(
  `mutation EnableUser($username: String!) { enableUser(username: $username) { ${USER} } }`,
  'EnableUser',
)
export const RESET_PASSWORD = gql<{ resetPassword: User }, { username: string; password: string }>(
  `mutation ResetPassword($username: String!, $password: String!) { resetPassword(username: $username, password: $password) { ${USER} } }`,
  'ResetPassword',
)

const TOKEN_FIELDS = ['id', 'name', 'owner', 'role', 'createdAt', 'expiresAt', 'revokedAt'] as const satisfies readonly (keyof Schema.ApiToken)[]
export type ApiToken = Pick<Schema.ApiToken, (typeof TOKEN_FIELDS)[number]>
const TOKEN = TOKEN_FIELDS.join(' ')
export const TOKENS_QUERY = gql<{ apiTokens: ApiToken[] }, { all?: boolean }>(
  `query ApiTokens($all: Boolean) { apiTokens(all: $all) { ${TOKEN} } }`,
  'ApiTokens',
)
export const CREATE_TOKEN = gql<{ createApiToken: { token: string; apiToken: ApiToken } }, { name: string; expiresAt?: string | null; role?: Role }>(
  `mutation CreateApiToken($name: String!, $expiresAt: DateTime, $role: Role) { createApiToken(name: $name, expiresAt: $expiresAt, role: $role) { token apiToken { ${TOKEN} } } }`,
  'CreateApiToken',
)
export const REVOKE_TOKEN = gql<{ revokeApiToken: boolean }, { id: string }>(
  `mutation RevokeApiToken($id: ID!) { revokeApiToken(id: $id) }`,
  'RevokeApiToken',
)

const ALIAS_FIELDS = ['id', 'ip', 'port', 'name', 'captureId', 'createdAt'] as const satisfies readonly (keyof Schema.Alias)[]
export type Alias = Pick<Schema.Alias, (typeof ALIAS_FIELDS)[number]>
export type AliasInput = Schema.AliasInput
const ALIAS = ALIAS_FIELDS.join(' ')
export const ALIASES_QUERY = gql<{ aliases: Alias[] }>(`query Aliases { aliases { ${ALIAS} } }`, 'Aliases')
export const CREATE_ALIAS = gql<{ createAlias: Alias }, { input: AliasInput }>(
  `mutation CreateAlias($input: AliasInput!) { createAlias(input: $input) { ${ALIAS} } }`,
  'CreateAlias',
)
export const UPDATE_ALIAS = gql<{ updateAlias: Alias }, { id: string; input: AliasInput }>(
  `mutation UpdateAlias($id: ID!, $input: AliasInput!) { updateAlias(id: $id, input: $input) { ${ALIAS} } }`,
  'UpdateAlias',
)
export const DELETE_ALIAS = gql<{ deleteAlias: boolean }, { id: string }>(
  `mutation DeleteAlias($id: ID!) { deleteAlias(id: $id) }`,
  'DeleteAlias',
)
