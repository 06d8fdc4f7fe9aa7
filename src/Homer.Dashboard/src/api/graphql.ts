/**
 * A deliberately small GraphQL-over-HTTP client: the dashboard only needs POST with JSON, typed documents and
 * errors that say what went wrong. Subscriptions will come through graphql-ws when live views arrive.
 */

/** A GraphQL document tagged with the types of its result and variables, so callers cannot mix them up. */
export interface TypedDocument<TData, TVariables> {
  readonly query: string
  readonly operationName?: string
  /** Phantom fields: never set at run time, they only carry the types. */
  readonly __data?: TData
  readonly __variables?: TVariables
}

export function gql<TData, TVariables = Record<string, never>>(
  query: string,
  operationName?: string,
): TypedDocument<TData, TVariables> {
  return { query, operationName }
}

export interface GraphQLErrorEntry {
  message: string
  path?: ReadonlyArray<string | number>
  extensions?: { code?: string; [key: string]: unknown }
}

/** What the server said was wrong with a request (transport failure, HTTP status or GraphQL errors). */
export class GraphQLRequestError extends Error {
  readonly status: number | undefined
  readonly errors: readonly GraphQLErrorEntry[]

  constructor(message: string, options: { status?: number; errors?: readonly GraphQLErrorEntry[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'GraphQLRequestError'
    this.status = options.status
    this.errors = options.errors ?? []
  }
}

/**
 * The session plugs itself in here (stores/session.ts): every request carries its token, and a refused token
 * reports back so the app can send the user to the login page. Kept as hooks so this module has no store import.
 */
export interface AuthHooks {
  token(): string | null
  onUnauthenticated(error: GraphQLRequestError): void
}

let authHooks: AuthHooks | null = null

export function setAuthHooks(hooks: AuthHooks | null): void {
  authHooks = hooks
}

/** For transports other than HTTP (the WebSocket's close code 4403): the server refused the session's token. */
export function reportUnauthenticated(message: string): void {
  authHooks?.onUnauthenticated(new GraphQLRequestError(message, { status: 401 }))
}

export function authHeader(): Record<string, string> {
  const token = authHooks?.token()
  return token ? { authorization: `Bearer ${token}` } : {}
}

/** True when the server refused the request for lack of a usable token (HTTP 401 or code UNAUTHENTICATED). */
export function isUnauthenticated(e: unknown): boolean {
  if (!(e instanceof GraphQLRequestError)) return false
  if (e.status === 401) return true
  return e.errors.some((x) => x.extensions?.code === 'UNAUTHENTICATED' || x.extensions?.code === 'INVALID_TOKEN')
}

/**
 * True when the server does not know a field the dashboard asked for: an older node, or a feature whose API has
 * not shipped on it yet. Views use this to say so instead of showing a raw validation error.
 */
export function isMissingField(e: unknown): boolean {
  if (!(e instanceof GraphQLRequestError)) return false
  return e.errors.some(
    (x) => x.extensions?.code === 'FIELDS_ON_CORRECT_TYPE' || /Cannot query field|Unknown type|Unknown argument/i.test(x.message),
  )
}

export interface RequestOptions {
  signal?: AbortSignal
  /** Injected in tests; defaults to the global fetch at call time so test mocks of globalThis.fetch apply. */
  fetch?: typeof fetch
  endpoint?: string
}

export const GRAPHQL_ENDPOINT = '/graphql'

interface GraphQLResponseBody<TData> {
  data?: TData | null
  errors?: GraphQLErrorEntry[]
}

export async function request<TData, TVariables>(
  document: TypedDocument<TData, TVariables>,
  variables: TVariables,
  options: RequestOptions = {},
): Promise<TData> {
  const doFetch = options.fetch ?? globalThis.fetch
  let response: Response
  try {
    response = await doFetch(options.endpoint ?? GRAPHQL_ENDPOINT, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json;q=0.9',
        ...authHeader(),
      },
      body: JSON.stringify({ query: document.query, operationName: document.operationName, variables }),
      signal: options.signal,
    })
  } catch (e) {
    if (isAbort(e)) throw e
    throw new GraphQLRequestError(`Cannot reach the server: ${errorText(e)}`, { cause: e })
  }

  // GraphQL over HTTP answers request errors with 4xx and a JSON body: read it before judging the status,
  // because its messages are far more useful than "400 Bad Request".
  const body = await readJson<TData>(response)
  let failure: GraphQLRequestError | null = null
  if (body?.errors?.length) {
    failure = new GraphQLRequestError(body.errors.map((e) => e.message).join('; '), {
      status: response.status,
      errors: body.errors,
    })
  } else if (!response.ok) {
    failure = new GraphQLRequestError(`The server answered ${response.status} ${response.statusText}`.trim(), {
      status: response.status,
    })
  }
  if (failure) {
    if (isUnauthenticated(failure)) authHooks?.onUnauthenticated(failure)
    throw failure
  }
  if (body?.data == null) {
    throw new GraphQLRequestError('The server answered without data', { status: response.status })
  }
  return body.data
}

async function readJson<TData>(response: Response): Promise<GraphQLResponseBody<TData> | undefined> {
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('json')) return undefined
  try {
    return (await response.json()) as GraphQLResponseBody<TData>
  } catch (e) {
    if (isAbort(e)) throw e
    throw new GraphQLRequestError(`The server sent a response that is not valid JSON (HTTP ${response.status})`, {
      status: response.status,
      cause: e,
    })
  }
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException ? e.name === 'AbortError' : (e as { name?: string } | null)?.name === 'AbortError'
}

/** The text to show for a thrown value: an Error's message, anything else as a string. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
