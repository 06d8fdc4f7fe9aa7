import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { stubFetch } from '@/test/fetch'
import AgentsPage from './agents.vue'

const fetchMock = stubFetch()

const agent = (over: Record<string, unknown> = {}) => ({
  name: 'edge-1', version: '1.0.0+abcdef12', host: 'sbc-1', address: '192.0.2.7', health: 'ok', lastSeen: '2026-12-07T00:00:00.000000Z',
  intervalSeconds: 5, planVersion: 0, desiredVersion: 0, confirmed: true, applyError: null, problems: [], desiredFilter: null, desiredInput: null,
  counters: { packets: 12345, sipMessages: 67, hepSent: 66, dropped: 1, buffered: 0 },
  inputs: [{ name: 'capture', kind: 'interface', source: 'eth0', filter: 'udp port 5060', plan: 'all' }],
  ...over,
})

const answer = (data: unknown) => new Response(JSON.stringify({ data }), { status: 200, headers: { 'content-type': 'application/json' } })

describe('capture agents page', () => {
  it('lists agents with health, plan state and counters, and sends a filter change for the one edited', async () => {
    fetchMock.mockResolvedValueOnce(answer({
      agents: [
        agent(),
        agent({ name: 'edge-2', health: 'error', planVersion: 3, desiredVersion: 3, confirmed: false, applyError: 'filter on capture: syntax error' }),
        agent({ name: 'edge-3', health: 'stale', planVersion: 1, desiredVersion: 2, confirmed: false }),
      ],
    }))
    const wrapper = mount(AgentsPage, { global: { plugins: [createPinia()] } })
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="agent-row"]')
    expect(rows.map((r) => r.attributes('data-name'))).toEqual(['edge-1', 'edge-2', 'edge-3'])
    expect(rows.map((r) => r.get('[data-testid="agent-plan"]').text())).toEqual(['0 (own)', '3 (error)', '1 (asked 2)'])
    expect(rows.map((r) => r.get('[data-testid="agent-health"]').text())).toEqual(['ok', 'error', 'stale'])
    expect(rows[1]!.get('[data-testid="agent-error"]').text()).toBe('filter on capture: syntax error')
    expect(rows[0]!.text()).toContain('12,345')
    expect(rows[0]!.get('[data-testid="agent-filter"]').text()).toBe('udp port 5060')

    await rows[0]!.get('[data-testid="agent-edit-filter"]').trigger('click')
    const input = wrapper.get('[data-testid="agent-filter-input"]')
    expect((input.element as HTMLInputElement).value).toBe('udp port 5060')
    await input.setValue('udp port 5080 ')
    fetchMock.mockResolvedValueOnce(answer({ setAgentFilter: agent({ desiredVersion: 1, planVersion: 0, confirmed: false, desiredFilter: 'udp port 5080' }) }))
    fetchMock.mockResolvedValueOnce(answer({ agents: [agent({ desiredVersion: 1, planVersion: 0, confirmed: false })] }))
    await wrapper.get('[data-testid="agent-filter-form"]').trigger('submit')
    await flushPromises()

    const body = JSON.parse(String(fetchMock.mock.calls[1]![1].body)) as { query: string; variables: Record<string, unknown> }
    expect(body.query).toContain('setAgentFilter')
    expect(body.variables).toEqual({ name: 'edge-1', bpf: 'udp port 5080', input: null })
    expect(wrapper.get('[data-testid="agents-message"]').text()).toContain('Asked edge-1 for version 1')
    expect(wrapper.find('[data-testid="agent-filter-form"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="agent-plan"]').text()).toBe('0 (asked 1)')
    wrapper.unmount()
  })
})
