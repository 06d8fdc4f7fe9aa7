import { afterEach, beforeEach, vi } from 'vitest'

type Fetch = (url: string, init: RequestInit) => Promise<Response>

/**
 * Stands in for `fetch` (the node's HTTP) in every test of the file: each test answers it with `mockResolvedValue`
 * or `mockImplementation` (or `implementation`, the default answer), and finds what the page sent in `mock.calls`.
 * After each test the real `fetch` is back and the page is cleared of what the test mounted.
 */
export function stubFetch(implementation?: Fetch) {
  const fetchMock = vi.fn<Fetch>()
  beforeEach(() => {
    fetchMock.mockReset()
    if (implementation) fetchMock.mockImplementation(implementation)
    vi.stubGlobal('fetch', fetchMock)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })
  return fetchMock
}
