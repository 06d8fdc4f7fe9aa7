import { gql } from '@/api/graphql'

export type Role = 'VIEWER' | 'USER' | 'ADMIN'

export interface SessionUser {
  username: string
  role: Role
}

export interface LoginData {
  login: { token: string; expiresAt: string; user: SessionUser }
}

export const LOGIN_MUTATION = gql<LoginData, { username: string; password: string }>(
  `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { token expiresAt user { username role } }
}`,
  'Login',
)

export const LOGOUT_MUTATION = gql<{ logout: boolean }>(`mutation Logout { logout }`, 'Logout')

export interface MeData {
  me: { username: string; role: Role; tokenKind: string; expiresAt: string | null }
}

export const ME_QUERY = gql<MeData>(`query Me { me { username role tokenKind expiresAt } }`, 'Me')
