import { defineStore } from 'pinia'
import { computed, ref, watchEffect } from 'vue'
import { useMediaQuery } from '@/composables/useMediaQuery'

export type ThemePreference = 'system' | 'light' | 'dark'
export type Theme = 'light' | 'dark'

/** Also read by the inline script in index.html, which applies the theme before the app loads (no flash). */
export const THEME_STORAGE_KEY = 'homer.theme'
const ORDER: ThemePreference[] = ['system', 'light', 'dark']

function readPreference(): ThemePreference {
  try {
    const saved = localStorage.getItem(THEME_STORAGE_KEY)
    return saved === 'light' || saved === 'dark' ? saved : 'system'
  } catch {
    return 'system'
  }
}

export const useThemeStore = defineStore('theme', () => {
  const preference = ref<ThemePreference>(readPreference())
  const systemDark = useMediaQuery('(prefers-color-scheme: dark)')
  const theme = computed<Theme>(() =>
    preference.value === 'system' ? (systemDark.value ? 'dark' : 'light') : preference.value,
  )

  watchEffect(() => {
    document.documentElement.dataset.theme = theme.value
    try {
      if (preference.value === 'system') localStorage.removeItem(THEME_STORAGE_KEY)
      else localStorage.setItem(THEME_STORAGE_KEY, preference.value)
    } catch {
      // Private mode or disabled storage: the choice lasts for this page only.
    }
  })

  function setPreference(next: ThemePreference): void {
    preference.value = next
  }

  function cycle(): void {
    preference.value = ORDER[(ORDER.indexOf(preference.value) + 1) % ORDER.length]!
  }

  return { preference, theme, setPreference, cycle }
})
