import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { formatTimestamp, timeFormat } from '@/utils/time'
import { TIME_FORMAT_STORAGE_KEY, useTimeFormatStore } from './timeFormat'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

afterEach(() => Object.assign(timeFormat, { hour12: false, utc: false }))

describe('time format store', () => {
  it('is 24-hour local until the user picks, then remembers the pick and applies it everywhere', async () => {
    const store = useTimeFormatStore()
    expect(store.value).toBe('24h-local')
    store.set(true, true)
    await nextTick()
    expect(localStorage.getItem(TIME_FORMAT_STORAGE_KEY)).toBe('12h-utc')
    expect(formatTimestamp('2026-11-27T00:21:44Z')).toBe('2026-11-27 12:21:44.000 AM')

    Object.assign(timeFormat, { hour12: false, utc: false })
    setActivePinia(createPinia())
    expect(useTimeFormatStore().value).toBe('12h-utc')
    expect(timeFormat).toEqual({ hour12: true, utc: true })
  })
})
