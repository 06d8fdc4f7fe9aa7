import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { stubFetch } from '@/test/fetch'
import { CALL, CALL_ID, graphqlResponse } from '@/test/fixtures'
import SearchPage from './index.vue'

const fetchMock = stubFetch()

async function mountAt(url: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'search', component: SearchPage, props: { timeZone: 'UTC' } },
      { path: '/call', name: 'call', component: { render: () => null } },
    ],
  })
  await router.push(url)
  await router.isReady()
  const Shell = defineComponent({ render: () => h(RouterView) })
  const wrapper = mount(Shell, { global: { plugins: [router, createPinia()] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

function sentBody(call = 0): { query: string; operationName: string; variables: Record<string, unknown> } {
  return JSON.parse(fetchMock.mock.calls[call]![1].body as string)
}

const page = (nodes: typeof CALL, totalCount = nodes.length) => ({
  messages: { totalCount, nodes, pageInfo: { hasNextPage: false, endCursor: null } },
})

/** Answers the list query with `nodes` and a payload lookup with the matching message, as the node would. */
function answer(nodes = CALL, totalCount = nodes.length) {
  fetchMock.mockImplementation(async (_url, init) => {
    const body = JSON.parse(init.body as string) as { operationName: string; variables: { filter: { from?: string } } }
    if (body.operationName === 'MessagePayload')
      return graphqlResponse({ data: { messages: { nodes: nodes.filter((n) => n.timestamp === body.variables.filter.from) } } })
    return graphqlResponse({ data: page(nodes, totalCount) })
  })
}

describe('search page', () => {
  it('sends CSeq, reason, Diversion and the transaction type to the server and shows what it returns, unfiltered', async () => {
    answer()
    const { wrapper } = await mountAt('/?range=1h&cseq=1%20INVITE&reason=busy&diversion=900&kind=call')
    const body = sentBody()
    expect(body.variables.filter).toMatchObject({ cseq: '1 INVITE', reason: 'busy', diversion: '900', profiles: ['CALL'] })
    // The server did the filtering: every row it returned is shown, with its count.
    expect(wrapper.findAll('[data-testid="result-row"]')).toHaveLength(CALL.length)
    expect(wrapper.get('[data-testid="results-count"]').text()).toBe(`${CALL.length} messages`)
  })

  it('searches the Call-ID from the URL with the contract query and shows rows in time order', async () => {
    answer()
    const { wrapper } = await mountAt(`/?callId=${encodeURIComponent(CALL_ID)}`)

    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(fetchMock.mock.calls[0]![0]).toBe('/graphql')
    const body = sentBody()
    expect(body.operationName).toBe('Messages')
    expect(body.query).toContain('messages(filter: $filter, first: $first, after: $after)')
    expect(body.query).toMatch(/nodes \{ id timestamp method statusCode reason callId fromUser toUser ruriUser userAgent srcIp srcPort dstIp dstPort captureId node transport cseq cseqMethod \}/)
    expect(body.query).toContain('pageInfo { hasNextPage endCursor }')
    // 19 fields: pages of 1000 stay under the API's complexity limit of 20 000.
    expect(body.variables).toEqual({ filter: { callId: CALL_ID }, first: 1000 })

    expect((wrapper.get('[data-testid="callid-input"]').element as HTMLInputElement).value).toBe(CALL_ID)
    const rows = wrapper.findAll('[data-testid="result-row"]')
    expect(rows).toHaveLength(5)
    expect(rows.map((r) => r.get('[data-testid="message-label"]').text())).toEqual(['INVITE', '100', '180', '200', 'ACK'])
    const first = rows[0]!.findAll('[role="gridcell"]').map((td) => td.text())
    // Checkbox, time, method, reason, R-URI user, from, to, Call-ID, user agent, source, destination, proto, node.
    expect(first).toEqual([
      '',
      '2026-11-27 10:00:00.123',
      'INVITE',
      '',
      '',
      'alice',
      'bob',
      CALL_ID,
      '',
      '10.0.0.1:5060',
      '10.0.0.2:5060',
      '',
      '2001',
    ])
    expect(wrapper.get('[data-testid="results-table"] [role="row"]').text()).toContain('Time (UTC)')
    expect(wrapper.get('[data-testid="results-count"]').text()).toBe('5 messages')
    expect(wrapper.find('[data-testid="empty-state"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="error-state"]').exists()).toBe(false)
  })

  // Enter in the input submits the form natively; happy-dom does not do implicit submission, the e2e test does.
  it('searches on form submit and puts the Call-ID in the URL', async () => {
    answer()
    const { wrapper, router } = await mountAt('/')
    expect(fetchMock).not.toHaveBeenCalled()

    const input = wrapper.get('[data-testid="callid-input"]')
    await input.setValue(`  ${CALL_ID} `)
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(router.currentRoute.value.query).toEqual({ callId: CALL_ID })
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(sentBody().variables).toEqual({ filter: { callId: CALL_ID }, first: 1000 })
    expect(wrapper.findAll('[data-testid="result-row"]')).toHaveLength(5)
  })

  it('searches again with the button, even for the same Call-ID (a refresh)', async () => {
    answer()
    const { wrapper } = await mountAt(`/?callId=${encodeURIComponent(CALL_ID)}`)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fetchMock).toHaveBeenCalledTimes(2)
  })

  it('does not search for nothing', async () => {
    const { wrapper } = await mountAt('/')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fetchMock).not.toHaveBeenCalled()
    expect(wrapper.get('[role="alert"]').text()).toContain('Enter a Call-ID')
  })

  it('shows a clear empty state', async () => {
    answer([], 0)
    const { wrapper } = await mountAt('/?callId=nobody%40nowhere')
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('No messages for Call-ID “nobody@nowhere”')
    expect(wrapper.find('[data-testid="results-table"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="results-count"]').exists()).toBe(false)
  })

  it('shows the server’s GraphQL error and retries on demand', async () => {
    fetchMock.mockResolvedValueOnce(graphqlResponse({ errors: [{ message: 'database unavailable' }] }))
    const { wrapper } = await mountAt('/?callId=x')
    const error = wrapper.get('[data-testid="error-state"]')
    expect(error.attributes('role')).toBe('alert')
    expect(error.text()).toContain('database unavailable')
    expect(wrapper.find('[data-testid="results-table"]').exists()).toBe(false)

    answer()
    await error.get('button').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="error-state"]').exists()).toBe(false)
    expect(wrapper.findAll('[data-testid="result-row"]')).toHaveLength(5)
  })

  it('shows a network failure as an error, not as an empty result', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const { wrapper } = await mountAt('/?callId=x')
    expect(wrapper.get('[data-testid="error-state"]').text()).toContain('Cannot reach the server')
    expect(wrapper.find('[data-testid="empty-state"]').exists()).toBe(false)
  })

  it('shows progress while the request is in flight', async () => {
    let resolve!: (r: Response) => void
    fetchMock.mockReturnValue(new Promise<Response>((r) => (resolve = r)))
    const { wrapper } = await mountAt('/?callId=x')
    expect(wrapper.get('[data-testid="progress"]').classes()).toContain('active')
    expect(wrapper.get('[data-testid="search-button"]').attributes('disabled')).toBeDefined()

    resolve(graphqlResponse({ data: page(CALL) }))
    await flushPromises()
    expect(wrapper.get('[data-testid="progress"]').classes()).not.toContain('active')
    expect(wrapper.findAll('[data-testid="result-row"]')).toHaveLength(5)
  })

  it('says when the server holds more messages than were shown', async () => {
    answer(CALL, 1234)
    const { wrapper } = await mountAt('/?callId=x')
    expect(wrapper.get('[data-testid="results-count"]').text()).toBe('5 of 1234 messages shown')
  })

  it('opens the raw SIP message on click and on Enter, and closes it on Esc', async () => {
    answer()
    const { wrapper } = await mountAt('/?callId=x')
    const rows = () => wrapper.findAll('[data-testid="result-row"]')

    await rows()[0]!.trigger('click')
    await flushPromises()
    const payload = wrapper.get('[data-testid="payload"] pre')
    expect(payload.text()).toContain('INVITE sip:bob@example.com SIP/2.0')
    expect(payload.text()).not.toContain('\r')
    expect(rows()[0]!.attributes('aria-selected')).toBe('true')

    await rows()[0]!.trigger('click')
    expect(wrapper.find('[data-testid="payload"]').exists()).toBe(false)

    await rows()[4]!.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(wrapper.get('[data-testid="payload"] pre').text()).toContain('ACK sip:bob@example.com SIP/2.0')
    await wrapper.get('.search-page').trigger('keydown', { key: 'Escape' })
    expect(wrapper.find('[data-testid="payload"]').exists()).toBe(false)
  })

  it('searches by from-user with a quick range and the extra fields', async () => {
    answer()
    const { router } = await mountAt('/?fromUser=alice&range=1h&method=INVITE+486&srcIp=10.0.0.0%2F8&limit=200')
    const body = sentBody()
    expect(body.variables.first).toBe(200)
    const filter = body.variables.filter as Record<string, unknown>
    expect(filter).toMatchObject({ fromUser: 'alice', methods: ['INVITE'], statusCodes: [486], srcIp: '10.0.0.0/8' })
    const span = Date.parse(filter.to as string) - Date.parse(filter.from as string)
    expect(span).toBe(3_600_000)
    expect(router.currentRoute.value.query.range).toBe('1h')
  })

  it('filters the fetched rows by the table filter and sorts by a column', async () => {
    answer()
    const { wrapper } = await mountAt('/?callId=x')
    await wrapper.get('[data-testid="table-filter"]').setValue('method:invite')
    expect(wrapper.findAll('[data-testid="result-row"]')).toHaveLength(1)
    await wrapper.get('[data-testid="table-filter"]').setValue('')
    await wrapper.get('[data-testid="sort-method"]').trigger('click')
    await wrapper.get('[data-testid="sort-method"]').trigger('click')
    const labels = wrapper.findAll('[data-testid="message-label"]').map((l) => l.text())
    expect(labels).toEqual(['INVITE', 'ACK', '200', '180', '100'])
  })

  it('opens the ticked calls together', async () => {
    answer()
    const { wrapper, router } = await mountAt('/?callId=x')
    await wrapper.findAll('[data-testid="row-check"]')[0]!.setValue(true)
    await wrapper.get('[data-testid="open-selected"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/call')
    expect(router.currentRoute.value.query.callId).toEqual([CALL_ID])
  })

  it('moves between rows with the arrow keys', async () => {
    answer()
    const { wrapper } = await mountAt('/?callId=x')
    const rows = wrapper.findAll('[data-testid="result-row"]')
    ;(rows[0]!.element as HTMLElement).focus()
    await rows[0]!.trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement).toBe(rows[1]!.element)
    await rows[1]!.trigger('keydown', { key: 'End' })
    expect(document.activeElement).toBe(rows[4]!.element)
  })

  it('drops the answer to an older search that returns late', async () => {
    let resolveOld!: (r: Response) => void
    fetchMock.mockImplementationOnce(
      (_url, init) =>
        new Promise<Response>((r, reject) => {
          resolveOld = r
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
        }),
    )
    const { wrapper, router } = await mountAt('/?callId=old')
    answer([], 0)
    await router.push('/?callId=new')
    await flushPromises()
    resolveOld(graphqlResponse({ data: page(CALL) }))
    await flushPromises()
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('“new”')
    expect(wrapper.find('[data-testid="results-table"]').exists()).toBe(false)
  })
})

describe('large results', () => {
  it('fetches keyset pages until the limit, each under the API complexity budget', async () => {
    const { fetchMessages, pageSizeFor, LIST_FIELDS } = await import('./api')
    expect(pageSizeFor(LIST_FIELDS)).toBe(1000)
    const calls: { first: number; after?: string }[] = []
    const fetch = vi.fn(async (_url: string, init: RequestInit) => {
      const v = JSON.parse(init.body as string).variables as { first: number; after?: string }
      calls.push({ first: v.first, after: v.after })
      const start = v.after ? Number(v.after) : 0
      const nodes = Array.from({ length: v.first }, (_, i) => ({ ...CALL[0]!, id: String(start + i) }))
      return graphqlResponse({ data: { messages: { totalCount: 50_000, nodes, pageInfo: { hasNextPage: true, endCursor: String(start + v.first) } } } })
    })
    const result = await fetchMessages({ fromUser: 'alice' }, 2500, { fetch: fetch as unknown as typeof globalThis.fetch })
    expect(result.nodes).toHaveLength(2500)
    expect(result.totalCount).toBe(50_000)
    expect(calls).toEqual([{ first: 1000 }, { first: 1000, after: '1000' }, { first: 500, after: '2000' }])
  })
})
