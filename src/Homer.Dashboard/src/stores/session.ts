import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { isUnauthenticated, request, setAuthHooks } from '@/api/graphql'
import { LOGIN_MUTATION, LOGOUT_MUTATION, ME_QUERY, type Role, type SessionUser } from '@/api/session'

/** Kept in localStorage so a reload or a second tab stays logged in until the token expires. */
export const SESSION_STORAGE_KEY = 'homer.session'

interface SavedSession {
  token: string
  expiresAt: string
  user: SessionUser
}

const ROLE_RANK: Record<Role, number> = { VIEWER: 0, USER: 1, ADMIN: 2 }

function readSaved(): SavedSession | null {
  try {
    const raw = localStorage.getItem(SESSION_STORAGE_KEY)
    if (!raw) return null
    const saved = JSON.parse(raw) as SavedSession
    if (!saved.token || !saved.user?.username) return null
    return Date.parse(saved.expiresAt) > Date.now() ? saved : null
  } catch {
    return null
  }
}

export type AuthMode = 'unknown' | 'on' | 'off'

export const useSessionStore = defineStore('session', () => {
  const saved = readSaved()
  const token = ref<string | null>(saved?.token ?? null)
  const expiresAt = ref<string | null>(saved?.expiresAt ?? null)
  const user = ref<SessionUser | null>(saved?.user ?? null)
  /** 'off' when the node runs with HOMER_AUTH=off: everyone is an admin and there is nothing to log in to. */
  const authMode = ref<AuthMode>('unknown')
  /** Why the user was sent back to the login page, shown there once. */
  const notice = ref<string | null>(null)
  let expiryTimer: ReturnType<typeof setTimeout> | null = null

  const loggedIn = computed(() => authMode.value === 'off' || (token.value !== null && user.value !== null))
  const role = computed<Role>(() => user.value?.role ?? 'VIEWER')

  function hasRole(min: Role): boolean {
    return ROLE_RANK[role.value] >= ROLE_RANK[min]
  }

  function persist(): void {
    try {
      if (token.value && user.value && expiresAt.value)
        localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ token: token.value, expiresAt: expiresAt.value, user: user.value }))
      else localStorage.removeItem(SESSION_STORAGE_KEY)
    } catch {
      // Storage disabled: the session lasts for this page.
    }
  }

  function scheduleExpiry(): void {
    if (expiryTimer) clearTimeout(expiryTimer)
    expiryTimer = null
    if (!expiresAt.value) return
    // setTimeout overflows above 2^31 ms (~24 days); sessions last 12 h, so clamping is only a guard.
    const ms = Math.min(Date.parse(expiresAt.value) - Date.now(), 2 ** 31 - 1)
    if (Number.isFinite(ms)) expiryTimer = setTimeout(() => expire('Your session expired: log in again.'), Math.max(ms, 0))
  }

  function clear(): void {
    token.value = null
    user.value = null
    expiresAt.value = null
    if (expiryTimer) clearTimeout(expiryTimer)
    expiryTimer = null
    persist()
  }

  /** Listeners (the router) that send the user to the login page when the session ends by itself. */
  const expiredListeners = new Set<() => void>()
  function onExpired(listener: () => void): () => void {
    expiredListeners.add(listener)
    return () => expiredListeners.delete(listener)
  }

  function expire(reason: string): void {
    if (authMode.value === 'off') return
    const had = token.value !== null
    clear()
    notice.value = reason
    if (had || authMode.value === 'on') expiredListeners.forEach((l) => l())
  }

  async function login(username: string, password: string): Promise<void> {
    const data = await request(LOGIN_MUTATION, { username, password })
    token.value = data.login.token
    expiresAt.value = data.login.expiresAt
    user.value = { username: data.login.user.username, role: data.login.user.role }
    authMode.value = 'on'
    notice.value = null
    persist()
    scheduleExpiry()
  }

  async function logout(): Promise<void> {
    const had = token.value
    // Forget locally first: even if the server cannot be reached the user asked to be logged out here.
    clear()
    notice.value = null
    if (had) {
      // Plain fetch with the old token: the shared client would send no token now, and a refusal here must not
      // trigger the "session ended" redirect meant for sessions the user did not end.
      await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${had}` },
        body: JSON.stringify({ query: LOGOUT_MUTATION.query, operationName: LOGOUT_MUTATION.operationName }),
      }).catch(() => undefined)
    }
  }

  /**
   * Asks the node who we are: settles whether authentication is on, and whether a saved token still works.
   * Returns false only when a login is needed; network failures leave the saved session as it was.
   */
  async function check(): Promise<boolean> {
    try {
      const data = await request(ME_QUERY, {})
      if (data.me.tokenKind === 'auth-off') {
        authMode.value = 'off'
        user.value = { username: data.me.username, role: data.me.role }
        return true
      }
      authMode.value = 'on'
      user.value = { username: data.me.username, role: data.me.role }
      if (data.me.expiresAt) expiresAt.value = data.me.expiresAt
      persist()
      scheduleExpiry()
      return true
    } catch (e) {
      if (isUnauthenticated(e)) {
        authMode.value = 'on'
        return false
      }
      throw e
    }
  }

  setAuthHooks({
    token: () => token.value,
    onUnauthenticated: () => {
      if (token.value) expire('Your session ended (expired or revoked): log in again.')
      else if (authMode.value !== 'off') {
        authMode.value = 'on'
        expiredListeners.forEach((l) => l())
      }
    },
  })
  if (saved) scheduleExpiry()

  return { token, user, expiresAt, authMode, notice, loggedIn, role, hasRole, login, logout, check, expire, onExpired }
})
