import { describe, expect, it } from 'vitest'
import { restErrorText, type ApiError } from './rest'

describe('restErrorText', () => {
  it("gives the node's own message", async () => {
    const response = new Response(JSON.stringify({ error: 'The share link was revoked.' } satisfies ApiError), { status: 403 })
    expect(await restErrorText(response, 'fallback')).toBe('The share link was revoked.')
  })

  it('gives the fallback, else the body as it came, for what is not the node speaking', async () => {
    const page = '<html><body>502 Bad Gateway</body></html>'
    expect(await restErrorText(new Response(page, { status: 502 }), 'The link could not be read (HTTP 502).')).toBe('The link could not be read (HTTP 502).')
    expect(await restErrorText(new Response(page, { status: 502 }))).toBe(page)
    expect(await restErrorText(new Response(JSON.stringify({ title: 'Bad Request' }), { status: 400, statusText: 'Bad Request' }))).toBe('{"title":"Bad Request"}')
    expect(await restErrorText(new Response('', { status: 500, statusText: 'Internal Server Error' }))).toBe('Internal Server Error')
  })
})
