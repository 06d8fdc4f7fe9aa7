// The other main views against a REAL node: an IP alias named in the admin page titles the ladder's column, the
// dark theme, calls mode, stats, alarms and users render data or say clearly that the node lacks the feature.
// Screenshots of each go to docs/screenshots/.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { before, describe, test } from 'node:test'
import {
  ADMIN_PASSWORD, ADMIN_USER, assertNodeReachable, buildCall, encode, encodeVqReport, eventually, graphql, hasField, HOMER_URL, launchBrowser, openLoggedIn, openPage, screenshot, sendOverHep, uniqueCallId, waitForStored,
} from './lib.mjs'

describe('main views', () => {
  let page
  const pageErrors = []

  before(async () => {
    await assertNodeReachable()
    page = await openPage(pageErrors)
    await openLoggedIn(page, '/')
  })

  test('an IP alias added in the admin page titles its host column in the ladder', { timeout: 60_000 }, async (t) => {
    if (!(await hasField('Query', 'aliases')) || !(await hasField('Query', 'callFlow'))) {
      await page.goto(`${HOMER_URL}/admin/aliases`)
      await page.getByTestId('unsupported-state').waitFor()
      t.skip('this node has no aliases/callFlow API yet: the aliases page shows its unsupported state')
      return
    }
    const name = `pbx-${randomUUID().slice(0, 6)}`
    const ip = `203.0.113.${10 + Math.floor(Math.random() * 200)}`
    await page.goto(`${HOMER_URL}/admin/aliases`)
    await page.getByPlaceholder('10.0.0.1').fill(ip)
    await page.getByPlaceholder('sbc-1').fill(name)
    await page.getByPlaceholder('sbc-1').press('Enter')
    await page.getByTestId('aliases').getByText(name).waitFor()

    const callId = uniqueCallId('alias')
    const call = buildCall(callId).map((m) => ({
      ...m,
      src: m.src.ip === '192.0.2.10' ? { ...m.src, ip } : m.src,
      dst: m.dst.ip === '192.0.2.10' ? { ...m.dst, ip } : m.dst,
    }))
    // The B2BUA at 198.51.100.20 places a second leg to a carrier, tied to the first by X-CID.
    const legId = uniqueCallId('alias-leg')
    const sbc = { ip: '198.51.100.20', port: 5080 }
    const carrier = { ip: '203.0.113.250', port: 5060 }
    const leg = buildCall(legId).map((m) => ({
      ...m,
      offset: m.offset + 40_000,
      src: m.src.ip === '192.0.2.10' ? sbc : carrier,
      dst: m.dst.ip === '192.0.2.10' ? sbc : carrier,
      text: m.text.replace(/^(Call-ID: .*)$/m, `$1\r\nX-CID: ${callId}`),
    }))
    const start = Date.now() * 1000 - 20_000_000
    await sendOverHep([...call, ...leg].map((m) => encode(m, start)))
    await waitForStored(callId, call.length)
    await waitForStored(legId, leg.length)
    // The dialogs correlate the leg (X-CID) asynchronously: open the page once the API draws both.
    await eventually(
      async () => (await graphql('query ($ids: [String!]!) { callFlow(callIds: $ids, includeLegs: true) { events { messageId } } }', { ids: [callId] }))
        .callFlow.events.length === call.length + leg.length,
      'the B2BUA leg correlated with the call',
    )
    await page.goto(`${HOMER_URL}/call?callId=${encodeURIComponent(callId)}`)
    await page.getByTestId('ladder-arrow').nth(call.length + leg.length - 1).waitFor()
    const hosts = await page.getByTestId('ladder-host').allTextContents()
    assert.match(hosts[0], new RegExp(`${name}.*${ip.replace(/\./g, '\\.')}:5060`))
    // With the leg: three hosts (caller, B2BUA, carrier), both legs' arrows, one colour per leg.
    assert.equal(await page.getByTestId('ladder-arrow').count(), call.length + leg.length, 'the correlated leg is drawn')
    const colours = await page.getByTestId('ladder-arrow').evaluateAll((els) => new Set(els.map((e) => e.querySelector('path').getAttribute('stroke'))).size)
    assert.equal(colours, 2)
    assert.ok((await page.getByTestId('ladder-host').count()) >= 3)

    // The same view in the dark theme.
    while ((await page.evaluate(() => document.documentElement.dataset.theme)) !== 'dark') await page.getByTestId('theme-toggle').click()
    await screenshot(page, 'call-flow-dark')
    while ((await page.evaluate(() => localStorage.getItem('homer.theme'))) !== null) await page.getByTestId('theme-toggle').click()
  })

  test('a call with an RTCP-XR report shows QoS charts and a QoS marker in its ladder', { timeout: 60_000 }, async (t) => {
    if (!(await hasField('Query', 'qos'))) {
      t.skip('this node has no qos API yet')
      return
    }
    const callId = uniqueCallId('qos')
    const call = buildCall(callId)
    const start = Date.now() * 1000 - 20_000_000
    await sendOverHep(call.map((m) => encode(m, start)))
    await waitForStored(callId, call.length)
    await sendOverHep([encodeVqReport(callId, start + 9_900_000, { mosLq: 3.1, loss: 2.5 })])
    // The report is correlated asynchronously: open the tab once the API has attached it.
    await eventually(
      async () => (await graphql('query ($ids: [String!]!) { qos(callIds: $ids) { points { mos } } }', { ids: [callId] })).qos.some((q) => q.points.length > 0),
      'the RTCP-XR report attached to the call',
    )
    await page.goto(`${HOMER_URL}/call?callId=${encodeURIComponent(callId)}&tab=qos`)
    const charts = page.getByTestId('qos-chart')
    await charts.nth(3).waitFor()
    assert.equal(await charts.count(), 4, 'MOS, loss, jitter and delay charts')
    assert.match(await page.locator('.qos-tab').textContent(), /3\.1/)
    await screenshot(page, 'qos')
    await page.getByTestId('tab-flow').click()
    await page.getByTestId('ladder-arrow').first().waitFor()
    const markers = await page.getByTestId('ladder-marker').allTextContents()
    assert.ok(markers.some((m) => /QOS/.test(m)), `a QoS marker in the ladder (${markers.join(' | ')})`)
  })

  test('ticking rows of two calls opens them together, one leg colour each', { timeout: 60_000 }, async () => {
    const tag = randomUUID().slice(0, 8)
    const ids = [`e2e-multi-${tag}-a@homer.test`, `e2e-multi-${tag}-b@homer.test`]
    const start = Date.now() * 1000 - 20_000_000
    for (const [i, id] of ids.entries()) {
      const call = buildCall(id, { from: `multi${tag}` })
      await sendOverHep(call.map((m) => encode(m, start + i * 500_000)))
      await waitForStored(id, call.length)
    }
    await page.goto(`${HOMER_URL}/?fromUser=multi${tag}`)
    await page.getByTestId('results-count').waitFor()
    assert.equal(await page.getByTestId('result-row').count(), 14)
    const rowOf = (id) => page.getByTestId('result-row').filter({ hasText: id }).first()
    await rowOf(ids[0]).getByTestId('row-check').check()
    await rowOf(ids[1]).getByTestId('row-check').check()
    await page.getByTestId('open-selected').click()
    await page.waitForURL((u) => u.pathname === '/call')
    assert.deepEqual(new URL(page.url()).searchParams.getAll('callId').sort(), [...ids].sort())
    await page.getByTestId('ladder-arrow').first().waitFor()
    assert.equal(await page.getByTestId('ladder-arrow').count(), 14)
    const colours = await page.getByTestId('ladder-arrow').evaluateAll((els) => [...new Set(els.map((e) => e.querySelector('path').getAttribute('stroke')))])
    assert.equal(colours.length, 2, 'one colour per call')

    // Both sessions travel in the links of the Export tab: the view link and the signed read-only link.
    await page.getByTestId('tab-export').click()
    const viewUrl = new URL(await page.getByTestId('view-url').inputValue())
    assert.deepEqual([viewUrl.pathname, ...viewUrl.searchParams.getAll('callId').sort()], ['/call', ...[...ids].sort()])
    await page.getByTestId('share-create').click()
    const shareUrl = await page.getByTestId('share-url').inputValue()
    assert.match(new URL(shareUrl).pathname, /^\/shared\//)

    // A browser that never logged in: the shared page draws both sessions; "Open with my account" goes through the
    // login and lands on the call view with both sessions again.
    const fresh = await launchBrowser()
    try {
      const other = await fresh.newPage()
      await other.goto(shareUrl)
      await other.getByTestId('ladder-arrow').first().waitFor()
      assert.equal(await other.getByTestId('ladder-arrow').count(), 14)
      assert.equal(await other.getByTestId('shared-title').textContent(), ids.join(' + '))
      assert.equal(await other.getByTestId('user-menu').count(), 0, 'no session in this browser')
      await other.getByTestId('ladder-arrow').first().click()
      await other.getByTestId('message-popup').getByTestId('sip-text').waitFor()
      assert.match(await other.getByTestId('message-popup').getByTestId('sip-text').textContent(), /^INVITE sip:/)
      await other.keyboard.press('Escape')
      await other.getByTestId('message-popup').waitFor({ state: 'detached' })
      await screenshot(other, 'shared')
      if (ADMIN_PASSWORD) {
        await other.getByTestId('shared-open-full').click()
        await other.getByTestId('login-form').waitFor()
        await other.getByTestId('login-username').fill(ADMIN_USER)
        await other.getByTestId('login-password').fill(ADMIN_PASSWORD)
        await other.getByTestId('login-password').press('Enter')
        await other.waitForURL((u) => u.pathname === '/call')
        assert.deepEqual(new URL(other.url()).searchParams.getAll('callId').sort(), [...ids].sort())
        await other.getByTestId('ladder-arrow').nth(13).waitFor()
        assert.equal(await other.getByTestId('ladder-arrow').count(), 14)
      }
    } finally {
      await fresh.close().catch(() => {})
    }
  })

  test('calls mode lists dialogs with their state, or says the node lacks it', { timeout: 30_000 }, async () => {
    await page.goto(`${HOMER_URL}/?mode=calls&range=1h`)
    await page.locator('[data-testid="calls-table"], [data-testid="unsupported-state"], [data-testid="empty-state"]').first().waitFor()
    if (await page.getByTestId('calls-table').isVisible()) {
      assert.ok((await page.getByTestId('result-row').count()) > 0)
      assert.match(await page.getByTestId('calls-table').textContent(), /COMPLETED|ANSWERED|FAILED/)
    }
    await screenshot(page, 'calls')
  })

  test('a scanner raises an alarm that is acknowledged from the alarms page', { timeout: 60_000 }, async (t) => {
    if (!(await hasField('Query', 'alarms')) || !(await hasField('Mutation', 'acknowledgeAlarm'))) {
      await page.goto(`${HOMER_URL}/alarms`)
      await page.getByTestId('unsupported-state').first().waitFor()
      t.skip('this node has no alarms API yet: the alarms page shows its unsupported state')
      return
    }
    const rules = await graphql('{ alarmRules { type enabled } }')
    if (!rules.alarmRules.some((r) => r.type === 'SCANNER' && r.enabled)) {
      t.skip('the node has no enabled SCANNER rule to trigger')
      return
    }
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`
    const callId = uniqueCallId('scan')
    const invite = buildCall(callId)[0]
    const scan = { ...invite, src: { ip, port: 5060 }, text: invite.text.replace('User-Agent: homer-dashboard-e2e', 'User-Agent: friendly-scanner') }
    await page.goto(`${HOMER_URL}/alarms`)
    await page.locator('[data-testid="alarm-list"], [data-testid="alarms-empty"]').first().waitFor()
    await sendOverHep([encode(scan, Date.now() * 1000)])
    const row = page.getByTestId('alarm-row').filter({ hasText: ip })
    // Pushed by the alarms subscription; refreshed by hand as well in case the page subscribed late.
    for (let i = 0; ; i++) {
      try {
        await row.first().waitFor({ timeout: 1000 })
        break
      } catch (e) {
        if (i >= 20) throw e
        await page.getByRole('button', { name: 'Refresh' }).click()
      }
    }
    assert.match(await row.first().textContent(), /SCANNER/)
    await screenshot(page, 'alarms')
    await row.first().getByTestId('alarm-ack').click()
    await row.first().waitFor({ state: 'detached' })
    await page.getByTestId('alarm-state').selectOption('ACKNOWLEDGED')
    await page.getByTestId('alarm-row').filter({ hasText: ip }).first().waitFor()
    assert.match(await page.getByTestId('alarm-row').filter({ hasText: ip }).first().textContent(), new RegExp(`ACKNOWLEDGED by ${ADMIN_USER}`))
  })

  test('stats, alarms and users pages render', { timeout: 45_000 }, async () => {
    await page.goto(`${HOMER_URL}/stats`)
    await page.locator('[data-testid="stats-kpis"], [data-testid="unsupported-state"]').first().waitFor()
    if (await page.getByTestId('stats-kpis').isVisible()) assert.ok((await page.getByTestId('stats-chart').count()) >= 4)
    await screenshot(page, 'stats')
    // An absolute range with the same picker as the search page: the zone is shown, the range goes into the URL.
    if (await page.getByTestId('stats-kpis').isVisible()) {
      const local = (ms) => {
        const d = new Date(ms)
        const p = (n) => String(n).padStart(2, '0')
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
      }
      assert.match(await page.getByTestId('time-zone').textContent(), /\(.+\)/)
      await page.getByTestId('range-select').selectOption('abs')
      await page.getByTestId('range-from').fill(local(Date.now() - 3 * 3_600_000))
      await page.getByTestId('range-to').fill(local(Date.now() - 3_600_000))
      await page.getByTestId('stats-refresh').click()
      await page.waitForURL((u) => u.searchParams.get('range') === 'abs' && !!u.searchParams.get('from'))
      await page.getByTestId('stats-kpis').waitFor()
      // The other way round is refused in the page, not sent.
      await page.getByTestId('range-from').fill(local(Date.now() - 3_600_000))
      await page.getByTestId('range-to').fill(local(Date.now() - 3 * 3_600_000))
      await page.getByTestId('range-to').press('Enter')
      await page.getByTestId('stats-form-error').filter({ hasText: 'before its end' }).waitFor()
    }

    await page.goto(`${HOMER_URL}/alarms`)
    await page.locator('[data-testid="alarm-list"], [data-testid="alarms-empty"], [data-testid="unsupported-state"]').first().waitFor()

    await page.goto(`${HOMER_URL}/admin/users`)
    await page.getByTestId('users').getByText(ADMIN_USER, { exact: true }).waitFor()
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page')
  })

  test('an API token created on the tokens page works against the API until it is revoked there', { timeout: 45_000 }, async (t) => {
    if (!(await page.evaluate(() => localStorage.getItem('homer.session')))) {
      t.skip('the node runs with authentication off: there are no tokens')
      return
    }
    const name = `e2e-${randomUUID().slice(0, 6)}`
    await page.goto(`${HOMER_URL}/admin/tokens`)
    await page.getByPlaceholder('grafana').fill(name)
    await page.getByRole('button', { name: 'Create token' }).click()
    const secret = await page.getByTestId('token-secret').locator('input').inputValue()
    const me = async () => {
      const r = await fetch(`${HOMER_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: '{ me { username tokenKind } }' }),
      })
      return { status: r.status, body: await r.json() }
    }
    const before = await me()
    assert.equal(before.status, 200)
    assert.deepEqual(before.body.data.me, { username: ADMIN_USER, tokenKind: 'api-token' })

    page.once('dialog', (d) => void d.accept())
    const row = page.locator('tr').filter({ hasText: name })
    await row.getByRole('button', { name: 'Revoke' }).click()
    await row.getByText(/^revoked/).waitFor()
    assert.equal((await me()).status, 401)
  })

  test('a session ended on the server sends the user to the login page, keeping the route; logout works', { timeout: 45_000 }, async (t) => {
    const saved = await page.evaluate(() => localStorage.getItem('homer.session'))
    if (!saved) {
      t.skip('the node runs with authentication off: there is no session to end')
      return
    }
    const { token } = JSON.parse(saved)
    await page.goto(`${HOMER_URL}/?callId=anything%40x`)
    await page.getByTestId('user-menu').waitFor()
    // End the session behind the page's back, as an admin disabling the user or the token expiring would.
    const response = await fetch(`${HOMER_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    })
    assert.equal((await response.json()).data.logout, true)
    await page.getByTestId('search-button').click()
    await page.waitForURL((u) => u.pathname === '/login')
    assert.equal(new URL(page.url()).searchParams.get('redirect'), '/?callId=anything%40x')
    assert.match(await page.getByTestId('login-notice').textContent(), /session ended/)
    await page.getByTestId('login-username').fill(ADMIN_USER)
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('callId') === 'anything@x')

    await page.getByTestId('user-menu').click()
    await page.getByTestId('logout').click()
    await page.waitForURL((u) => u.pathname === '/login')
    assert.equal(await page.evaluate(() => localStorage.getItem('homer.session')), null)
    await page.goto(`${HOMER_URL}/stats`)
    await page.getByTestId('login-form').waitFor()
    assert.equal(new URL(page.url()).searchParams.get('redirect'), '/stats')
  })
})
