import { defineStore } from 'pinia'
import { computed, watchEffect } from 'vue'
import { timeFormat } from '@/utils/time'

export const TIME_FORMAT_STORAGE_KEY = 'homer.timeFormat'

/** Applies the saved choice ("24h-local" by default) to {@link timeFormat}. */
function readSaved(): void {
  try {
    const saved = localStorage.getItem(TIME_FORMAT_STORAGE_KEY) ?? ''
    timeFormat.hour12 = saved.startsWith('12h')
    timeFormat.utc = saved.endsWith('-utc')
  } catch {
    // Storage disabled: the defaults.
  }
}

/** The user's time format (24/12-hour, local/UTC), saved in the browser like the theme. */
export const useTimeFormatStore = defineStore('timeFormat', () => {
  readSaved()
  const value = computed(() => `${timeFormat.hour12 ? '12h' : '24h'}-${timeFormat.utc ? 'utc' : 'local'}`)

  watchEffect(() => {
    try {
      if (value.value === '24h-local') localStorage.removeItem(TIME_FORMAT_STORAGE_KEY)
      else localStorage.setItem(TIME_FORMAT_STORAGE_KEY, value.value)
    } catch {
      // Private mode or disabled storage: the choice lasts for this page only.
    }
  })

  function set(hour12: boolean, utc: boolean): void {
    timeFormat.hour12 = hour12
    timeFormat.utc = utc
  }

  return { value, set, format: timeFormat }
})
