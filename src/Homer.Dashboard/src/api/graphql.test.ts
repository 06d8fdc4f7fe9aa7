import { describe, expect, it, vi } from 'vitest'
import { graphqlResponse } from '@/test/fixtures'
import { gql, GraphQLRequestError, request } from './graphql'

const HELLO = gql<{ hello: string }, { name: string }>('query Hello($name: String) { hello(name: $name) }', 'Hello')

describe('request', () => {
  it('POSTs the document, operation name and variables as JSON to /graphql', async () => {
    const fetch = vi.fn(async () => graphqlResponse({ data: { hello: 'hi' } }))
    await expect(request(HELLO, { name: 'bob' }, { fetch })).resolves.toEqual({ hello: 'hi' })
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/graphql')
    expect(init.method).toBe('POST')
    expect(new Headers(init.headers).get('content-type')).toBe('application/json')
    expect(JSON.parse(init.body as string)).toEqual({ query: HELLO.query, operationName: 'Hello', variables: { name: 'bob' } })
  })

  it('surfaces GraphQL errors, even when they come with HTTP 400', async () => {
    const fetch = vi.fn(async () =>
      graphqlResponse({ errors: [{ message: 'first must be between 0 and 10000, was -1' }, { message: 'second' }] }, 400),
    )
    const error = await request(HELLO, { name: 'x' }, { fetch }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GraphQLRequestError)
    expect((error as GraphQLRequestError).message).toBe('first must be between 0 and 10000, was -1; second')
    expect((error as GraphQLRequestError).status).toBe(400)
    expect((error as GraphQLRequestError).errors).toHaveLength(2)
  })

  it('treats errors next to partial data as a failure', async () => {
    const fetch = vi.fn(async () => graphqlResponse({ data: { hello: null }, errors: [{ message: 'boom' }] }))
    await expect(request(HELLO, { name: 'x' }, { fetch })).rejects.toThrow('boom')
  })

  it('reports HTTP failures without a GraphQL body by status', async () => {
    const fetch = vi.fn(async () => new Response('upstream down', { status: 502, statusText: 'Bad Gateway' }))
    await expect(request(HELLO, { name: 'x' }, { fetch })).rejects.toThrow('The server answered 502 Bad Gateway')
  })

  it('reports an unreachable server', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(request(HELLO, { name: 'x' }, { fetch })).rejects.toThrow('Cannot reach the server: Failed to fetch')
  })

  it('lets an abort through untouched so callers can ignore it', async () => {
    const fetch = vi.fn(async () => {
      throw new DOMException('aborted', 'AbortError')
    })
    await expect(request(HELLO, { name: 'x' }, { fetch })).rejects.toMatchObject({ name: 'AbortError' })
  })
})
