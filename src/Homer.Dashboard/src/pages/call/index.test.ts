import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { stubFetch } from '@/test/fetch'
import { CALL, CALL_ID, graphqlResponse } from '@/test/fixtures'
import type { CallFlow } from './api'
import CallPage from './index.vue'

const fetchMock = stubFetch()
const missing = (field: string) =>
  graphqlResponse({ errors: [{ message: `Cannot query field '${field}' on type 'Query'.`, extensions: { code: 'FIELDS_ON_CORRECT_TYPE' } }] }, 400)

function serve(answers: Record<string, () => Response>) {
  fetchMock.mockImplementation(async (_url, init) => {
    const op = (JSON.parse(init.body as string) as { operationName: string }).operationName
    const answer = answers[op]
    if (!answer) throw new Error(`unexpected operation ${op}`)
    return answer()
  })
}

const messagesPage = () => graphqlResponse({ data: { messages: { totalCount: CALL.length, nodes: CALL, pageInfo: { hasNextPage: false, endCursor: null } } } })

async function mountAt(url: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/call', name: 'call', component: CallPage, props: { timeZone: 'UTC' } }] })
  await router.push(url)
  await router.isReady()
  const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router, createPinia()] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

describe('call page', () => {
  it('draws the ladder from callFlow, with aliases, and opens an arrow’s message', async () => {
    const flow: CallFlow = {
      callIds: [CALL_ID],
      hosts: [
        { id: '10.0.0.1:5060', ip: '10.0.0.1', port: 5060, alias: 'alice-pbx' },
        { id: '10.0.0.2:5060', ip: '10.0.0.2', port: 5060, alias: null },
      ],
      events: [...CALL]
        .sort((a, b) => a.timestamp.localeCompare(b.timestamp))
        .map((m) => ({
          messageId: m.id, callId: CALL_ID, legIndex: 0, timestamp: m.timestamp, deltaMs: 0, fromHost: `${m.srcIp}:5060`, toHost: `${m.dstIp}:5060`,
          label: m.method ?? String(m.statusCode), method: m.method, statusCode: m.statusCode, cseq: null, transactionId: null, retransmission: false, hasSdp: false, hasAuth: m.method === 'INVITE',
        })),
      markers: [{ timestamp: '2026-11-27T10:00:01Z', callId: CALL_ID, kind: 'LOG', text: 'trunk busy' }],
    }
    serve({
      CallFlow: () => graphqlResponse({ data: { callFlow: flow } }),
      Messages: messagesPage,
      DialogDetail: () => graphqlResponse({ data: { dialog: null } }),
      Qos: () => graphqlResponse({ data: { qos: [] } }),
    })
    const { wrapper } = await mountAt(`/call?callId=${encodeURIComponent(CALL_ID)}`)
    const arrows = wrapper.findAll('[data-testid="ladder-arrow"]')
    expect(arrows.map((a) => a.attributes('data-label'))).toEqual(['INVITE (AUTH)', '100', '180', '200', 'ACK'])
    expect(wrapper.findAll('[data-testid="ladder-host"]')[0]!.text()).toContain('alice-pbx')
    expect(wrapper.findAll('[data-testid="ladder-marker"]')).toHaveLength(1)
    expect(wrapper.find('[data-testid="flow-fallback"]').exists()).toBe(false)

    await arrows[2]!.trigger('click')
    expect(wrapper.get('[data-testid="message-popup"]').text()).toContain('SIP/2.0 180 Ringing')
    await wrapper.get('.call-page').trigger('keydown', { key: 'Escape' })
    expect(wrapper.find('[data-testid="message-popup"]').exists()).toBe(false)
    await arrows[4]!.trigger('keydown', { key: 'Enter' })
    expect(wrapper.get('[data-testid="message-popup"]').text()).toContain('ACK sip:bob@example.com')

    await wrapper.get('[data-testid="tab-logs"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="logs"]').text()).toContain('trunk busy')
  })

  it('on a node without callFlow draws the flow from the messages and says so; QoS says it is not available', async () => {
    serve({
      CallFlow: () => missing('callFlow'),
      Messages: messagesPage,
      DialogDetail: () => graphqlResponse({ data: { dialog: null } }),
      Qos: () => missing('qos'),
    })
    const { wrapper } = await mountAt(`/call?callId=${encodeURIComponent(CALL_ID)}`)
    expect(wrapper.get('[data-testid="flow-fallback"]').text()).toContain('callFlow')
    expect(wrapper.findAll('[data-testid="ladder-arrow"]').map((a) => a.attributes('data-label'))).toEqual(['INVITE', '100', '180', '200', 'ACK'])

    await wrapper.get('[data-testid="tab-qos"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="unsupported-state"]').text()).toContain('qos')
  })

  it('shows a server error as an error, never a blank page', async () => {
    serve({
      CallFlow: () => graphqlResponse({ errors: [{ message: 'database unavailable' }] }),
      Messages: messagesPage,
      DialogDetail: () => graphqlResponse({ data: { dialog: null } }),
      Qos: () => graphqlResponse({ data: { qos: [] } }),
    })
    const { wrapper } = await mountAt(`/call?callId=x`)
    expect(wrapper.get('[role="alert"]').text()).toContain('database unavailable')
  })
})
