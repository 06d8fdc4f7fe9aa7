import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { ApiError, SharedCallsAnswer, SharedMessage } from '@/api/rest'
import { callViewUrl, sharedPageUrl } from '@/pages/call/api'
import { stubFetch } from '@/test/fetch'
import { CALL } from '@/test/fixtures'
import SharedPage from './index.vue'

const fetchMock = stubFetch()

async function mountShared(token: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/shared/:token', name: 'shared', component: SharedPage },
      { path: '/call', name: 'call', component: { render: () => null } },
    ],
  })
  await router.push(`/shared/${token}`)
  const wrapper = mount(SharedPage, { props: { token, timeZone: 'UTC' }, global: { plugins: [router, createPinia()] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('shared call page', () => {
  it('draws every session of the link without a session token and opens a message', async () => {
    const other = CALL.slice(0, 2).map((m) => ({ ...m, callId: 'leg-b', timestamp: m.timestamp.replace('10:00:0', '10:00:5') }))
    // As the node writes them (the generated SharedMessage): no ids, no user parts.
    const messages = [...CALL, ...other].map(
      (m): SharedMessage => ({
        timestamp: m.timestamp, callId: m.callId, srcIp: m.srcIp, srcPort: m.srcPort, dstIp: m.dstIp, dstPort: m.dstPort, transport: 'UDP',
        protocolType: 1, method: m.method, statusCode: m.statusCode, reason: m.reason ?? null, payload: m.payload,
      }),
    )
    fetchMock.mockResolvedValue(json({ callId: CALL[0]!.callId!, callIds: [CALL[0]!.callId!, 'leg-b'], expiresAt: '2026-11-28T10:00:00.000000Z', messages } satisfies SharedCallsAnswer))
    const wrapper = await mountShared('sh.abc.def')

    expect(fetchMock.mock.calls[0]![0]).toBe('/api/share/sh.abc.def')
    expect(new Headers(fetchMock.mock.calls[0]![1].headers).has('authorization')).toBe(false)
    expect(wrapper.get('[data-testid="shared-title"]').text()).toBe(`${CALL[0]!.callId} + leg-b`)
    expect(wrapper.findAll('[data-testid="ladder-arrow"]')).toHaveLength(7)
    expect(wrapper.get('[data-testid="shared-expires"]').text()).toContain('2026-11-28 10:00:00.000')
    const full = new URL(wrapper.get('[data-testid="shared-open-full"]').attributes('href')!, 'http://h')
    expect([full.pathname, ...full.searchParams.getAll('callId')]).toEqual(['/call', CALL[0]!.callId, 'leg-b'])

    await wrapper.findAll('[data-testid="ladder-arrow"]')[0]!.trigger('click')
    expect(wrapper.get('[data-testid="message-popup"]').text()).toContain('INVITE sip:bob@example.com SIP/2.0')
    await wrapper.get('[data-testid="message-popup"]').trigger('keydown', { key: 'Escape' })
    expect(wrapper.find('[data-testid="message-popup"]').exists()).toBe(false)
  })

  it('says when a link has expired or was tampered with', async () => {
    fetchMock.mockResolvedValue(json({ error: 'The share link is not valid: the share link has expired.' } satisfies ApiError, 403))
    const wrapper = await mountShared('sh.old.link')
    expect(wrapper.get('[data-testid="shared-error"]').text()).toContain('This share link has expired')
    expect(wrapper.find('[data-testid="ladder"]').exists()).toBe(false)
  })

  it('reads a link from a node that names one Call-ID only', async () => {
    fetchMock.mockResolvedValue(json({ callId: 'only', expiresAt: '2026-11-28T10:00:00.000000Z', messages: [] }))
    const wrapper = await mountShared('sh.one.call')
    expect(wrapper.get('[data-testid="shared-title"]').text()).toBe('only')
    expect(wrapper.find('[data-testid="shared-empty"]').exists()).toBe(true)
  })
})

describe('share URLs', () => {
  it('turn the API path into the dashboard page and list every session in the view link', () => {
    expect(sharedPageUrl('/api/share/sh.a-b.c_d', 'http://h:9080')).toBe('http://h:9080/shared/sh.a-b.c_d')
    expect(callViewUrl(['a@x', 'b&c'], 'http://h:9080')).toBe('http://h:9080/call?callId=a%40x&callId=b%26c')
  })
})
