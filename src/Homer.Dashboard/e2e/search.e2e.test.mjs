// Browser test against a REAL node: sends calls over HEP/UDP, waits until the API has stored them, then logs in
// with headless Chromium, searches by Call-ID and by from-user, opens the call, reads its ladder, opens a message
// and downloads the PCAP. Nothing on this path is mocked. See lib.mjs for the environment variables.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { before, describe, test } from 'node:test'
import {
  ALICE, assertNodeReachable, BOB, buildCall, encode, HOMER_URL, openLoggedIn, openPage, screenshot, sendOverHep, uniqueCallId, waitForStored,
} from './lib.mjs'

describe('SIP search and call details in the dashboard', () => {
  let page
  const pageErrors = []
  const caller = `alice${randomUUID().slice(0, 6)}`
  const callId = uniqueCallId('search')
  const call = buildCall(callId, { from: caller, to: 'bob' })

  before(async () => {
    await assertNodeReachable()
    const startMicros = Date.now() * 1000 - 30_000_000 + 123
    // Sent out of order on purpose: the table must order by capture time, not by arrival.
    const sendOrder = [0, 2, 1, 3, 4, 6, 5]
    await sendOverHep(sendOrder.map((i) => encode(call[i], startMicros)))
    const stored = await waitForStored(callId, call.length)
    for (const node of stored.nodes) {
      assert.equal(node.callId, callId)
      assert.equal(node.captureId, 2001)
    }
    page = await openPage(pageErrors)
  })

  test('logging in lands on the route asked for, and the Call-ID search shows the call in time order', { timeout: 60_000 }, async () => {
    await openLoggedIn(page, `/?callId=${encodeURIComponent(callId)}`, () => screenshot(page, 'login'))
    assert.equal(new URL(page.url()).searchParams.get('callId'), callId, 'back on the searched route after login')

    const rows = page.getByTestId('result-row')
    await page.getByTestId('results-count').waitFor()
    assert.equal(await page.getByTestId('results-count').textContent(), `${call.length} messages`)
    assert.equal(await rows.count(), call.length)
    const labels = await page.getByTestId('message-label').allTextContents()
    assert.deepEqual(labels.map((l) => l.trim()), call.map((m) => m.label))

    const cells = (await rows.first().locator('[role="gridcell"]').allTextContents()).map((c) => c.trim())
    // Checkbox, time, method, reason, R-URI user, from, to, Call-ID, user agent, source, destination, proto, node.
    assert.match(cells[1], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/, 'time with milliseconds')
    assert.equal(cells[2], 'INVITE')
    assert.equal(cells[5], caller)
    assert.equal(cells[6], 'bob')
    assert.equal(cells[7], callId)
    assert.equal(cells[8], 'homer-dashboard-e2e')
    assert.equal(cells[9], `${ALICE.ip}:${ALICE.port}`)
    assert.equal(cells[10], `${BOB.ip}:${BOB.port}`)
    assert.match(await page.getByTestId('time-zone').textContent(), /\(.+\)/, 'the time zone is shown')

    // The raw message opens under the table; the INVITE carries the SDP offer. Esc closes it.
    // On the time cell: a click on the Call-ID opens the call instead.
    await rows.first().locator('[role="gridcell"]').nth(1).click()
    const payload = page.getByTestId('payload').locator('pre')
    assert.match(await payload.textContent(), /^INVITE sip:bob@example\.com SIP\/2\.0$/m)
    assert.match(await payload.textContent(), /^m=audio 40000 RTP\/AVP/m)
    await screenshot(page, 'search')
    await page.keyboard.press('Escape')
    await page.getByTestId('payload').waitFor({ state: 'detached' })

    // A reload repeats the search from the URL, and the session survives it.
    await page.reload()
    await page.getByTestId('results-count').waitFor()
    assert.equal(await rows.count(), call.length)
  })

  test('searching by from-user with a quick range finds the same call', { timeout: 30_000 }, async () => {
    await page.goto(`${HOMER_URL}/`)
    await page.getByTestId('fromuser-input').fill(caller)
    await page.getByTestId('range-select').selectOption('1h')
    await page.getByTestId('fromuser-input').press('Enter')
    await page.getByTestId('results-count').waitFor()
    const url = new URL(page.url())
    assert.equal(url.searchParams.get('fromUser'), caller)
    assert.equal(url.searchParams.get('range'), '1h')
    assert.equal(await page.getByTestId('result-row').count(), call.length)
    const callIds = await page.getByTestId('call-link').allTextContents()
    assert.deepEqual([...new Set(callIds)], [callId])
  })

  test('the call opens with a ladder of the right arrows in order, and an arrow opens its message', { timeout: 30_000 }, async () => {
    await page.getByTestId('call-link').first().click()
    await page.waitForURL((u) => u.pathname === '/call')
    assert.deepEqual(new URL(page.url()).searchParams.getAll('callId'), [callId])
    const arrows = page.getByTestId('ladder-arrow')
    await arrows.first().waitFor()
    assert.equal(await arrows.count(), call.length)
    const labels = await arrows.evaluateAll((els) => els.map((e) => e.getAttribute('data-label')))
    labels.forEach((label, i) => assert.match(label, call[i].ladder, `arrow ${i + 1} is ${label}`))
    assert.equal(await page.getByTestId('ladder-host').count(), 2)
    const hosts = await page.getByTestId('ladder-host').allTextContents()
    assert.match(hosts[0], /192\.0\.2\.10/)
    assert.match(hosts[1], /198\.51\.100\.20/)

    // Directions: requests from the caller's column to the callee's, responses back.
    const xs = await arrows.evaluateAll((els) => els.map((e) => {
      const d = e.querySelector('path').getAttribute('d').match(/M ([\d.]+) [\d.]+ L ([\d.]+)/)
      return Number(d[1]) < Number(d[2]) ? 'right' : 'left'
    }))
    assert.deepEqual(xs, ['right', 'left', 'left', 'left', 'right', 'right', 'left'])

    await arrows.nth(3).click()
    const popup = page.getByTestId('message-popup')
    await popup.waitFor()
    assert.match(await popup.getByTestId('sip-text').textContent(), /^SIP\/2\.0 200 OK$/m)
    assert.match(await popup.getByTestId('sip-text').textContent(), /^m=audio 50000 RTP\/AVP/m)
    await screenshot(page, 'call-flow')
    await page.keyboard.press('Escape')
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()])
    const pngBytes = await readFile(await png.path())
    assert.equal(pngBytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'the ladder exports as a PNG')
    assert.ok(pngBytes.readUInt32BE(16) >= 400, 'PNG wide enough for the diagram (2x scale)')
    await popup.waitFor({ state: 'detached' })

    await page.getByTestId('tab-messages').click()
    await page.getByTestId('message-item').first().waitFor()
    assert.equal(await page.getByTestId('message-item').count(), call.length)
    await page.getByTestId('compare-pick').nth(2).check()
    await page.getByTestId('diff').waitFor()
    assert.match(await page.getByTestId('diff').textContent(), /SIP\/2\.0 180 Ringing/)
    await screenshot(page, 'messages')
  })

  test('Export downloads a valid PCAP of the call', { timeout: 30_000 }, async () => {
    await page.getByTestId('tab-export').click()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-pcap').click()])
    const file = await download.path()
    const bytes = await readFile(file)
    assert.ok(bytes.length > 24, 'more than a global header')
    const magic = bytes.readUInt32LE(0)
    assert.ok(magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1, `pcap magic, got 0x${magic.toString(16)}`)
    // Records: 16-byte header each; count them and check the first one holds the INVITE.
    const little = magic === 0xa1b2c3d4
    let offset = 24
    let records = 0
    let first = null
    while (offset + 16 <= bytes.length) {
      const len = little ? bytes.readUInt32LE(offset + 8) : bytes.readUInt32BE(offset + 8)
      if (!first) first = bytes.subarray(offset + 16, offset + 16 + len).toString('latin1')
      offset += 16 + len
      records++
    }
    assert.equal(offset, bytes.length, 'records fill the file exactly')
    assert.equal(records, call.length)
    assert.match(first, /INVITE sip:bob@example\.com SIP\/2\.0/)
    assert.match(download.suggestedFilename(), /\.pcap$/)

    // The text export and a share link that works without a login (the page itself: views.e2e.test.mjs).
    const [text] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-text').click()])
    const lines = (await readFile(await text.path(), 'utf8')).split('\n')
    assert.match(lines[0], /^U \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} 192\.0\.2\.10:5060 -> 198\.51\.100\.20:5062$/)
    await page.getByTestId('share-create').click()
    const shareUrl = new URL(await page.getByTestId('share-url').inputValue())
    assert.match(shareUrl.pathname, /^\/shared\/sh\./, 'the link opens the read-only page of the dashboard')
    // The same token read by a tool, without any session.
    const shared = await (await fetch(`${HOMER_URL}/api/share/${shareUrl.pathname.slice('/shared/'.length)}`)).json()
    assert.equal(shared.callId, callId)
    assert.deepEqual(shared.callIds, [callId])
    assert.equal(shared.messages.length, call.length)
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page')
  })

  test('CSeq, reason and transaction type are searched on the server', { timeout: 30_000 }, async () => {
    const search = async (fields) => {
      await page.goto(`${HOMER_URL}/?${new URLSearchParams({ fromUser: caller, range: '1h', ...fields })}`)
      await page.locator('[data-testid="results-count"], [data-testid="empty-state"]').first().waitFor()
      if (await page.getByTestId('empty-state').count()) return []
      return page.getByTestId('message-label').allTextContents()
    }
    assert.deepEqual(await search({ cseq: '2 BYE' }), ['BYE', '200'])
    // The count is the server's: nothing was fetched and then hidden.
    assert.equal((await page.getByTestId('results-count').textContent()).trim(), '2 messages')
    assert.deepEqual(await search({ cseq: '1' }), ['INVITE', '100', '180', '200', 'ACK'])
    assert.deepEqual(await search({ reason: 'ring' }), ['180'])
    assert.deepEqual(await search({ kind: 'call', cseq: 'ack' }), ['ACK'])
    assert.deepEqual(await search({ kind: 'registration' }), [])

    // Typed into the form: Enter searches, the fields are kept in the URL.
    await page.goto(`${HOMER_URL}/`)
    await page.getByTestId('fromuser-input').fill(caller)
    await page.getByTestId('more-fields').click()
    await page.getByTestId('reason-input').fill('OK')
    await page.getByTestId('kind-select').selectOption('call')
    await page.getByTestId('reason-input').press('Enter')
    await page.waitForURL((u) => u.searchParams.get('reason') === 'OK' && u.searchParams.get('kind') === 'call')
    await page.getByTestId('results-count').waitFor()
    assert.deepEqual(await page.getByTestId('message-label').allTextContents(), ['200', '200'])
    // Nonsense is refused next to the form, before any request.
    await page.getByTestId('cseq-input').fill('INVITE 1')
    await page.getByTestId('cseq-input').press('Enter')
    await page.getByRole('alert').filter({ hasText: 'CSeq must be' }).waitFor()
  })
})
