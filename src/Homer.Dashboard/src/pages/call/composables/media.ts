import type { SipMessage } from '@/pages/search/api'
import { endpoint } from '@/pages/search/composables/rows'

/** HEP payload type of SIP (the server's HepProtocolType.Sip); other types carry no SDP. */
const HEP_SIP = 1

/** One m= line of one SDP: where that side wants RTP, and the codecs it lists (in its order of preference). */
export interface MediaLine {
  media: string
  /** RTP address:port ([v6]:port); port 0 means the stream was refused. */
  rtp: string
  port: number
  protocol: string
  codecs: string[]
  direction: string | null
}

/** What one SDP of a call said: who sent it (offer or answer) and its media lines. */
export interface SdpSide {
  callId: string
  messageId: string
  timestamp: string
  /** "offer" for a request's SDP (INVITE, UPDATE, ACK…), "answer" for a response's. */
  role: 'offer' | 'answer'
  /** The SIP message's label and its sender, so the reader knows which side this is. */
  label: string
  sender: string
  media: MediaLine[]
}

/** Per call: each SDP seen, and the codec the answer settled on (its first audio codec), as a voice engineer reads it. */
export interface MediaSummary {
  callId: string
  sides: SdpSide[]
  /** The first codec of the last answer's first audio line (what both ends use), else the offer's first. */
  codec: string | null
}

/** Static payload types (RFC 3551) that SDP often lists without an rtpmap. */
const STATIC_TYPES: Record<string, string> = { '0': 'PCMU/8000', '3': 'GSM/8000', '4': 'G723/8000', '8': 'PCMA/8000', '9': 'G722/8000', '18': 'G729/8000' }

function body(payload: string): string | null {
  const at = payload.search(/\r?\n\r?\n/)
  if (at < 0) return null
  const text = payload.slice(at).replace(/^\r?\n\r?\n/, '')
  return /^v=0/m.test(text) ? text : null
}

/** Parses the media part of an SDP body: the session c= is the default for m= lines without their own. */
export function parseSdp(text: string): MediaLine[] {
  let sessionAddress: string | null = null
  const lines: { media: string; port: number; protocol: string; formats: string[]; address: string | null; rtpmap: Map<string, string>; direction: string | null }[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const current = lines[lines.length - 1]
    if (line.startsWith('m=')) {
      const [media = '', port = '0', protocol = '', ...formats] = line.slice(2).split(/\s+/)
      lines.push({ media, port: Number.parseInt(port, 10) || 0, protocol, formats, address: null, rtpmap: new Map(), direction: null })
    } else if (line.startsWith('c=')) {
      const address = line.slice(2).split(/\s+/)[2]?.split('/')[0] ?? null
      if (current) current.address = address
      else sessionAddress = address
    } else if (line.startsWith('a=rtpmap:') && current) {
      const m = /^a=rtpmap:(\d+)\s+(\S+)/.exec(line)
      if (m) current.rtpmap.set(m[1]!, m[2]!)
    } else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) {
      if (current) current.direction = line.slice(2)
    }
  }
  return lines.map((l) => {
    const address = l.address ?? sessionAddress ?? '?'
    return {
      media: l.media,
      rtp: endpoint(address, l.port),
      port: l.port,
      protocol: l.protocol,
      codecs: l.formats.map((f) => l.rtpmap.get(f) ?? STATIC_TYPES[f] ?? `PT ${f}`),
      direction: l.direction,
    }
  })
}

/** The media of each call from the SDP its stored SIP messages carry, in capture order. */
export function mediaSummaries(messages: readonly SipMessage[]): MediaSummary[] {
  const byCall = new Map<string, SdpSide[]>()
  for (const m of [...messages].sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
    if (!m.callId || (m.protocolType !== undefined && m.protocolType !== HEP_SIP) || !m.payload) continue
    const sdp = body(m.payload)
    if (!sdp) continue
    const media = parseSdp(sdp)
    if (!media.length) continue
    const role = m.statusCode === null ? 'offer' : 'answer'
    const label = m.method ?? `${m.statusCode}${m.reason ? ` ${m.reason}` : ''}`
    const sides = byCall.get(m.callId) ?? []
    // A retransmission repeats an SDP already listed.
    if (sides.some((s) => s.label === label && s.sender === endpoint(m.srcIp, m.srcPort) && JSON.stringify(s.media) === JSON.stringify(media))) continue
    sides.push({ callId: m.callId, messageId: m.id, timestamp: m.timestamp, role, label, sender: endpoint(m.srcIp, m.srcPort), media })
    byCall.set(m.callId, sides)
  }
  return [...byCall].map(([callId, sides]) => {
    const firstAudio = (s: SdpSide | undefined) => s?.media.find((l) => l.media === 'audio' && l.port > 0)?.codecs[0] ?? null
    const answer = [...sides].reverse().find((s) => s.role === 'answer')
    return { callId, sides, codec: firstAudio(answer) ?? firstAudio(sides[0]) }
  })
}
