import { authHeader } from '@/api/graphql'
import { restErrorText, type ImportAnswer } from '@/api/rest'

export class ImportError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'ImportError'
  }
}

/** Uploads a capture file as the request body; the node streams it into its ingest and answers with a summary. */
export async function importPcap(file: Blob, captureId: number, node: string | null, init: { signal?: AbortSignal } = {}): Promise<ImportAnswer> {
  const q = new URLSearchParams({ captureId: String(captureId) })
  if (node) q.set('node', node)
  const response = await fetch(`/api/import/pcap?${q.toString()}`, {
    method: 'POST',
    headers: { ...authHeader(), 'content-type': 'application/vnd.tcpdump.pcap' },
    body: file,
    signal: init.signal,
  })
  if (!response.ok) throw new ImportError(`Import failed (${response.status}): ${await restErrorText(response)}`, response.status)
  return (await response.json()) as ImportAnswer
}

/** The SIP search over what was imported: its capture id and the time the capture spans. */
export function searchQueryOf(summary: ImportAnswer): Record<string, string> {
  const query: Record<string, string> = { captureId: String(summary.captureId) }
  if (summary.first && summary.last) {
    // The search form keeps milliseconds: widen the range so the first and last microsecond-stamped messages stay in it.
    query.range = 'abs'
    query.from = new Date(Math.floor(Date.parse(summary.first))).toISOString()
    query.to = new Date(Date.parse(summary.last) + 1).toISOString()
  }
  if (summary.node) query.node = summary.node
  return query
}
