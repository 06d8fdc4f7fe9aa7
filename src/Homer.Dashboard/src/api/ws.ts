import { createClient, type Client } from 'graphql-ws'
import { onScopeDispose, ref } from 'vue'
import { authHeader, reportUnauthenticated, type TypedDocument } from './graphql'

/** ws(s)://<this host>/graphql: the node serves the dashboard and the API on the same port. */
export function websocketUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`
}

let shared: Client | null = null
let sharedToken: string | undefined
/** Whether the shared socket is open and acknowledged: a view subscribing on an open socket is live at once. */
let connected = false

/** One socket for every live view; recreated when the session's token changes (login as someone else). */
export function wsClient(): Client {
  const token = authHeader().authorization?.replace(/^Bearer /, '')
  if (shared && sharedToken === token) return shared
  void shared?.dispose()
  sharedToken = token
  shared = createClient({
    url: websocketUrl(),
    lazy: true,
    // Keep the socket a little after the last view closes, so switching pages does not reconnect.
    lazyCloseTimeout: 3_000,
    retryAttempts: 1_000_000,
    shouldRetry: (e) => !(e && typeof e === 'object' && 'code' in e && (e as CloseEvent).code === 4403),
    connectionParams: () => (token ? { token } : {}),
  })
  const client = shared
  client.on('connected', () => shared === client && (connected = true))
  client.on('closed', () => shared === client && (connected = false))
  connected = false
  return shared
}

export type LiveStatus = 'idle' | 'connecting' | 'live' | 'error'

/**
 * Runs one subscription while the calling component lives; `restart` re-subscribes (e.g. new filters).
 * Each `next` goes to onData; errors (including an unknown field on an older node) land in `error`.
 */
export function useSubscription<TData, TVariables>(
  document: TypedDocument<TData, TVariables>,
  onData: (data: TData) => void,
) {
  const status = ref<LiveStatus>('idle')
  const error = ref<string | null>(null)
  let stop: (() => void) | null = null
  // A subscription that was replaced still completes (asynchronously): only the current one may set the status.
  let generation = 0

  function start(variables: TVariables): void {
    stop?.()
    const mine = ++generation
    const current = () => mine === generation
    status.value = 'connecting'
    error.value = null
    const client = wsClient()
    if (connected) status.value = 'live'
    const offConnected = client.on('connected', () => {
      if (current() && status.value === 'connecting') status.value = 'live'
    })
    const offClosed = client.on('closed', (e) => {
      if (!current()) return
      if (status.value === 'live') status.value = 'connecting'
      const code = (e as CloseEvent | undefined)?.code
      if (code === 4403) {
        status.value = 'error'
        error.value = 'The server refused the session token for live updates: log in again.'
        reportUnauthenticated(error.value)
      }
    })
    const unsubscribe = client.subscribe<TData>(
      { query: document.query, operationName: document.operationName, variables: variables as Record<string, unknown> },
      {
        next: (result) => {
          if (!current()) return
          status.value = 'live'
          if (result.errors?.length) {
            error.value = result.errors.map((e) => e.message).join('; ')
            return
          }
          if (result.data) onData(result.data as TData)
        },
        error: (e) => {
          if (!current()) return
          status.value = 'error'
          error.value = Array.isArray(e)
            ? e.map((x: { message?: string }) => x.message ?? String(x)).join('; ')
            : e instanceof Error
              ? e.message
              : (e as CloseEvent)?.reason || 'The live connection failed'
        },
        complete: () => {
          if (current() && status.value !== 'error') status.value = 'idle'
        },
      },
    )
    stop = () => {
      offConnected()
      offClosed()
      unsubscribe()
      stop = null
    }
  }

  function halt(): void {
    stop?.()
    generation++
    status.value = 'idle'
  }

  onScopeDispose(halt)
  return { status, error, start, stop: halt }
}
