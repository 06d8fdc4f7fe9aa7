import { onScopeDispose, ref, shallowRef } from 'vue'
import { errorText, isAbort, isMissingField } from '@/api/graphql'

export type AsyncStatus = 'idle' | 'loading' | 'success' | 'error' | 'unsupported'

/**
 * One request at a time for a view: a new run cancels the one in flight (a late answer never overwrites a newer
 * one), and a field the server does not have yet becomes the 'unsupported' state instead of a raw error.
 */
export function useAsync<T, A extends unknown[]>(fn: (signal: AbortSignal, ...args: A) => Promise<T>) {
  const status = ref<AsyncStatus>('idle')
  const data = shallowRef<T | null>(null)
  const error = ref<string | null>(null)
  let inFlight: AbortController | null = null

  async function run(...args: A): Promise<T | null> {
    inFlight?.abort()
    const controller = new AbortController()
    inFlight = controller
    status.value = 'loading'
    error.value = null
    try {
      const result = await fn(controller.signal, ...args)
      if (inFlight !== controller) return null
      data.value = result
      status.value = 'success'
      return result
    } catch (e) {
      if (inFlight !== controller || isAbort(e)) return null
      data.value = null
      error.value = errorText(e)
      status.value = isMissingField(e) ? 'unsupported' : 'error'
      return null
    } finally {
      if (inFlight === controller) inFlight = null
    }
  }

  function reset(): void {
    inFlight?.abort()
    inFlight = null
    status.value = 'idle'
    data.value = null
    error.value = null
  }

  onScopeDispose(() => inFlight?.abort())
  return { status, data, error, run, reset }
}
