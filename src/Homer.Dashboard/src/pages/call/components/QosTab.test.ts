import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { QosStream } from '../api'
import QosTab from './QosTab.vue'

describe('QosTab', () => {
  it('lists the packet counts of end-of-call RTP statistics headers beside the RTCP streams', () => {
    const streams: QosStream[] = [
      {
        callId: 'c1', source: 'rtcp', ssrc: '0x1', direction: '10.0.0.1:4001 -> 10.0.0.2:4001', reporter: '10.0.0.1',
        points: [{ timestamp: '2026-12-06T10:00:05.000000Z', mos: null, packetLossPct: 1.5, jitterMs: 3, delayMs: null }],
      },
      {
        callId: 'c1', source: 'x-rtp-stat', ssrc: null, direction: '192.0.2.10:5060 -> 198.51.100.20:5060', reporter: '192.0.2.10',
        points: [{
          timestamp: '2026-12-06T10:00:30.000000Z', mos: 4.1, packetLossPct: 2.5, jitterMs: 12, delayMs: 40,
          packetsSent: 1000, packetsReceived: 975, packetsLost: 25,
        }],
      },
    ]
    // The charts draw on a canvas, which happy-dom lacks; the browser tests cover them.
    const wrapper = mount(QosTab, { props: { streams, status: 'success', reports: [], timeZone: 'UTC' }, global: { stubs: { TimeChart: true } } })
    const rows = wrapper.get('[data-testid="qos-packets"]').findAll('tbody tr')
    // Only the report that states packet counts gets a row; RTCP stays in the charts.
    expect(rows).toHaveLength(1)
    expect(rows[0]!.findAll('td').map((td) => td.text())).toEqual([
      '2026-12-06 10:00:30.000', 'x-rtp-stat', '192.0.2.10', '1000', '975', '25', '2.50', '12.0', '4.10',
    ])
  })
})
