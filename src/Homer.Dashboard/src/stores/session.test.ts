import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { request, setAuthHooks } from '@/api/graphql'
import { MESSAGES_QUERY } from '@/pages/search/api'
import { stubFetch } from '@/test/fetch'
import { graphqlResponse } from '@/test/fixtures'
import { installAuthGuard } from '@/router'
import { SESSION_STORAGE_KEY, useSessionStore } from './session'
import LoginPage from '@/pages/login/index.vue'
import { safeRedirect } from '@/pages/login/redirect'

const fetchMock = stubFetch()
const future = () => new Date(Date.now() + 3_600_000).toISOString()
const unauthenticated = () => graphqlResponse({ errors: [{ message: 'This needs a token.', extensions: { code: 'UNAUTHENTICATED' } }] }, 401)
const me = (tokenKind = 'session') => graphqlResponse({ data: { me: { username: 'alice', role: 'USER', tokenKind, expiresAt: future() } } })

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})
afterEach(() => {
  vi.useRealTimers()
  setAuthHooks(null)
})

async function app(url: string) {
  const Page = (name: string) => defineComponent({ render: () => h('div', { 'data-testid': `page-${name}` }, name) })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
      { path: '/', name: 'search', component: Page('search') },
      { path: '/call', name: 'call', component: Page('call') },
      { path: '/admin/users', name: 'admin-users', component: Page('users'), meta: { role: 'ADMIN' } },
    ],
  })
  installAuthGuard(router)
  await router.push(url)
  await router.isReady()
  const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return { router, wrapper }
}

describe('session', () => {
  it('sends an anonymous visitor to the login page keeping the route, then back there after logging in', async () => {
    fetchMock.mockResolvedValueOnce(unauthenticated())
    const { router, wrapper } = await app('/call?callId=abc%40x')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/call?callId=abc%40x')

    fetchMock.mockResolvedValueOnce(graphqlResponse({ data: { login: { token: 'hst_1', expiresAt: future(), user: { username: 'alice', role: 'USER' } } } }))
    await wrapper.get('[data-testid="login-username"]').setValue('alice')
    await wrapper.get('[data-testid="login-password"]').setValue('secret')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const body = JSON.parse(fetchMock.mock.calls[1]![1].body as string)
    expect(body.operationName).toBe('Login')
    expect(body.variables).toEqual({ username: 'alice', password: 'secret' })
    expect(router.currentRoute.value.query.callId).toBe('abc@x')
    expect(JSON.parse(localStorage.getItem(SESSION_STORAGE_KEY)!)).toMatchObject({ token: 'hst_1', user: { username: 'alice' } })
  })

  it('shows a failed login and stays', async () => {
    fetchMock.mockResolvedValueOnce(unauthenticated())
    const { router, wrapper } = await app('/')
    fetchMock.mockResolvedValueOnce(graphqlResponse({ errors: [{ message: 'Wrong user name or password.', extensions: { code: 'LOGIN_FAILED' } }] }))
    await wrapper.get('[data-testid="login-username"]').setValue('alice')
    await wrapper.get('[data-testid="login-password"]').setValue('nope')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('Wrong user name or password.')
    expect(router.currentRoute.value.name).toBe('login')
  })

  it('sends the saved token with every request and goes to login when the server refuses it', async () => {
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ token: 'hst_saved', expiresAt: future(), user: { username: 'alice', role: 'USER' } }))
    fetchMock.mockResolvedValueOnce(me())
    const { router } = await app('/call?callId=x')
    expect(new Headers(fetchMock.mock.calls[0]![1].headers).get('authorization')).toBe('Bearer hst_saved')
    expect(router.currentRoute.value.name).toBe('call')

    fetchMock.mockResolvedValueOnce(graphqlResponse({ errors: [{ message: 'The token was refused: revoked.', extensions: { code: 'INVALID_TOKEN' } }] }, 401))
    await expect(request(MESSAGES_QUERY, { filter: {} })).rejects.toThrow('revoked')
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/call?callId=x')
    expect(localStorage.getItem(SESSION_STORAGE_KEY)).toBeNull()
    expect(useSessionStore().notice).toMatch(/session ended/)
  })

  it('logs out when the token expires', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ token: 'hst_s', expiresAt: new Date(Date.now() + 60_000).toISOString(), user: { username: 'alice', role: 'USER' } }))
    fetchMock.mockResolvedValueOnce(graphqlResponse({ data: { me: { username: 'alice', role: 'USER', tokenKind: 'session', expiresAt: new Date(Date.now() + 60_000).toISOString() } } }))
    const { router } = await app('/')
    expect(router.currentRoute.value.name).toBe('search')
    vi.advanceTimersByTime(61_000)
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('login')
    expect(useSessionStore().notice).toMatch(/expired/)
  })

  it('needs no login when the node runs with authentication off, and keeps viewers out of admin pages', async () => {
    fetchMock.mockResolvedValueOnce(me('auth-off'))
    const { router } = await app('/')
    expect(router.currentRoute.value.name).toBe('search')
    await router.push('/login')
    expect(router.currentRoute.value.name).toBe('search')
    expect(useSessionStore().authMode).toBe('off')

    setActivePinia(createPinia())
    fetchMock.mockResolvedValueOnce(graphqlResponse({ data: { me: { username: 'v', role: 'VIEWER', tokenKind: 'session', expiresAt: future() } } }))
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ token: 't', expiresAt: future(), user: { username: 'v', role: 'VIEWER' } }))
    const second = await app('/admin/users')
    expect(second.router.currentRoute.value.name).toBe('search')
  })

  it('logs out on the server and locally', async () => {
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ token: 'hst_x', expiresAt: future(), user: { username: 'alice', role: 'USER' } }))
    const session = useSessionStore()
    fetchMock.mockResolvedValueOnce(graphqlResponse({ data: { logout: true } }))
    await session.logout()
    expect(session.token).toBeNull()
    expect(localStorage.getItem(SESSION_STORAGE_KEY)).toBeNull()
    expect(JSON.parse(fetchMock.mock.calls[0]![1].body as string).operationName).toBe('Logout')
    expect(new Headers(fetchMock.mock.calls[0]![1].headers).get('authorization')).toBe('Bearer hst_x')
  })
})

describe('safeRedirect', () => {
  it('only follows paths inside the app', () => {
    expect(safeRedirect('/call?callId=a')).toBe('/call?callId=a')
    expect(safeRedirect('https://evil.example')).toBe('/')
    expect(safeRedirect('//evil.example')).toBe('/')
    expect(safeRedirect('/login?redirect=/x')).toBe('/')
    expect(safeRedirect(undefined)).toBe('/')
  })
})
