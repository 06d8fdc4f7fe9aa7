// 10 000 results in the real table: the node stores 10 000 messages sent over HEP, the page fetches them in
// keyset pages, and the virtual table keeps the DOM small and scrolling quick. Prints the figures it measures.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { assertNodeReachable, encode, graphql, HOMER_URL, openLoggedIn, openPage, sendOverHep } from './lib.mjs'

const COUNT = 10_000

function options(i, user, tag) {
  const callId = `bulk-${tag}-${i}@homer.test`
  const text = [
    `OPTIONS sip:probe@example.com SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bK${tag}${i}`,
    `From: <sip:${user}@example.com>;tag=${i}`,
    'To: <sip:probe@example.com>',
    `Call-ID: ${callId}`,
    `CSeq: ${i + 1} OPTIONS`,
    'User-Agent: homer-dashboard-e2e-bulk',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
  return { offset: i * 1000, src: { ip: '192.0.2.30', port: 5060 }, dst: { ip: '192.0.2.31', port: 5060 }, text }
}

describe('large results', () => {
  test(`${COUNT} rows load in pages and scroll without rendering them all`, { timeout: 180_000 }, async () => {
    await assertNodeReachable()
    const tag = randomUUID().slice(0, 6)
    const user = `bulk${tag}`
    const start = Date.now() * 1000 - 60_000_000
    const packets = Array.from({ length: COUNT }, (_, i) => encode(options(i, user, tag), start))
    // Paced so the kernel's UDP buffer never overflows on a small machine.
    for (let i = 0; i < packets.length; i += 250) {
      await sendOverHep(packets.slice(i, i + 250))
      await new Promise((r) => setTimeout(r, 15))
    }
    const deadline = Date.now() + 60_000
    let stored = 0
    while (Date.now() < deadline) {
      stored = (await graphql('query ($f: MessageFilter!) { messages(filter: $f, first: 0) { totalCount } }', { f: { fromUser: user } })).messages.totalCount
      if (stored >= COUNT) break
      await new Promise((r) => setTimeout(r, 500))
    }
    assert.equal(stored, COUNT, 'every message stored')

    const page = await openPage()
    await openLoggedIn(page, '/')
    const t0 = Date.now()
    await page.goto(`${HOMER_URL}/?fromUser=${user}&limit=${COUNT}`)
    await page.getByTestId('results-count').waitFor({ timeout: 60_000 })
    const loadMs = Date.now() - t0
    assert.equal(await page.getByTestId('results-count').textContent(), `${COUNT} messages`)
    const domRows = await page.getByTestId('result-row').count()
    assert.ok(domRows < 100, `only the visible rows are in the DOM (${domRows})`)

    // Scroll through the whole result a screen at a time. Per step: the page's own work (scroll handler, Vue
    // update, layout) and the wall time until the next frame, which also holds whatever else the machine runs.
    const steps = await page.evaluate(async () => {
      const el = document.querySelector('[role="grid"]')
      const work = []
      const frames = []
      for (let top = 0; top < el.scrollHeight; top += el.clientHeight) {
        const t = performance.now()
        el.scrollTop = top
        el.dispatchEvent(new Event('scroll'))
        await new Promise((r) => setTimeout(r, 0))
        el.querySelector('[data-testid="result-row"]').getBoundingClientRect()
        work.push(performance.now() - t)
        await new Promise((r) => requestAnimationFrame(r))
        frames.push(performance.now() - t)
      }
      return { work, frames }
    })
    const lastRow = await page.getByTestId('result-row').last().getAttribute('data-index')
    assert.equal(Number(lastRow), COUNT - 1, 'the last row is reachable')
    const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(a.length * p)]
    const [w50, w95, f50, f95] = [pct(steps.work, 0.5), pct(steps.work, 0.95), pct(steps.frames, 0.5), pct(steps.frames, 0.95)]

    const tSort = Date.now()
    await page.getByTestId('sort-callId').click()
    await page.getByTestId('result-row').first().waitFor()
    const sortMs = Date.now() - tSort
    const tFilter = Date.now()
    await page.getByTestId('table-filter').fill(`bulk-${tag}-9999@`)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="result-row"]').length === 1)
    const filterMs = Date.now() - tFilter

    console.log(`# large result: ${COUNT} rows loaded in ${loadMs} ms, ${domRows} rows in the DOM; per screen scrolled ` +
      `(${steps.work.length} screens): update p50 ${w50.toFixed(1)} ms p95 ${w95.toFixed(1)} ms, to next frame p50 ${f50.toFixed(1)} ms ` +
      `p95 ${f95.toFixed(1)} ms; sort ${sortMs} ms; filter ${filterMs} ms`)
    // The cost of a scroll step does not grow with the result (only visible rows render); generous bounds because
    // the test shares a small machine with the node and the browser.
    assert.ok(w50 < 100, `a scroll step costs little (median ${w50.toFixed(1)} ms)`)
  })
})
