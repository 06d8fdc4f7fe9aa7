import type { ApiError } from './rest.generated'

export type { ApiError, ImportAnswer, SharedCallsAnswer, SharedMessage } from './rest.generated'

/**
 * Why a REST call failed: the node's own message (every REST endpoint answers an error as {@link ApiError}), else
 * `fallback`, else the body as it came (a proxy's error page) or the status text.
 */
export async function restErrorText(response: Response, fallback?: string): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const error = (JSON.parse(text) as Partial<ApiError> | null)?.error
    if (typeof error === 'string' && error) return error
  } catch {
    // Not JSON: not the node's answer.
  }
  return fallback ?? (text || response.statusText)
}
