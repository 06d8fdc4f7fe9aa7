// Times as engineers read them, against a REAL node fed over HEP: one 24-hour format by default with the zone shown,
// the user's choice (12/24-hour, local/UTC) saved and applied to tables and charts alike, an absolute picker typed
// in 24-hour form (00:21 is not noon), presets beyond 7 days, and "Any time" on an empty call search listing calls.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { assertNodeReachable, buildCall, encode, openLoggedIn, openPage, sendOverHep, uniqueCallId, waitForStored } from './lib.mjs'

// Three days ago at 00:21:30 UTC: just past midnight, the hour a 12-hour picker showed as "12:21" with its AM/PM cut.
const at = Math.floor((Date.now() - 3 * 24 * 3_600_000) / 86_400_000) * 86_400_000 + 21 * 60_000 + 30_000
const day = new Date(at).toISOString().slice(0, 10)
const callId = uniqueCallId('time')

describe('time format', () => {
  let page

  before(async () => {
    await assertNodeReachable()
    const call = buildCall(callId)
    await sendOverHep(call.map((m) => encode(m, at * 1000)))
    await waitForStored(callId, call.length)
    page = await openPage()
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  test('an absolute range typed in 24-hour UTC finds the call, shown in the format chosen, which is kept', { timeout: 90_000 }, async () => {
    await openLoggedIn(page, '/')
    // 24-hour by default; the zone is on the picker.
    assert.equal(await page.getByTestId('time-format').inputValue(), '24h-local')
    await page.getByTestId('time-format').selectOption('24h-utc')
    assert.equal(await page.getByTestId('time-zone').innerText(), '(UTC)')

    const options = await page.getByTestId('range-select').locator('option').allInnerTexts()
    assert.ok(options.includes('Last 30 days') && options.includes('Last 90 days'), options.join(', '))
    await page.getByTestId('range-select').selectOption('abs')
    assert.equal(await page.getByTestId('range-from').getAttribute('type'), 'text')
    await page.getByTestId('range-from').fill(`${day} 00:21`)
    await page.getByTestId('range-to').fill(`${day} 00:23:00`)
    await page.getByTestId('callid-input').fill(callId)
    await page.getByTestId('search-button').click()
    await page.getByTestId('results-count').waitFor()
    const time = async () => (await page.getByTestId('result-row').first().locator('[role="gridcell"]').nth(1).innerText()).trim()
    assert.equal(await time(), `${day} 00:21:30.000`)

    // 12-hour: the same instant reads 12:21 AM, not noon; the choice survives a reload.
    await page.getByTestId('time-format').selectOption('12h-utc')
    assert.equal(await time(), `${day} 12:21:30.000 AM`)
    await page.reload()
    await page.getByTestId('results-count').waitFor()
    assert.equal(await page.getByTestId('time-format').inputValue(), '12h-utc')
    assert.equal(await time(), `${day} 12:21:30.000 AM`)
    // The picker stays 24-hour whatever the display format: what is typed is never ambiguous.
    assert.equal(await page.getByTestId('range-from').inputValue(), `${day} 00:21`)
  })

  test('chart times use the same format, and the stats page offers 30 and 90 days', { timeout: 60_000 }, async () => {
    await page.getByTestId('time-format').selectOption('24h-utc')
    await page.goto(`${new URL(page.url()).origin}/stats?range=abs&from=${encodeURIComponent(`${day} 00:00`)}&to=${encodeURIComponent(`${day} 01:00`)}`)
    await page.getByTestId('stats-form').waitFor()
    const options = await page.getByTestId('range-select').locator('option').allInnerTexts()
    assert.ok(options.includes('Last 30 days') && options.includes('Last 90 days'), options.join(', '))
    const chart = page.locator('[data-testid="stats-chart"][data-x-from]').filter({ hasText: 'Requests by method' })
    await chart.waitFor()
    const over = chart.locator('.u-over')
    const box = await over.boundingBox()
    await page.mouse.move(box.x + box.width * 0.36, box.y + box.height / 2)
    const legendTime = (await chart.locator('.u-legend .u-series').first().locator('.u-value').innerText()).trim()
    assert.match(legendTime, new RegExp(`^${day} 00:\\d{2}:\\d{2}$`))
    await page.getByTestId('time-format').selectOption('12h-utc')
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2)
    await page.mouse.move(box.x + box.width * 0.36, box.y + box.height / 2)
    const legend12 = (await chart.locator('.u-legend .u-series').first().locator('.u-value').innerText()).trim()
    assert.match(legend12, new RegExp(`^${day} 12:\\d{2}:\\d{2} AM$`))
  })

  test('"Any time" on an empty call search lists the newest calls, paged, without an error', { timeout: 60_000 }, async () => {
    await page.goto(`${new URL(page.url()).origin}/`)
    await page.getByTestId('mode-calls').check({ force: true })
    await page.getByTestId('range-select').selectOption('')
    await page.getByTestId('search-button').click()
    await page.getByTestId('results-count').waitFor()
    assert.match((await page.getByTestId('results-count').innerText()).trim(), /^\d+ of \d+ calls$/)
    assert.equal(await page.locator('.form-error, [data-testid="error-state"]').count(), 0)
    assert.ok((await page.getByTestId('result-row').count()) > 0)
  })
})
