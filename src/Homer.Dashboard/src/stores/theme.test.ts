import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { THEME_STORAGE_KEY, useThemeStore } from './theme'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

afterEach(() => {
  delete document.documentElement.dataset.theme
})

describe('theme store', () => {
  it('follows the system until the user picks, then remembers the pick', async () => {
    const store = useThemeStore()
    expect(store.preference).toBe('system')
    await nextTick()
    expect(document.documentElement.dataset.theme).toBe(store.theme)

    store.setPreference('dark')
    await nextTick()
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark')

    setActivePinia(createPinia())
    expect(useThemeStore().preference).toBe('dark')
  })

  it('cycles system → light → dark → system and forgets the pick on system', async () => {
    const store = useThemeStore()
    store.cycle()
    expect(store.preference).toBe('light')
    store.cycle()
    expect(store.preference).toBe('dark')
    store.cycle()
    expect(store.preference).toBe('system')
    await nextTick()
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBeNull()
  })
})
