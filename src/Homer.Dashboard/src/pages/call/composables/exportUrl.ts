/** The export endpoint for the calls shown (callId repeats), e.g. /api/export/pcap?callId=a&callId=b&includeLegs=true. */
export function exportUrl(kind: 'pcap' | 'text', callIds: readonly string[], legs: boolean): string {
  const q = new URLSearchParams()
  for (const id of callIds) q.append('callId', id)
  q.set('includeLegs', String(legs))
  return `/api/export/${kind}?${q.toString()}`
}
