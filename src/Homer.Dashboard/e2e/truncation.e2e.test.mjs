// Details engineers read, against a REAL node fed over HEP: the destination port in the Messages tab (what tells
// hosts on one address apart), full values on hover in search results, sort arrows not clipped in narrow headers,
// and the Export tab's wording.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { assertNodeReachable, buildCall, encode, openLoggedIn, openPage, sendOverHep, uniqueCallId, waitForStored } from './lib.mjs'

// Long addresses and ports: what used to be cut to "198.51.100.254:…".
const CALLER = { ip: '203.0.113.254', port: 65001 }
const CALLEE = { ip: '198.51.100.254', port: 65002 }
const callId = uniqueCallId('truncation')

describe('nothing engineers read is cut off', () => {
  let page
  let call

  before(async () => {
    await assertNodeReachable()
    call = buildCall(callId).map((m) => (m.src.ip === '192.0.2.10' ? { ...m, src: CALLER, dst: CALLEE } : { ...m, src: CALLEE, dst: CALLER }))
    await sendOverHep(call.map((m) => encode(m, Date.now() * 1000 - 60_000_000)))
    await waitForStored(callId, call.length)
    page = await openPage()
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  test('search results: full values on hover, and the sort arrow of a narrow column shows', { timeout: 60_000 }, async () => {
    await openLoggedIn(page, `/?callId=${encodeURIComponent(callId)}`)
    await page.getByTestId('results-count').waitFor()
    const ringing = page.getByTestId('result-row').nth(2)
    const cells = ringing.locator('[role="gridcell"]')
    // Checkbox, time, method, reason, R-URI user, from, to, Call-ID, user agent, source, destination, ...
    assert.equal(await cells.nth(3).getAttribute('title'), 'Ringing')
    assert.equal(await cells.nth(8).getAttribute('title'), 'homer-dashboard-e2e')
    assert.equal(await cells.nth(10).getAttribute('title'), `${CALLER.ip}:${CALLER.port}`)

    for (const key of ['proto', 'reason', 'node']) {
      await page.getByTestId(`sort-${key}`).click()
      const header = await page.getByTestId(`sort-${key}`).boundingBox()
      const arrow = await page.getByTestId(`sort-${key}`).getByTestId('sort-arrow').boundingBox()
      assert.ok(arrow && arrow.width > 0, `${key}: sort arrow drawn`)
      assert.ok(arrow.x >= header.x && arrow.x + arrow.width <= header.x + header.width + 0.5, `${key}: arrow inside its header (${JSON.stringify({ arrow, header })})`)
    }
  })

  test('the Messages tab shows each destination with its port, and Export says "this call"', { timeout: 60_000 }, async () => {
    await page.goto(`${new URL(page.url()).origin}/call?callId=${encodeURIComponent(callId)}`)
    await page.getByTestId('tab-messages').click()
    await page.getByTestId('message-item').first().waitFor()
    const destinations = page.getByTestId('message-destination')
    assert.equal(await destinations.count(), call.length)
    const shown = await destinations.evaluateAll((els) => els.map((e) => ({ text: e.textContent.trim(), cut: e.scrollWidth > e.clientWidth })))
    assert.deepEqual(shown, call.map((m) => ({ text: `${m.dst.ip}:${m.dst.port}`, cut: false })))

    await page.getByTestId('tab-export').click()
    const text = await page.locator('section').filter({ has: page.getByRole('heading', { name: 'Link to this view' }) }).last().innerText()
    assert.match(text, /Opens this call for anyone/)
    assert.doesNotMatch(text, /these call\b/)
  })
})
