import { describe, expect, it } from 'vitest'
import { diffLines, highlightSip } from './sip'
import { exportUrl } from './exportUrl'

describe('highlightSip', () => {
  it('marks the start line, header names, Call-ID, tags and branch, and leaves the body plain', () => {
    const lines = highlightSip(
      'INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKabc;rport\r\nFrom: <sip:a@x>;tag=123\r\nCall-ID: c1@x\r\n\r\nv=0\r\na=tag=no',
    )
    expect(lines[0]).toEqual([{ text: 'INVITE sip:b@x SIP/2.0', kind: 'start' }])
    expect(lines[1]!.filter((t) => t.kind)).toEqual([{ text: 'Via', kind: 'name' }, { text: 'branch=z9hG4bKabc', kind: 'branch' }])
    expect(lines[1]!.map((t) => t.text).join('')).toBe('Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKabc;rport')
    expect(lines[2]!.find((t) => t.kind === 'tag')?.text).toBe('tag=123')
    expect(lines[3]!.find((t) => t.kind === 'callid')?.text).toBe('c1@x')
    expect(lines[6]).toEqual([{ text: 'a=tag=no', kind: 'body' }])
  })
})

describe('diffLines', () => {
  it('keeps common lines and shows what changed between two messages', () => {
    const d = diffLines('INVITE\r\nCSeq: 1 INVITE\r\nX: a', 'INVITE\r\nCSeq: 2 INVITE\r\nX: a\r\nAuthorization: y')
    expect(d).toEqual([
      { op: 'same', text: 'INVITE' },
      { op: 'del', text: 'CSeq: 1 INVITE' },
      { op: 'add', text: 'CSeq: 2 INVITE' },
      { op: 'same', text: 'X: a' },
      { op: 'add', text: 'Authorization: y' },
    ])
  })
})

describe('exportUrl', () => {
  it('repeats callId for each call and encodes it', () => {
    expect(exportUrl('pcap', ['a b@x', 'c@x'], true)).toBe('/api/export/pcap?callId=a+b%40x&callId=c%40x&includeLegs=true')
  })
})
