// Live calls against a REAL node: the page subscribes (graphql-ws over the node's WebSocket), the test sends a
// call over HEP in two halves, and the row must appear while the call is up and show it ended after the BYE.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { assertNodeReachable, buildCall, encode, openLoggedIn, openPage, screenshot, sendOverHep, uniqueCallId } from './lib.mjs'

describe('live calls in the dashboard', () => {
  test('a call appears as it starts and shows as ended after its BYE', { timeout: 90_000 }, async () => {
    await assertNodeReachable()
    const pageErrors = []
    const page = await openPage(pageErrors)
    await openLoggedIn(page, '/live')
    await page.locator('[data-testid="live-status"].live, [data-testid="live-error"]').first().waitFor({ timeout: 20_000 })
    assert.equal(await page.getByTestId('live-error').count(), 0, 'no live error')

    // Live means from the moment the server has the subscription, a little after the page shows live: send
    // fresh calls until one shows up (normally the first).
    let callId
    let call
    let start
    let row
    for (let attempt = 0; ; attempt++) {
      callId = uniqueCallId('live')
      call = buildCall(callId, { from: `live${randomUUID().slice(0, 6)}`, to: 'bob' })
      // Capture times "now", so the dialog is live, not history.
      start = Date.now() * 1000
      await sendOverHep(call.slice(0, 5).map((m) => encode(m, start)))
      row = page.locator(`[data-testid="live-call"][data-call-id="${callId}"]`)
      try {
        await row.waitFor({ timeout: 4_000 })
        break
      } catch (e) {
        if (attempt >= 4) throw e
      }
    }
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid="live-call"][data-call-id="${id}"]`)?.getAttribute('data-state') === 'ANSWERED',
      callId,
      { timeout: 20_000 },
    )
    await screenshot(page, 'live')

    await sendOverHep(call.slice(5).map((m) => encode(m, start)))
    await page.waitForFunction(
      (id) => ['COMPLETED'].includes(document.querySelector(`[data-testid="live-call"][data-call-id="${id}"]`)?.getAttribute('data-state') ?? ''),
      callId,
      { timeout: 20_000 },
    )
    assert.ok(await row.evaluate((el) => el.classList.contains('ended')), 'the row is marked ended')

    // The live SIP tail shows messages as they arrive, newest first.
    await page.getByTestId('live-tail-tab').click()
    await page.waitForURL((u) => u.searchParams.get('view') === 'tail')
    await page.locator('[data-testid="live-status"].live').waitFor({ timeout: 20_000 })
    // The subscription reaches the server a moment after the page says live: a call sent before that is not
    // delivered (live means from now on), so send fresh ones until one arrives.
    let tailRows
    for (let attempt = 0; ; attempt++) {
      const tailCallId = uniqueCallId('tail')
      await sendOverHep(buildCall(tailCallId).slice(0, 2).map((m) => encode(m, Date.now() * 1000)))
      tailRows = page.getByTestId('live-tail').getByTestId('result-row').filter({ hasText: tailCallId })
      try {
        await tailRows.nth(1).waitFor({ timeout: 2_000 })
        break
      } catch (e) {
        if (attempt >= 9) throw e
      }
    }
    assert.deepEqual((await tailRows.getByTestId('tail-badge').allTextContents()).map((t) => t.trim()), ['100', 'INVITE'])
    await tailRows.last().click()
    await page.getByTestId('tail-detail').getByText(/^INVITE sip:bob@example\.com SIP\/2\.0/m).waitFor()
    await screenshot(page, 'live-tail')
    assert.deepEqual(pageErrors, [])
    await page.close()
  })
})
