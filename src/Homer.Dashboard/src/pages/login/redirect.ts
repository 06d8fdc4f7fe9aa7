import type { LocationQueryValue } from 'vue-router'

/**
 * Where to go after logging in: the route the user was on, but only a path inside this app, so a crafted
 * link (`?redirect=https://evil.example`) cannot send a fresh login elsewhere.
 */
export function safeRedirect(value: LocationQueryValue | LocationQueryValue[] | undefined): string {
  const raw = Array.isArray(value) ? value[0] : value
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || raw.startsWith('/login')) return '/'
  return raw
}
