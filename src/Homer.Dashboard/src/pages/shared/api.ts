import { restErrorText, type SharedCallsAnswer } from '@/api/rest'
import type { SipMessage } from '@/pages/search/api'

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
    // Not the node's answer (a proxy's page): the status says enough.
    throw new ShareLinkError(await restErrorText(response, `The link could not be read (HTTP ${response.status}).`), response.status)
  }
  const body = (await response.json()) as SharedCallsAnswer
  return {
    // A node older than multi-session links sends `callId` alone.
    callIds: body.callIds?.length ? body.callIds : [body.callId],
    expiresAt: body.expiresAt,
    // The link carries no message ids (their position in capture order names them for the ladder), no capture ids
    // and no user parts (the ladder shows neither).
    messages: body.messages.map((m, i) => ({ ...m, id: String(i), captureId: 0, fromUser: null, toUser: null })),
  }
}
