import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ApiError } from '@/api/rest'
import { useSessionStore } from '@/stores/session'
import { stubFetch } from '@/test/fetch'
import ExportResults from './ExportResults.vue'

const fetchMock = stubFetch()
const filter = { from: '2026-12-06T10:00:00.000000Z', to: '2026-12-06T11:00:00.000000Z', fromUser: 'alice' }

beforeEach(() => {
  setActivePinia(createPinia())
  // jsdom-like environments have no object URLs; the download itself is the browser test's business.
  URL.createObjectURL = vi.fn(() => 'blob:x')
  URL.revokeObjectURL = vi.fn()
})

function mountAs(role: 'USER' | 'VIEWER', totalCount: number) {
  const session = useSessionStore()
  session.token = 't0k3n'
  session.user = { username: 'u', role } as typeof session.user
  return mount(ExportResults, { props: { filter, totalCount } })
}

describe('ExportResults', () => {
  it('says how many of the total the file will hold and posts the search filter with the cap', async () => {
    const wrapper = mountAs('USER', 250_000)
    await wrapper.get('[data-testid="export-results"]').trigger('click')
    expect(wrapper.get('[data-testid="export-note"]').text()).toContain('first 100000 of 250000 messages')
    await wrapper.get('[data-testid="export-format"]').setValue('csv')
    await wrapper.get('[data-testid="export-limit"]').setValue(300000)
    expect(wrapper.get('[data-testid="export-note"]').text()).toContain('all 250000 messages')

    fetchMock.mockResolvedValue(new Response('timestamp\r\n', { status: 200, headers: { 'content-disposition': 'attachment; filename="homer-messages-x.csv"' } }))
    await wrapper.get('[data-testid="export-run"]').trigger('click')
    await flushPromises()
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/export/messages')
    expect(init.method).toBe('POST')
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer t0k3n')
    expect(JSON.parse(init.body as string)).toEqual({ format: 'csv', filter, limit: 300000 })
    expect(wrapper.get('[data-testid="export-done"]').text()).toBe('250000 messages exported as CSV')
  })

  it('shows the node\'s reason when it refuses', async () => {
    const wrapper = mountAs('USER', 10)
    await wrapper.get('[data-testid="export-results"]').trigger('click')
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ error: 'limit may be at most 5000 (HOMER_EXPORT_MAX_ROWS).' } satisfies ApiError), { status: 400 }))
    await wrapper.get('[data-testid="export-run"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="export-error"]').text()).toBe('Export failed (400): limit may be at most 5000 (HOMER_EXPORT_MAX_ROWS).')
  })

  it('is disabled for viewers: exports hold payloads', () => {
    const wrapper = mountAs('VIEWER', 10)
    expect(wrapper.get('[data-testid="export-results"]').attributes('disabled')).toBeDefined()
  })
})
