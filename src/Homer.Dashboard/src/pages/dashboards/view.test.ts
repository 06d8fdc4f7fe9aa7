import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { stubFetch } from '@/test/fetch'
import { graphqlResponse } from '@/test/fixtures'
import type { Dashboard } from './api'
import DashboardView from './view.vue'

const fetchMock = stubFetch()
let saved: Dashboard

const base = (): Dashboard => ({
  id: '7', title: 'NOC', owner: 'alice', shared: false, promoted: false, layout: '6-6', updatedAt: '2026-11-27T10:00:00.000000Z',
  widgets: JSON.stringify([{ id: 'w1', type: 'clock', column: 0, title: 'Clock', config: { zones: 'UTC' } }]),
})

beforeEach(() => {
  setActivePinia(createPinia())
  saved = base()
  fetchMock.mockImplementation(async (_url, init) => {
    const body = JSON.parse(init.body as string) as { operationName: string; variables: { input?: Dashboard } }
    if (body.operationName === 'Dashboard') return graphqlResponse({ data: { dashboard: saved } })
    if (body.operationName === 'UpdateDashboard') {
      saved = { ...saved, ...body.variables.input! }
      return graphqlResponse({ data: { updateDashboard: saved } })
    }
    throw new Error(`unexpected ${body.operationName}`)
  })
})

async function mountAt(url: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/dashboards/:id', name: 'dashboard', component: DashboardView, props: true }, { path: '/dashboards', name: 'dashboards', component: { render: () => null } }] })
  await router.push(url)
  await router.isReady()
  const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

describe('dashboard view', () => {
  it('adds and configures a widget, moves one with Alt+arrow, removes none, and saves the layout as JSON', async () => {
    const { wrapper, router } = await mountAt('/dashboards/7?edit=1')
    expect(wrapper.findAll('[data-testid="widget"]')).toHaveLength(1)

    await wrapper.get('[data-testid="widget-type"]').setValue('markdown')
    await wrapper.get('[data-testid="widget-add"]').trigger('click')
    await wrapper.get('[data-testid="markdown-input"]').setValue('**hello**')
    await wrapper.get('[data-testid="widget-config"]').trigger('submit')
    expect(wrapper.get('[data-testid="widget-markdown"]').html()).toContain('<strong>hello</strong>')

    // The clock moves to the second column with Alt+ArrowRight.
    await wrapper.get('[data-widget-type="clock"]').trigger('keydown', { key: 'ArrowRight', altKey: true })
    expect(wrapper.get('[data-testid="dashboard-column-1"]').find('[data-widget-type="clock"]').exists()).toBe(true)

    await wrapper.get('[data-testid="dashboard-save"]').trigger('click')
    await flushPromises()
    const update = fetchMock.mock.calls.map((c) => JSON.parse(c[1].body as string)).find((b) => b.operationName === 'UpdateDashboard')
    expect(update.variables.id).toBe('7')
    const widgets = JSON.parse(update.variables.input.widgets) as { type: string; column: number; config: Record<string, unknown> }[]
    expect(widgets.map((w) => [w.type, w.column])).toEqual([['markdown', 0], ['clock', 1]])
    expect(widgets[0]!.config).toEqual({ text: '**hello**' })
    expect(router.currentRoute.value.query.edit).toBeUndefined()
  })

  it('discards unsaved changes on Cancel and removes a widget with its ✕', async () => {
    const { wrapper } = await mountAt('/dashboards/7?edit=1')
    await wrapper.get('[data-testid="widget-remove"]').trigger('click')
    expect(wrapper.findAll('[data-testid="widget"]')).toHaveLength(0)
    await wrapper.findAll('button').find((b) => b.text() === 'Cancel')!.trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="widget"]')).toHaveLength(1)
    expect(fetchMock.mock.calls.some((c) => (c[1].body as string).includes('UpdateDashboard'))).toBe(false)
  })
})
