import { onScopeDispose, ref, shallowRef } from 'vue'
import { errorText, isAbort, type RequestOptions } from '@/api/graphql'
import { DEFAULT_PAGE_SIZE, fetchMessages, type MessageFilter, type SipMessage } from '../api'

export type SearchStatus = 'idle' | 'loading' | 'success' | 'error'

/**
 * One search at a time: a new search cancels the one in flight, so a slow answer to an old Call-ID can never
 * overwrite the answer to the current one.
 */
export function useMessageSearch(options: Pick<RequestOptions, 'fetch'> & { pageSize?: number } = {}) {
  const status = ref<SearchStatus>('idle')
  const messages = shallowRef<SipMessage[]>([])
  const totalCount = ref(0)
  const error = ref<string | null>(null)
  const filter = shallowRef<MessageFilter | null>(null)
  let inFlight: AbortController | null = null

  /** While pages arrive: how many rows are loaded so far. */
  const loaded = ref(0)

  async function search(next: MessageFilter, first?: number, fields?: string): Promise<void> {
    inFlight?.abort()
    const controller = new AbortController()
    inFlight = controller
    filter.value = next
    status.value = 'loading'
    error.value = null
    try {
      loaded.value = 0
      const result = await fetchMessages(next, first ?? options.pageSize ?? DEFAULT_PAGE_SIZE, {
        fetch: options.fetch,
        signal: controller.signal,
        fields,
        onPage: (nodes, total) => {
          if (inFlight !== controller) return
          loaded.value = nodes.length
          totalCount.value = total
        },
      })
      if (inFlight !== controller) return
      messages.value = result.nodes
      totalCount.value = result.totalCount
      status.value = 'success'
    } catch (e) {
      if (inFlight !== controller || isAbort(e)) return
      messages.value = []
      totalCount.value = 0
      error.value = errorText(e)
      status.value = 'error'
    } finally {
      if (inFlight === controller) inFlight = null
    }
  }

  function reset(): void {
    inFlight?.abort()
    inFlight = null
    status.value = 'idle'
    messages.value = []
    totalCount.value = 0
    error.value = null
    filter.value = null
  }

  onScopeDispose(() => inFlight?.abort())

  return { status, messages, totalCount, error, filter, loaded, search, reset }
}
