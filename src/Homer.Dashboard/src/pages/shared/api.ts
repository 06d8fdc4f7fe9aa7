import type { SipMessage } from '@/pages/search/api'

/** What `GET /api/share/{token}` answers: the sessions of the link and their messages (with correlated legs). */
export interface SharedCalls {
  callId: string
  /** Absent from nodes older than multi-session links: then the link holds `callId` alone. */
  callIds?: string[]
  expiresAt: string
  messages: Omit<SipMessage, 'id' | 'captureId'>[]
}

export class ShareLinkError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'ShareLinkError'
  }
}

/**
 * Reads a share link without any session: the signed token is the only credential, so no Authorization header
 * goes with it (a logged-in viewer sees exactly what the recipient of the link sees).
 */
export async function fetchShared(token: string, init: { signal?: AbortSignal; fetch?: typeof fetch } = {}): Promise<{ callIds: string[]; expiresAt: string; messages: SipMessage[] }> {
  const response = await (init.fetch ?? fetch)(`/api/share/${encodeURIComponent(token)}`, { signal: init.signal, headers: { accept: 'application/json' } })
  if (!response.ok) {
    let detail = ''
    try {
      const body = (await response.json()) as { detail?: string; title?: string }
      detail = body.detail ?? body.title ?? ''
    } catch {
      // Not JSON: the status says enough.
    }
    throw new ShareLinkError(detail || `The link could not be read (HTTP ${response.status}).`, response.status)
  }
  const body = (await response.json()) as SharedCalls
  return {
    callIds: body.callIds?.length ? body.callIds : [body.callId],
    expiresAt: body.expiresAt,
    // The link carries no message ids; their position in capture order names them for the ladder.
    messages: body.messages.map((m, i) => ({ ...m, id: String(i), captureId: 0 })),
  }
}
