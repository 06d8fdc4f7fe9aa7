// The live SIP tail under load, against a REAL node: the test feeds the node about 2 000 SIP messages a second over
// HEP/UDP for a few seconds while the page tails them with a rate limit far below that. The page must stay current
// (its newest row is among the last messages sent), say that the server skipped (amber dot, "N skipped") and answer
// a click meanwhile. It is a correctness test: the bounds are generous and nothing is timed to the millisecond.
//
// LIVE_BENCH=1 turns it into the measurement docs/benchmarks.md quotes ("Dashboard live view"): latency from send to
// row (p50/p95), frames a second and main-thread busy time, printed as a JSON line. LIVE_BENCH_RATE sets the rate the
// page asks for (default 500), LIVE_BENCH_SECONDS the length of the run (default 20).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { ALICE, assertNodeReachable, BOB, encode, openLoggedIn, openPage, screenshot, sendOverHep } from './lib.mjs'

const BENCH = process.env.LIVE_BENCH === '1'
const SEND_PER_SECOND = Number(process.env.LIVE_BENCH_SEND ?? 2_000)
const SECONDS = BENCH ? Number(process.env.LIVE_BENCH_SECONDS ?? 20) : 4
const PAGE_RATE = BENCH ? Number(process.env.LIVE_BENCH_RATE ?? 500) : 100
const TICK_MS = 50

/** An OPTIONS ping from a user only this run sends as, numbered in its Call-ID. */
function ping(run, user, seq) {
  const callId = `load-${run}-${seq}`
  const text = [
    'OPTIONS sip:bob@example.com SIP/2.0',
    `Via: SIP/2.0/UDP ${ALICE.ip}:${ALICE.port};branch=z9hG4bK-${run}-${seq}`,
    'Max-Forwards: 70',
    `From: <sip:${user}@example.com>;tag=${seq}`,
    'To: <sip:bob@example.com>',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
  return encode({ text, src: ALICE, dst: BOB, offset: 0 }, Date.now() * 1000)
}

/** The sequence number in the Call-ID of the newest row the page shows, or -1. */
async function newestShown(page, run) {
  const text = await page.evaluate(() => document.querySelector('[data-testid="live-tail"] [data-index="0"] [data-testid="tail-call-id"]')?.textContent ?? '')
  const m = new RegExp(`^load-${run}-(\\d+)$`).exec(text.trim())
  return m ? Number(m[1]) : -1
}

function percentile(sorted, p) {
  if (!sorted.length) return null
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

describe('the live tail under load', () => {
  test(`stays current at ${SEND_PER_SECOND} messages/s with a rate limit of ${PAGE_RATE}/s, says what it skipped and answers clicks`, { timeout: 180_000 }, async () => {
    await assertNodeReachable()
    const pageErrors = []
    const page = await openPage(pageErrors)

    const run = randomUUID().slice(0, 8)
    const user = `load${run}`
    await openLoggedIn(page, `/live?view=tail&rate=${PAGE_RATE}`)
    await page.getByPlaceholder('user', { exact: true }).fill(user)
    await page.getByPlaceholder('user', { exact: true }).press('Enter')
    await page.locator('[data-testid="live-status"].live').waitFor({ timeout: 20_000 })

    // Live means from the moment the server holds the subscription: ping until the first one shows.
    let seq = 0
    for (let attempt = 0; ; attempt++) {
      await sendOverHep([ping(run, user, seq++)])
      try {
        await page.getByTestId('live-tail').getByTestId('result-row').first().waitFor({ timeout: 2_000 })
        break
      } catch (e) {
        if (attempt >= 9) throw e
      }
    }
    const firstLoadSeq = seq

    // What the page sees, recorded in the page: each change of the newest row with the time it showed, frames,
    // and long tasks. The clocks are the same machine's (Date.now on both sides).
    await page.evaluate(() => {
      const w = /** @type {any} */ (window)
      w.__bench = { shown: [], frames: 0, longTasks: 0, longTaskMs: 0, running: true }
      const seen = new Set()
      const look = () => {
        const id = document.querySelector('[data-testid="live-tail"] [data-index="0"] [data-testid="tail-call-id"]')?.textContent
        if (id && !seen.has(id)) {
          seen.add(id)
          w.__bench.shown.push([id, Date.now()])
        }
      }
      new MutationObserver(look).observe(document.querySelector('[data-testid="live-tail"]'), { subtree: true, childList: true, characterData: true })
      const frame = () => {
        if (!w.__bench.running) return
        w.__bench.frames++
        requestAnimationFrame(frame)
      }
      requestAnimationFrame(frame)
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            w.__bench.longTasks++
            w.__bench.longTaskMs += e.duration
          }
        }).observe({ type: 'longtask' })
      } catch {
        // longtask is Chromium's; the CDP metrics below cover the main thread anyway
      }
    })
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0
    const taskBefore = await metric('TaskDuration')

    // The load: SEND_PER_SECOND messages a second in ticks of TICK_MS, paced by the wall clock. Meanwhile the page
    // must answer a click on a row (its detail opens) while the rows keep coming.
    const sentAt = new Map()
    const perTick = Math.round((SEND_PER_SECOND * TICK_MS) / 1_000)
    const started = Date.now()
    const ticks = Math.round((SECONDS * 1_000) / TICK_MS)
    let clicked = null
    for (let tick = 0; tick < ticks; tick++) {
      const batch = []
      const now = Date.now()
      for (let i = 0; i < perTick; i++) {
        sentAt.set(seq, now)
        batch.push(ping(run, user, seq++))
      }
      await sendOverHep(batch)
      if (tick === Math.floor(ticks / 2) && !clicked) {
        clicked = (async () => {
          const t0 = Date.now()
          await page.getByTestId('live-tail').locator('[data-index="1"]').click({ timeout: 10_000 })
          await page.getByTestId('tail-detail').waitFor({ timeout: 10_000 })
          return Date.now() - t0
        })()
      }
      const wait = started + (tick + 1) * TICK_MS - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
    const sendSeconds = (Date.now() - started) / 1_000
    const lastSent = seq - 1
    const clickMs = await clicked

    // Current: soon after the load stops, the newest row is one of the last messages sent (the rate limit lets one
    // through every SEND_PER_SECOND / PAGE_RATE messages; 200 is a tenth of a second of load).
    let newest = -1
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      newest = await newestShown(page, run)
      if (newest >= lastSent - 200) break
      await new Promise((r) => setTimeout(r, 100))
    }
    assert.ok(newest >= lastSent - 200, `newest row shown is message ${newest}, the last sent ${lastSent}`)

    // The server skipped to keep to the rate, and the page says so: amber dot, "N skipped".
    await page.locator('[data-testid="live-status"].skipping').waitFor({ timeout: 5_000 })
    const skipped = Number(await page.getByTestId('live-status').getAttribute('data-skipped'))
    assert.ok(skipped > 0, 'the page counted what the server skipped')
    assert.ok(skipped < seq, `skipped ${skipped} of ${seq} sent`)
    assert.match((await page.getByTestId('live-skipped').textContent()) ?? '', /^[\d,]+ skipped$/)
    // The rows shown are bounded by the rate, not by what was sent.
    const rowCount = Number(/(\d+) rows/.exec((await page.getByTestId('live-tail').getByTestId('table-count').textContent()) ?? '')?.[1])
    assert.ok(rowCount <= 2_000 && rowCount < seq, `${rowCount} rows kept of ${seq} sent`)
    assert.ok(typeof clickMs === 'number', 'a click on a row was answered during the load')
    if (!BENCH) await screenshot(page, 'live-tail-skipping')

    if (BENCH) {
      const taskSeconds = (await metric('TaskDuration')) - taskBefore
      const bench = await page.evaluate(() => {
        const w = /** @type {any} */ (window)
        w.__bench.running = false
        return w.__bench
      })
      const elapsed = (Date.now() - started) / 1_000
      const latencies = bench.shown
        .map(([id, at]) => {
          const m = new RegExp(`^load-${run}-(\\d+)$`).exec(id.trim())
          return m && sentAt.has(Number(m[1])) ? at - sentAt.get(Number(m[1])) : null
        })
        .filter((x) => x !== null)
        .sort((a, b) => a - b)
      console.log(JSON.stringify({
        liveBench: true,
        sendPerSecond: Math.round((seq - firstLoadSeq) / sendSeconds),
        pageRate: PAGE_RATE,
        seconds: Number(sendSeconds.toFixed(1)),
        rowsMeasured: latencies.length,
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? null },
        framesPerSecond: Number((bench.frames / elapsed).toFixed(1)),
        mainThreadBusyPct: Number(((100 * taskSeconds) / elapsed).toFixed(1)),
        longTasks: bench.longTasks,
        longTaskMs: Math.round(bench.longTaskMs),
        clickAnsweredMs: clickMs,
        skipped,
      }))
    }
    assert.deepEqual(pageErrors, [])
    await page.close()
  })
})
