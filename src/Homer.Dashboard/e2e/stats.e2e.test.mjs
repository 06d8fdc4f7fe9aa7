// The Stats page against a REAL node fed over HEP with calls captured ten days ago (a replayed capture): the node's
// storage maintenance (HOMER_MAINTENANCE_SECONDS, short in ./test.sh) has deleted their minute buckets, as it does
// for anything older than 7 days. The page must still show them, from the finest buckets kept, with an axis over the
// whole range asked, gaps where there is no data, and KPIs that read as the calls do.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { assertNodeReachable, buildCall, encode, eventually, graphql, openLoggedIn, openPage, sendOverHep, uniqueCallId } from './lib.mjs'

const CALLS = 12
const MINUTE = 60_000
// Ten days ago at hh:21, in UTC: older than the minute buckets' 7 days, well within the five minutes' 35.
const start = Math.floor((Date.now() - 10 * 24 * 3_600_000) / 3_600_000) * 3_600_000 + 21 * MINUTE
const iso = (ms) => new Date(ms).toISOString()

/** A LAN call as in a replayed capture: 180 after 1-3 ms (PDD), 200 after ~5 ms, BYE 650 ms later (ACD 0.65 s). */
function lanCall(callId, i) {
  const offsets = { INVITE: 0, 100: 500, 180: 1_000 + (i % 3) * 1_000, ACK: 6_000 }
  let seen200 = false
  return buildCall(callId).map((m) => {
    if (m.label === '200') {
      const offset = seen200 ? 660_000 : 5_000
      seen200 = true
      return { ...m, offset }
    }
    if (m.label === 'BYE') return { ...m, offset: 655_000 }
    return { ...m, offset: offsets[m.label] ?? m.offset }
  })
}

async function stats(from, to, extra = '') {
  const data = await graphql(`query ($from: DateTime!, $to: DateTime!) { stats(from: $from, to: $to${extra}) { bucket points { bucket } totals { callAttempts } } }`, { from, to })
  return data.stats
}

describe('stats over older captures', () => {
  // Calls of an earlier run against the same node, in the same range (none on a fresh node).
  let earlier = 0

  before(async () => {
    await assertNodeReachable()
    earlier = (await stats(iso(start - MINUTE), iso(start + 2 * MINUTE), ', bucket: HOUR')).totals.callAttempts
    const packets = []
    for (let i = 0; i < CALLS; i++) {
      const at = (start + i * 5_000) * 1000
      for (const m of lanCall(uniqueCallId(`stats-${i}`), i)) packets.push(encode(m, at))
    }
    await sendOverHep(packets)
    const from = iso(start - MINUTE)
    const to = iso(start + 2 * MINUTE)
    // Counted (calls count once they end), and the minute buckets gone (maintenance ran after the counting).
    await eventually(async () => {
      const five = await stats(from, to, ', bucket: FIVE_MINUTES')
      const minutes = await stats(from, to, ', bucket: MINUTE')
      return five.totals.callAttempts === earlier + CALLS && minutes.points.length === 0
    }, 'the calls counted and their minute buckets deleted by maintenance', 90_000)
  })

  test('the API answers a range whose minutes have expired from the finest buckets kept, and says which', async () => {
    const s = await stats(iso(start), iso(start + 2 * MINUTE))
    assert.equal(s.bucket, 'FIVE_MINUTES')
    assert.equal(s.totals.callAttempts, earlier + CALLS)
  })

  test('a 2-minute and a 2-day range both show the calls, with an axis over the range and gaps as gaps', { timeout: 90_000 }, async () => {
    const page = await openPage()
    await page.setViewportSize({ width: 1440, height: 900 })
    const pageErrors = []
    page.on('pageerror', (e) => pageErrors.push(e.message))

    // Two minutes.
    const q = (from, to) => `/stats?range=abs&from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}`
    await openLoggedIn(page, q(start, start + 2 * MINUTE))
    const kpis = page.getByTestId('stats-kpis')
    await kpis.waitFor()
    assert.equal(await kpis.locator('[data-kpi="Call attempts"] b').innerText(), String(earlier + CALLS))
    assert.match(await page.getByTestId('stats-bucket').innerText(), /5 minutes.*no longer kept/)
    const calls = page.locator('[data-testid="stats-chart"]').filter({ hasText: 'Call outcomes' })
    await calls.locator('canvas').first().waitFor()
    assert.equal(await calls.getByTestId('chart-empty').count(), 0)
    // The five-minute bucket holding the calls starts before the range: it is drawn, not cut off.
    const [from2, to2, values2] = await page.locator('[data-testid="stats-chart"][data-x-from]').filter({ hasText: 'Call outcomes' })
      .evaluate((e) => ['xFrom', 'xTo', 'values'].map((k) => Number(e.dataset[k])))
    assert.ok(from2 <= Math.floor(start / 300_000) * 300 && to2 === (start + 2 * MINUTE) / 1000 && values2 === 6, `${from2} ${to2} ${values2}`)

    // KPIs read as the calls do: PDD of 1-3 ms (not 25 ms), ACD of 0.65 s (not "0 s"), nothing overflowing its card.
    const p50 = await kpis.locator('[data-kpi="PDD p50"] b').innerText()
    const p95 = await kpis.locator('[data-kpi="PDD p95"] b').innerText()
    assert.match(p50, /^\d\.\d ms$/)
    assert.match(p95, /^\d\.\d ms$/)
    assert.ok(parseFloat(p50) >= 1 && parseFloat(p50) <= 3.5 && parseFloat(p95) <= 5, `PDD p50/p95 of calls at 1-3 ms: ${p50} / ${p95}`)
    assert.match(await kpis.locator('[data-kpi="ACD"] b').innerText(), /^6[45]\d ms$/)
    const overflowing = await kpis.locator('b').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent))
    assert.deepEqual(overflowing, [])

    // Two days around them: the calls are in one hour bucket of 48; the axis spans the two days, not two minutes.
    const dayFrom = start - 24 * 3_600_000
    const dayTo = start + 24 * 3_600_000
    await page.goto(page.url().replace(/\/stats.*$/, q(dayFrom, dayTo)))
    await page.getByTestId('stats-kpis').waitFor()
    await page.waitForFunction(() => document.querySelector('[data-testid="stats-chart"][data-slots="48"], [data-testid="stats-chart"][data-slots="49"]'))
    const chart = page.locator('[data-testid="stats-chart"][data-x-from]').filter({ hasText: 'Call outcomes' })
    await chart.waitFor()
    const [xFrom, xTo, slots, values] = await chart.evaluate((e) => ['xFrom', 'xTo', 'slots', 'values'].map((k) => Number(e.dataset[k])))
    // From the start of the hour the range starts in, to its end.
    assert.equal(xFrom, Math.floor(dayFrom / 3_600_000) * 3600)
    assert.equal(xTo, dayTo / 1000)
    assert.ok(slots >= 48, `one slot per hour of the range, was ${slots}`)
    // Six series (attempts, answered, 4xx, 5xx, 6xx, cancelled) with a value only in the hour that has data.
    assert.equal(values, 6)
    assert.equal((await page.getByTestId('stats-bucket').innerText()).trim(), 'By 1 hour')
    assert.deepEqual(pageErrors, [])
  })
})
