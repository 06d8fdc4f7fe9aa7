// Details engineers read (issue 25), against a REAL node fed over HEP: the keyboard from the search box into the
// results, a new search that starts from a clean table, resizable result columns, the calls page's columns, the
// ladder using the width it has, the Logs tab agreeing with the ladder, the QoS tab and the media summary.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import hep from 'hep-js'
import {
  assertNodeReachable, buildCall, encode, encodeVqReport, eventually, graphql, openLoggedIn, openPage, sendOverHep, uniqueCallId, waitForStored,
} from './lib.mjs'

const first = uniqueCallId('details-a')
const second = uniqueCallId('details-b')

/** A log line (HEP type 100) about a call, as hepipe or a SIP server's logger sends it. */
export function encodeLog(callId, atMicros, text) {
  return hep.encapsulate(text, {
    protocolFamily: 2, protocol: 17, srcIp: '192.0.2.10', dstIp: '192.0.2.99', srcPort: 5061, dstPort: 9060,
    timeSeconds: Math.floor(atMicros / 1_000_000), timeUseconds: atMicros % 1_000_000, payloadType: 100,
    correlation_id: callId, captureId: 2001,
    capturePass: process.env.HOMER_HEP_AUTH_KEY ?? process.env.HOMER_HEP_PASS ?? 'myHep',
  })
}

/** RTCP as heplify and captagent send it: HEP type 5, JSON, the Call-ID as correlation id. */
function encodeRtcpJson(callId, atMicros, { ssrc = 2864434397, lost = 42 } = {}) {
  const json = JSON.stringify({ type: 201, ssrc: 305419896, report_count: 1, report_blocks: [{ source_ssrc: ssrc, fraction_lost: 13, packets_lost: lost, highest_seq_no: 1200, ia_jitter: 160, lsr: 0, dlsr: 0 }] })
  return hep.encapsulate(json, {
    protocolFamily: 2, protocol: 17, srcIp: '198.51.100.20', dstIp: '192.0.2.10', srcPort: 50001, dstPort: 40001,
    timeSeconds: Math.floor(atMicros / 1_000_000), timeUseconds: atMicros % 1_000_000, payloadType: 5,
    correlation_id: callId, captureId: 2001,
    capturePass: process.env.HOMER_HEP_AUTH_KEY ?? process.env.HOMER_HEP_PASS ?? 'myHep',
  })
}

describe('details engineers read', () => {
  let page
  const start = Date.now() * 1000 - 120_000_000

  before(async () => {
    await assertNodeReachable()
    await sendOverHep([...buildCall(first).map((m) => encode(m, start)), ...buildCall(second, { from: 'carol', to: 'dave' }).map((m) => encode(m, start + 20_000_000))])
    await waitForStored(first, 7)
    await waitForStored(second, 7)
    page = await openPage()
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  test('ArrowDown in the search box moves into the results, and on through them', { timeout: 60_000 }, async () => {
    await openLoggedIn(page, `/?callId=${encodeURIComponent(first)}`)
    await page.getByTestId('results-count').waitFor()
    await page.getByTestId('callid-input').focus()
    await page.keyboard.press('ArrowDown')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '0', 'the first result row has the focus')
    await page.keyboard.press('ArrowDown')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '1')
    await page.keyboard.press('Enter')
    await page.getByRole('complementary', { name: 'Selected message' }).waitFor()
  })

  test('a new search starts without the sort and row filter of the last one', { timeout: 60_000 }, async () => {
    await openLoggedIn(page, `/?callId=${encodeURIComponent(first)}`)
    await page.getByTestId('results-count').waitFor()
    await page.getByTestId('sort-method').click()
    await page.getByTestId('table-filter').fill('alice')
    assert.match(await page.getByTestId('table-count').innerText(), /^7 rows$/)
    await page.getByTestId('callid-input').fill(second)
    await page.getByTestId('callid-input').press('Enter')
    await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid="call-link"]')].some((a) => a.textContent === id), second)
    // The filter "alice" would hide every row of carol's call; the sort would reorder its messages.
    assert.equal(await page.getByTestId('table-filter').inputValue(), '')
    assert.match(await page.getByTestId('table-count').innerText(), /^7 rows$/)
    assert.equal(await page.getByTestId('sort-arrow').count(), 0, 'no column sorted')
    const labels = await page.getByTestId('message-label').allInnerTexts()
    assert.deepEqual(labels.slice(0, 3), ['INVITE', '100', '180'], 'capture order')
  })

  test('the Logs tab lists every log line the ladder shows', { timeout: 60_000 }, async () => {
    const logCall = uniqueCallId('details-logs')
    const at = start + 40_000_000
    await sendOverHep(buildCall(logCall).map((m) => encode(m, at)))
    // The same line captured by three agents (three stored messages, same time and text), and one other line.
    const line = 'rtpengine[812]: offer for call: media port 40000 allocated'
    await sendOverHep([
      ...[2001, 2002, 2003].map(() => encodeLog(logCall, at + 1_000_000, line)),
      encodeLog(logCall, at + 3_000_000, 'rtpengine[812]: answer: codec PCMU'),
    ])
    await waitForStored(logCall, 7)
    await eventually(async () => {
      const { callFlow } = await graphql('query ($c: [String!]!) { callFlow(callIds: $c) { markers { kind } } }', { c: [logCall] })
      return callFlow.markers.filter((m) => m.kind === 'LOG').length === 4
    }, 'four log lines stored')

    await openLoggedIn(page, `/call?callId=${encodeURIComponent(logCall)}`)
    const logMarkers = page.getByTestId('ladder-marker').filter({ hasText: /LOG · / })
    await logMarkers.first().waitFor()
    const onLadder = await logMarkers.count()
    assert.equal(onLadder, 4)
    await page.getByTestId('tab-logs').click()
    await page.getByTestId('logs').waitFor()
    const rows = await page.getByTestId('logs').locator('tbody tr').allInnerTexts()
    assert.equal(rows.length, onLadder, `the tab lists what the ladder shows: ${JSON.stringify(rows)}`)
    assert.equal(rows.filter((r) => r.includes(line)).length, 3)
  })

  test('the calls page shows callee address and end time, and cuts none of its columns at 1440 px', { timeout: 60_000 }, async () => {
    const user = `c${Date.now() % 100_000}`
    const answered = uniqueCallId('details-calls-ok')
    const failed = uniqueCallId('details-calls-487')
    const at = start + 50_000_000
    const busy = buildCall(failed, { from: user }).slice(0, 4).map((m, i) => (i < 3 ? m : {
      ...m,
      text: m.text.split('\r\n\r\n')[0].replace('SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated')
        .replace(/Content-Type: application\/sdp\r\n/, '').replace(/Content-Length: \d+/, 'Content-Length: 0') + '\r\n\r\n',
    }))
    await sendOverHep([...buildCall(answered, { from: user }).map((m) => encode(m, at)), ...busy.map((m) => encode(m, at + 1_000_000))])
    await waitForStored(answered, 7)
    await waitForStored(failed, 4)
    await eventually(async () => {
      const { dialogs } = await graphql('query ($f: DialogFilter!) { dialogs(filter: $f, first: 10) { nodes { callId endedAt finalStatus } } }', { f: { fromUser: user } })
      return dialogs.nodes.length === 2 && dialogs.nodes.every((d) => d.endedAt && d.finalStatus)
    }, 'both calls ended')

    await openLoggedIn(page, `/?mode=calls&fromUser=${user}&range=1h`)
    await page.getByTestId('calls-table').getByTestId('result-row').nth(1).waitFor()
    const table = page.getByTestId('calls-table')
    const headers = await table.locator('[role="columnheader"]').evaluateAll((els) => els.map((e) => e.textContent.trim()))
    for (const name of ['Ended', 'Callee IP', 'Kind', 'Final', 'Duration']) assert.ok(headers.includes(name), `column ${name} in ${headers}`)
    const cut = await table.evaluate((t) => {
      const out = []
      const scroller = t.querySelector('.scroller')
      if (scroller.scrollWidth > scroller.clientWidth + 1) out.push(`scrolls sideways: ${scroller.scrollWidth} > ${scroller.clientWidth}`)
      for (const label of t.querySelectorAll('.th-label')) if (label.scrollWidth > label.clientWidth + 1) out.push(`header ${label.textContent}`)
      for (const cell of t.querySelectorAll('[data-testid="result-row"] [role="gridcell"]')) {
        if (cell.scrollWidth > cell.clientWidth + 1 && !cell.querySelector('a') && cell.textContent.length < 30) out.push(`cell ${cell.textContent}`)
      }
      return out
    })
    assert.deepEqual(cut, [], 'nothing cut')
    const text = await table.innerText()
    assert.match(text, /487 Request Terminated/)
    assert.match(text, /198\.51\.100\.20/, 'callee address')
    const { dialogs } = await graphql('query ($f: DialogFilter!) { dialogs(filter: $f, first: 10) { nodes { callId endedAt } } }', { f: { fromUser: user } })
    const ended = dialogs.nodes.find((d) => d.callId === answered).endedAt
    const row = table.getByTestId('result-row').filter({ hasText: answered })
    const endCell = await row.locator('[role="gridcell"]').nth(2).innerText()
    assert.equal(endCell, new Date(ended).toTimeString().slice(0, 8), 'the time of day the call ended, to the second')
  })

  test('result columns resize by dragging their edge, keep the width across searches and reloads, and show full values on hover', { timeout: 60_000 }, async () => {
    await openLoggedIn(page, `/?callId=${encodeURIComponent(first)}`)
    await page.getByTestId('results-count').waitFor()
    const header = page.getByTestId('sort-reason')
    const before = await header.boundingBox()
    const handle = await page.getByTestId('resize-reason').boundingBox()
    assert.ok(handle, 'the Reason header has a resize handle')
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2)
    await page.mouse.down()
    await page.mouse.move(handle.x + handle.width / 2 + 60, handle.y + handle.height / 2, { steps: 4 })
    await page.mouse.move(handle.x + handle.width / 2 + 120, handle.y + handle.height / 2, { steps: 4 })
    await page.mouse.up()
    const widened = await header.boundingBox()
    assert.ok(Math.abs(widened.width - (before.width + 120)) <= 2, `Reason ${before.width} -> ${widened.width} px`)
    assert.equal(await page.getByTestId('sort-arrow').count(), 0, 'the drag did not sort')
    // The rows follow the header: the Reason cell of the 180 is as wide as its header.
    const reasonCell = page.getByTestId('result-row').nth(2).locator('[role="gridcell"]').nth(3)
    assert.ok(Math.abs((await reasonCell.boundingBox()).width - widened.width) <= 1)
    // Full values on hover for the columns that are cut: Reason, R-URI user, User agent.
    const cells = page.getByTestId('result-row').first().locator('[role="gridcell"]')
    assert.equal(await cells.nth(4).getAttribute('title'), 'bob')
    assert.equal(await cells.nth(8).getAttribute('title'), 'homer-dashboard-e2e')
    assert.equal(await reasonCell.getAttribute('title'), 'Ringing')

    await page.getByTestId('callid-input').fill(second)
    await page.getByTestId('callid-input').press('Enter')
    await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid="call-link"]')].some((a) => a.textContent === id), second)
    assert.ok(Math.abs((await header.boundingBox()).width - widened.width) <= 1, 'kept for the next search')
    await page.reload()
    await page.getByTestId('results-count').waitFor()
    assert.ok(Math.abs((await page.getByTestId('sort-reason').boundingBox()).width - widened.width) <= 1, 'kept after a reload')
    await page.getByTestId('resize-reason').dblclick()
    assert.ok(Math.abs((await page.getByTestId('sort-reason').boundingBox()).width - before.width) <= 1, 'double click: default width')
  })

  test('the ladder uses the width it has, and its LOG and QoS pills are never cut', { timeout: 60_000 }, async () => {
    const call = uniqueCallId('details-pills')
    const at = start + 60_000_000
    const line = `kamailio[2211]: NOTICE: <script>: relay to sip:bob@198.51.100.20:5062 failed over after a timeout; ${'trying the next gateway in the list; '.repeat(5)}end`
    await sendOverHep([...buildCall(call).map((m) => encode(m, at)), encodeLog(call, at + 1_000_000, line), encodeVqReport(call, at + 9_900_000)])
    await waitForStored(call, 7)
    await eventually(async () => {
      const { callFlow } = await graphql('query ($c: [String!]!) { callFlow(callIds: $c) { markers { kind } } }', { c: [call] })
      return callFlow.markers.length === 2
    }, 'log and QoS markers')
    for (const width of [1440, 600]) {
      await page.setViewportSize({ width, height: 900 })
      await openLoggedIn(page, `/call?callId=${encodeURIComponent(call)}`)
      await page.getByTestId('ladder-marker').nth(1).waitFor()
      const drawn = await page.getByTestId('ladder').evaluate((svg) => {
        const canvas = svg.parentElement
        const svgBox = svg.getBoundingClientRect()
        return {
          svgWidth: svgBox.width,
          canvasWidth: canvas.clientWidth,
          markers: [...svg.querySelectorAll('[data-testid="ladder-marker"]')].map((g) => {
            const pill = g.querySelector('rect').getBoundingClientRect()
            const text = g.querySelectorAll('text')[1].getBoundingClientRect()
            return { pillRight: pill.right - svgBox.left, textRight: text.right - svgBox.left, title: g.querySelector('title')?.textContent ?? null }
          }),
        }
      })
      if (width === 1440) assert.ok(drawn.svgWidth >= drawn.canvasWidth - 1, `the ladder fills its ${drawn.canvasWidth} px (${drawn.svgWidth})`)
      assert.equal(drawn.markers.length, 2)
      for (const m of drawn.markers) {
        assert.ok(m.pillRight <= drawn.svgWidth, `${width} px: pill inside the drawing (${m.pillRight} > ${drawn.svgWidth})`)
        assert.ok(m.textRight <= m.pillRight, `${width} px: text inside its pill (${m.textRight} > ${m.pillRight})`)
      }
      assert.ok(drawn.markers.some((m) => m.title === `LOG · ${line}`), 'the full log line on hover')
      assert.ok(drawn.markers.some((m) => m.title?.startsWith('QOS · ')), 'the QoS report on hover')
    }
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  test('QoS tab: one report on the call\'s own time axis, "no data" in an empty chart, SSRC, lost packets and RTT in the table; Call info: the media', { timeout: 90_000 }, async () => {
    const single = uniqueCallId('details-qos-one')
    const rtcpOnly = uniqueCallId('details-qos-rtcp')
    const at = start + 70_000_000
    await sendOverHep([
      ...buildCall(single).map((m) => encode(m, at)), encodeVqReport(single, at + 9_000_000),
      ...buildCall(rtcpOnly).map((m) => encode(m, at + 1_000_000)), encodeRtcpJson(rtcpOnly, at + 6_000_000),
    ])
    await waitForStored(single, 7)
    await waitForStored(rtcpOnly, 7)
    await eventually(async () => {
      const { qos } = await graphql('query ($c: [String!]!) { qos(callIds: $c) { callId } }', { c: [single, rtcpOnly] })
      return qos.length === 2
    }, 'both reports stored')

    await openLoggedIn(page, `/call?callId=${encodeURIComponent(single)}&tab=qos`)
    const mos = page.getByTestId('qos-chart').first()
    await mos.locator('canvas').first().waitFor()
    const callStart = at / 1e6
    const callEnd = (at + 9_815_642) / 1e6
    // The reports may arrive before the call's messages: the axis spans the samples until the call's span is known.
    await page.waitForFunction(([s, e]) => {
      const chart = document.querySelector('[data-testid="qos-chart"]')
      return Number(chart?.getAttribute('data-x-from')) <= s && Number(chart?.getAttribute('data-x-to')) >= e
    }, [callStart, callEnd]).catch(() => {})
    const from = Number(await mos.getAttribute('data-x-from'))
    const to = Number(await mos.getAttribute('data-x-to'))
    assert.ok(from <= callStart && to >= callEnd, `the axis covers the call (${from}..${to} vs ${callStart}..${callEnd})`)
    assert.ok(to - from < 15, `the axis is the call's ~10 s, not two minutes (${to - from} s)`)
    const report = page.getByTestId('qos-report')
    assert.equal(await report.count(), 1)
    const headers = await page.getByTestId('qos-reports').locator('th').allInnerTexts()
    for (const h of ['SSRC', 'Lost pkts', 'RTT ms']) assert.ok(headers.includes(h), `${h} in ${headers}`)
    const cells = await report.first().locator('td').allInnerTexts()
    assert.equal(cells[2], '0x11223344')
    assert.equal(cells[headers.indexOf('RTT ms')], '40')

    await page.getByTestId('tab-info').click()
    const media = page.getByTestId('media-summary')
    await media.waitFor()
    assert.equal(await media.getByTestId('media-codec').innerText(), 'PCMU/8000')
    assert.deepEqual(await media.getByTestId('media-rtp').allInnerTexts(), ['192.0.2.10:40000', '198.51.100.20:50000'])

    await openLoggedIn(page, `/call?callId=${encodeURIComponent(rtcpOnly)}&tab=qos`)
    await page.getByTestId('qos-report').first().waitFor()
    const empty = page.getByTestId('qos-chart').filter({ hasText: 'MOS' }).getByTestId('chart-empty')
    assert.equal(await empty.innerText(), 'No MOS in these reports.')
    const rtcpCells = await page.getByTestId('qos-report').first().locator('td').allInnerTexts()
    const rtcpHeaders = await page.getByTestId('qos-reports').locator('th').allInnerTexts()
    assert.equal(rtcpCells[rtcpHeaders.indexOf('SSRC')], '0xAABBCCDD')
    assert.equal(rtcpCells[rtcpHeaders.indexOf('Lost pkts')], '42')
  })
})
