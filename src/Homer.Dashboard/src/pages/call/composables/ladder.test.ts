import { describe, expect, it } from 'vitest'
import { CALL, CALL_ID, message } from '@/test/fixtures'
import type { CallFlow, FlowEvent } from '../api'
import { arrowLabel, DEFAULT_LADDER, flowFromMessages, hasAuthHeader, hasSdpBody, layoutLadder, LEG_COLORS, MARKER_CHAR_WIDTH } from './ladder'

function event(over: Partial<FlowEvent> & Pick<FlowEvent, 'messageId' | 'timestamp' | 'fromHost' | 'toHost' | 'label'>): FlowEvent {
  return { callId: 'a@x', legIndex: 0, deltaMs: 0, method: null, statusCode: null, cseq: null, transactionId: null, retransmission: false, hasSdp: false, hasAuth: false, ...over }
}

const FLOW: CallFlow = {
  callIds: ['a@x', 'b@x'],
  hosts: [
    { id: '10.0.0.1:5060', ip: '10.0.0.1', port: 5060, alias: 'alice-phone' },
    { id: '10.0.0.2:5060', ip: '10.0.0.2', port: 5060, alias: null },
    { id: '10.0.0.3:5080', ip: '10.0.0.3', port: 5080, alias: 'carrier' },
  ],
  events: [
    event({ messageId: '1', timestamp: '2026-11-27T10:00:00.000100Z', fromHost: '10.0.0.1:5060', toHost: '10.0.0.2:5060', label: 'INVITE', method: 'INVITE', hasSdp: true, cseq: '1 INVITE' }),
    event({ messageId: '2', timestamp: '2026-11-27T10:00:00.050100Z', fromHost: '10.0.0.2:5060', toHost: '10.0.0.1:5060', label: '407 Proxy Authentication Required', statusCode: 407 }),
    event({ messageId: '3', timestamp: '2026-11-27T10:00:00.060100Z', fromHost: '10.0.0.1:5060', toHost: '10.0.0.2:5060', label: 'INVITE (SDP)', method: 'INVITE', hasSdp: true, hasAuth: true }),
    event({ messageId: '4', timestamp: '2026-11-27T10:00:00.560100Z', fromHost: '10.0.0.1:5060', toHost: '10.0.0.2:5060', label: 'INVITE (SDP)', method: 'INVITE', hasSdp: true, hasAuth: true, retransmission: true }),
    event({ messageId: '5', timestamp: '2026-11-27T10:00:00.600000Z', callId: 'b@x', legIndex: 1, fromHost: '10.0.0.2:5060', toHost: '10.0.0.3:5080', label: 'INVITE (SDP)', method: 'INVITE', hasSdp: true }),
    event({ messageId: '6', timestamp: '2026-11-27T10:00:01.600000Z', callId: 'b@x', legIndex: 1, fromHost: '10.0.0.3:5080', toHost: '10.0.0.2:5060', label: '200 OK', statusCode: 200 }),
  ],
  markers: [{ timestamp: '2026-11-27T10:00:01.000000Z', callId: 'b@x', kind: 'QOS', text: 'MOS 4.2 loss 0.5%' }],
}

describe('layoutLadder', () => {
  const layout = layoutLadder(FLOW, { timeZone: 'UTC' })

  it('spreads its columns over the width it has and keeps marker pills inside the drawing, cut with the full text kept', () => {
    const long = { ...FLOW, markers: [{ timestamp: '2026-11-27T10:00:01.000000Z', callId: 'b@x', kind: 'LOG', text: 'x'.repeat(400) }] }
    const wide = layoutLadder(long, { timeZone: 'UTC', availableWidth: 1200 })
    expect(wide.width).toBe(1200)
    expect(wide.columns[1]!.x - wide.columns[0]!.x).toBe(Math.min(DEFAULT_LADDER.maxColumnWidth, Math.floor((1200 - DEFAULT_LADDER.gutter - 20) / 3)))
    const narrow = layoutLadder(long, { timeZone: 'UTC', availableWidth: 300 })
    expect(narrow.width).toBe(DEFAULT_LADDER.gutter + 3 * DEFAULT_LADDER.columnWidth + 20)
    for (const l of [wide, narrow]) {
      const pill = l.rows.find((r) => r.type === 'marker')!
      if (pill.type !== 'marker') throw new Error('marker expected')
      expect(pill.pillX + pill.pillWidth).toBeLessThanOrEqual(l.width - 10)
      expect(pill.text.endsWith('…')).toBe(true)
      expect(pill.text.length * MARKER_CHAR_WIDTH + 20).toBeLessThanOrEqual(pill.pillWidth + 0.001)
      expect(pill.full).toBe(`LOG · ${'x'.repeat(400)}`)
    }
  })

  it('gives every host a column in order, titled by its alias when there is one', () => {
    expect(layout.columns.map((c) => [c.title, c.subtitle])).toEqual([
      ['alice-phone', '10.0.0.1:5060'],
      ['10.0.0.2', 'port 5060'],
      ['carrier', '10.0.0.3:5080'],
    ])
    const xs = layout.columns.map((c) => c.x)
    expect(xs[1]! - xs[0]!).toBe(DEFAULT_LADDER.columnWidth)
    expect(layout.width).toBeGreaterThan(xs[2]!)
  })

  it('draws one arrow per event in order, from the sender column to the receiver column', () => {
    expect(layout.arrows.map((a) => a.label)).toEqual([
      'INVITE (SDP)',
      '407 Proxy Authentication Required',
      'INVITE (SDP) (AUTH)',
      'INVITE (SDP) (AUTH)',
      'INVITE (SDP)',
      '200 OK',
    ])
    const [c0, c1, c2] = layout.columns.map((c) => c.x)
    expect(layout.arrows.map((a) => [a.x1, a.x2])).toEqual([[c0, c1], [c1, c0], [c0, c1], [c0, c1], [c1, c2], [c2, c1]])
    const ys = layout.rows.map((r) => r.y)
    expect([...ys].sort((a, b) => a - b)).toEqual(ys)
  })

  it('marks retransmissions, colours legs apart and shows absolute and delta times', () => {
    expect(layout.arrows.map((a) => a.event.retransmission)).toEqual([false, false, false, true, false, false])
    expect(layout.arrows[0]!.color).toBe(LEG_COLORS[0])
    expect(layout.arrows[4]!.color).toBe(LEG_COLORS[1])
    expect(layout.legs).toEqual([{ callId: 'a@x', color: LEG_COLORS[0] }, { callId: 'b@x', color: LEG_COLORS[1] }])
    expect(layout.arrows[0]!.time).toBe('10:00:00.000')
    expect(layout.arrows[0]!.delta).toBe('+0.000 ms')
    expect(layout.arrows[1]!.delta).toBe('+50.000 ms')
    expect(layout.arrows[3]!.delta).toBe('+500.000 ms')
    expect(layout.arrows[2]!.kind).toBe('request')
    expect(layout.arrows[1]!.kind).toBe('client-error')
  })

  it('puts QoS and log markers between the arrows by time', () => {
    expect(layout.rows.map((r) => (r.type === 'arrow' ? r.event.messageId : r.marker.kind))).toEqual(['1', '2', '3', '4', '5', 'QOS', '6'])
    expect(layout.height).toBe(DEFAULT_LADDER.headerHeight + 7 * DEFAULT_LADDER.rowHeight + 16)
  })

  it('adds a column for a host an event names but the host list lacks, and loops a message to itself', () => {
    const l = layoutLadder({
      callIds: ['a'],
      hosts: [],
      events: [event({ messageId: '1', timestamp: '2026-11-27T10:00:00Z', fromHost: '[2001:db8::1]:5060', toHost: '[2001:db8::1]:5060', label: 'OPTIONS' })],
      markers: [],
    })
    expect(l.columns).toHaveLength(1)
    expect(l.columns[0]!.title).toBe('2001:db8::1')
    expect(l.arrows[0]!.self).toBe(true)
  })
})

describe('arrowLabel', () => {
  it('adds the marks the flags call for, once', () => {
    expect(arrowLabel({ label: 'INVITE', hasSdp: true, hasAuth: false })).toBe('INVITE (SDP)')
    expect(arrowLabel({ label: 'INVITE (SDP)', hasSdp: true, hasAuth: true })).toBe('INVITE (SDP) (AUTH)')
    expect(arrowLabel({ label: 'BYE', hasSdp: false, hasAuth: false })).toBe('BYE')
  })
})

describe('flowFromMessages', () => {
  it('rebuilds hosts, labels, deltas and SDP marks from stored messages in time order', () => {
    const withSdp = CALL.map((m) => (m.id === '1' ? { ...m, payload: m.payload.replace('Content-Length: 0', 'Content-Type: application/sdp\r\nContent-Length: 10') + 'v=0\r\n' } : m))
    const flow = flowFromMessages(withSdp, [CALL_ID])
    expect(flow.hosts.map((h) => h.id)).toEqual(['10.0.0.1:5060', '10.0.0.2:5060'])
    expect(flow.events.map((e) => e.label)).toEqual(['INVITE (SDP)', '100', '180', '200', 'ACK'])
    expect(flow.events.map((e) => e.messageId)).toEqual(['1', '2', '3', '4', '5'])
    expect(flow.events[1]!.deltaMs).toBeCloseTo(7.543, 3)
    expect(flow.events[0]!.cseq).toBe('1 INVITE')
    expect(flow.events[0]!.transactionId).toBe('z9hG4bK776asdhds INVITE')
  })

  it('marks a byte-identical repeat as a retransmission and legs by Call-ID order', () => {
    const invite = message({ id: 'a', timestamp: '2026-11-27T10:00:00.000000Z', method: 'INVITE' })
    const again = { ...invite, id: 'b', timestamp: '2026-11-27T10:00:00.500000Z' }
    const leg = message({ id: 'c', timestamp: '2026-11-27T10:00:00.600000Z', method: 'INVITE', callId: 'leg2@x', srcIp: '10.0.0.2', dstIp: '10.0.0.3' })
    const flow = flowFromMessages([leg, again, invite], [CALL_ID])
    expect(flow.events.map((e) => e.retransmission)).toEqual([false, true, false])
    expect(flow.events.map((e) => e.legIndex)).toEqual([0, 0, 1])
    expect(flow.callIds).toEqual([CALL_ID, 'leg2@x'])
  })

  it('detects SDP bodies and authorization headers only in the right places', () => {
    expect(hasSdpBody('INVITE sip:a SIP/2.0\r\nc: application/sdp\r\n\r\nv=0')).toBe(true)
    expect(hasSdpBody('BYE sip:a SIP/2.0\r\nContent-Length: 0\r\n\r\n')).toBe(false)
    expect(hasAuthHeader('INVITE sip:a SIP/2.0\r\nProxy-Authorization: Digest username="a"\r\n\r\n')).toBe(true)
    expect(hasAuthHeader('INVITE sip:a SIP/2.0\r\nX: 1\r\n\r\nAuthorization: in the body')).toBe(false)
  })
})
