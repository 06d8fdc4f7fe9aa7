import { gql } from '@/api/graphql'
import type { Role } from '@/api/session'

export interface User {
  id: string
  username: string
  role: Role
  disabled: boolean
  createdAt: string
  /** LOCAL: password kept here; LDAP: password and role come from the directory at each login. */
  source: 'LOCAL' | 'LDAP'
}
const USER = 'id username role disabled createdAt source'
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

export interface ApiToken {
  id: string
  name: string
  owner: string
  role: Role
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
}
const TOKEN = 'id name owner role createdAt expiresAt revokedAt'
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

export interface Alias {
  id: string
  ip: string
  port: number
  name: string
  captureId: number | null
  createdAt: string
}
export interface AliasInput {
  ip: string
  port?: number | null
  name: string
  captureId?: number | null
}
const ALIAS = 'id ip port name captureId createdAt'
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
