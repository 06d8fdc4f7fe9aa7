import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { errorText, isMissingField } from '@/api/graphql'
import { createDashboard, deleteDashboard, fetchDashboards, updateDashboard, type Dashboard, type DashboardInput } from './api'

/** The user's dashboards (own and shared); the top bar reads the promoted ones from here. */
export const useDashboardsStore = defineStore('dashboards', () => {
  const items = shallowRef<Dashboard[]>([])
  const status = ref<'idle' | 'loading' | 'ready' | 'error' | 'unsupported'>('idle')
  const error = ref<string | null>(null)
  const promoted = computed(() => items.value.filter((d) => d.promoted))

  async function load(): Promise<void> {
    status.value = 'loading'
    error.value = null
    try {
      items.value = await fetchDashboards()
      status.value = 'ready'
    } catch (e) {
      items.value = []
      status.value = isMissingField(e) ? 'unsupported' : 'error'
      error.value = errorText(e)
    }
  }

  function replace(d: Dashboard): void {
    const at = items.value.findIndex((x) => x.id === d.id)
    items.value = at < 0 ? [...items.value, d] : items.value.map((x) => (x.id === d.id ? d : x))
  }

  async function create(input: DashboardInput): Promise<Dashboard> {
    const d = await createDashboard(input)
    replace(d)
    return d
  }

  async function update(id: string, input: DashboardInput): Promise<Dashboard> {
    const d = await updateDashboard(id, input)
    replace(d)
    return d
  }

  async function remove(id: string): Promise<void> {
    await deleteDashboard(id)
    items.value = items.value.filter((x) => x.id !== id)
  }

  return { items, status, error, promoted, load, create, update, remove }
})
