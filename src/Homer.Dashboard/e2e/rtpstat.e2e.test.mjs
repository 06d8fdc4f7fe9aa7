// Browser test against a REAL node: a call whose BYE carries AudioCodes' X-RTP-Stat and whose 200 OK carries a Cisco
// phone's RTP-RxStat/TxStat (the vendors' published lines) shows both in the call's QoS tab, with packet counts, beside
// the charts. Nothing on this path is mocked. See lib.mjs for the environment variables.
import assert from 'node:assert/strict'
import path from 'node:path'
import { before, describe, test } from 'node:test'
import { assertNodeReachable, buildCall, encode, openLoggedIn, openPage, sendOverHep, uniqueCallId, waitForStored } from './lib.mjs'

const AUDIOCODES = 'X-RTP-Stat: PS=207;OS=49680;;PR=314;OR=50240;PL=0;JI=600;LA=40;'
const CISCO = [
  'Rtp-Rxstat: Dur=13,Pkt=408,Oct=97680,LatePkt=8,LostPkt=72,AvgJit=16,VQMetrics="CCR=0.0017;VoRxCodec=PCMU;VoOneWayDelayMs=281;MOScq=3.01;MOSlq=2.95"',
  'Rtp-Txstat: Dur=13,Pkt=417,Oct=100080,tvqMetrics="TxCodec=PCMU;rtpbitrate=61587;rtcpbitrate=0',
].join('\r\n')

describe('RTP statistics headers in the QoS tab', () => {
  let page
  const callId = uniqueCallId('rtpstat')
  const call = buildCall(callId)

  before(async () => {
    await assertNodeReachable()
    const withHeader = (m, header) => ({ ...m, text: m.text.replace('Content-Length: 0\r\n', `${header}\r\nContent-Length: 0\r\n`) })
    call[5] = withHeader(call[5], AUDIOCODES)
    call[6] = withHeader(call[6], CISCO)
    await sendOverHep(call.map((m) => encode(m, Date.now() * 1000 - 30_000_000)))
    await waitForStored(callId, call.length)
    page = await openPage()
  })

  test('the QoS tab lists both reports with their packet counts and charts them', { timeout: 60_000 }, async () => {
    await openLoggedIn(page, `/call?callId=${encodeURIComponent(callId)}`)
    await page.getByTestId('tab-qos').click()
    const rows = page.getByTestId('qos-packets').locator('tbody tr')
    await rows.first().waitFor()
    assert.equal(await rows.count(), 2)
    const cells = async (i) => (await rows.nth(i).locator('td').allTextContents()).map((c) => c.trim())
    const bye = await cells(0)
    assert.deepEqual(bye.slice(1), ['x-rtp-stat', '192.0.2.10', '207', '314', '0', '0.00', '600.0', ''])
    const ok = await cells(1)
    assert.deepEqual(ok.slice(1), ['rtp-rxstat', '198.51.100.20', '417', '408', '72', '15.00', '2.0', '2.95'])
    assert.ok(await page.getByTestId('qos-chart').count() >= 1, 'the charts are drawn too')
  })
})
