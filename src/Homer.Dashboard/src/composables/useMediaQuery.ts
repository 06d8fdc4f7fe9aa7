import { onScopeDispose, ref, type Ref } from 'vue'

/** Reactive `matchMedia`; false where the environment has none (tests, old browsers). */
export function useMediaQuery(query: string): Ref<boolean> {
  const matches = ref(false)
  if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return matches
  const list = window.matchMedia(query)
  matches.value = list.matches
  const onChange = (e: MediaQueryListEvent) => (matches.value = e.matches)
  list.addEventListener('change', onChange)
  onScopeDispose(() => list.removeEventListener('change', onChange))
  return matches
}
