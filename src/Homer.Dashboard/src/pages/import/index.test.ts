import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { ApiError, ImportAnswer } from '@/api/rest'
import { stubFetch } from '@/test/fetch'
import ImportPage from './index.vue'

const fetchMock = stubFetch()

async function mountPage() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'search', component: { template: '<div />' } },
      { path: '/import', name: 'import', component: ImportPage },
    ],
  })
  await router.push('/import')
  await router.isReady()
  const wrapper = mount(ImportPage, { props: { timeZone: 'UTC' }, global: { plugins: [router, createPinia()] } })
  return wrapper
}

async function choose(wrapper: Awaited<ReturnType<typeof mountPage>>, file: File) {
  const input = wrapper.get('[data-testid="import-file"]')
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  await input.trigger('change')
}

describe('import page', () => {
  it('uploads the file with the capture id and node, shows the summary and links to a search of it', async () => {
    const wrapper = await mountPage()
    expect(wrapper.get('[data-testid="import-run"]').attributes('disabled')).toBeDefined()
    const file = new File([new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1])], 'trace.pcap')
    await choose(wrapper, file)
    await wrapper.get('[data-testid="import-capture-id"]').setValue(4242)
    await wrapper.get('[data-testid="import-node"]').setValue('lab')
    fetchMock.mockResolvedValue(new Response(JSON.stringify({
      format: 'pcap', packets: 10, bytes: 2000, imported: 8, sipMessages: 7, hepPackets: 1, captureId: 4242, node: 'lab',
      first: '2026-12-06T10:00:00.000000Z', last: '2026-12-06T10:00:30.000999Z', ipDatagramsReassembled: 0, skipped: { 'UDP, not SIP or HEP': 2 },
      seconds: 0.01,
    } satisfies ImportAnswer), { status: 200 }))
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/import/pcap?captureId=4242&node=lab')
    expect(init.method).toBe('POST')
    expect(init.body).toBe(file)
    expect(wrapper.get('[data-testid="import-result"]').text()).toContain('Imported 8 of 10 packets')
    expect(wrapper.get('[data-testid="import-result"]').text()).toContain('Skipped: UDP, not SIP or HEP')
    expect(wrapper.get('[data-testid="import-search"]').attributes('href')).toBe(
      '/?captureId=4242&range=abs&from=2026-12-06T10:00:00.000Z&to=2026-12-06T10:00:30.001Z&node=lab')
  })

  it('shows the node\'s reason for refusing a file', async () => {
    const wrapper = await mountPage()
    await choose(wrapper, new File(['hello'], 'notes.txt'))
    await wrapper.get('[data-testid="import-capture-id"]').setValue(1)
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ error: 'The file is not a PCAP or pcapng capture: it starts with 68 65 6c 6c (text).' } satisfies ApiError), { status: 415 }))
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="import-error"]').text()).toBe(
      'Import failed (415): The file is not a PCAP or pcapng capture: it starts with 68 65 6c 6c (text).')
  })
})
