// Custom dashboards against a REAL node: create one with two widgets, save it through the API's dashboard
// mutations, reload, and find it (and its widgets) again. Skipped, saying why, on a node without `dashboards`.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { ADMIN_PASSWORD, assertNodeReachable, graphql, hasField, HOMER_URL, launchBrowser, openLoggedIn, openPage, screenshot } from './lib.mjs'

describe('custom dashboards', () => {
  test('a dashboard with two widgets is saved and found again after a reload', { timeout: 90_000 }, async (t) => {
    await assertNodeReachable()
    const pageErrors = []
    const page = await openPage(pageErrors)

    if (!(await hasField('Query', 'dashboards'))) {
      // The page must still say so clearly rather than show nothing.
      await openLoggedIn(page, '/dashboards')
      await page.getByTestId('unsupported-state').waitFor()
      t.skip('this node has no dashboards API yet (contract field Query.dashboards): the page shows its unsupported state')
      return
    }

    const title = `E2E board ${randomUUID().slice(0, 6)}`
    await openLoggedIn(page, '/dashboards')
    await page.getByTestId('dashboard-title').fill(title)
    await page.getByTestId('layout-4-8').check({ force: true })
    await page.getByTestId('dashboard-promoted').check()
    await page.getByTestId('dashboard-shared').check()
    await page.getByTestId('dashboard-create-submit').click()
    await page.waitForURL((u) => /^\/dashboards\/[^/]+$/.test(u.pathname))
    const url = new URL(page.url())

    // Widget 1: a markdown note in column 1, with its own text.
    await page.getByTestId('widget-type').selectOption('markdown')
    await page.getByTestId('widget-add').click()
    await page.getByTestId('markdown-input').fill('## Runbook\n\n- **Trunk A** is `10.0.0.1`')
    await page.getByTestId('widget-config-save').click()
    // Widget 2: a clock, moved to column 2 by dragging it onto that column.
    await page.getByTestId('widget-type').selectOption('clock')
    await page.getByTestId('widget-add').click()
    await page.getByTestId('widget-config-save').click()
    const clock = page.locator('[data-testid="widget"][data-widget-type="clock"]')
    await clock.locator('.widget-head').dragTo(page.getByTestId('dashboard-column-1').locator('.drop-end'))
    await page.getByTestId('dashboard-column-1').locator('[data-widget-type="clock"]').waitFor()
    await screenshot(page, 'dashboard-edit')
    await page.getByTestId('dashboard-save').click()
    await page.getByTestId('dashboard-edit').waitFor()

    await page.goto(`${HOMER_URL}/dashboards`)
    await page.reload()
    await page.getByTestId('dashboard-link').filter({ hasText: title }).click()
    await page.waitForURL((u) => u.pathname === url.pathname)
    await page.getByTestId('dashboard-heading').filter({ hasText: title }).waitFor()
    assert.equal(await page.getByTestId('widget').count(), 2)
    const col0 = await page.getByTestId('dashboard-column-0').getByTestId('widget').getAttribute('data-widget-type')
    const col1 = await page.getByTestId('dashboard-column-1').getByTestId('widget').getAttribute('data-widget-type')
    assert.deepEqual([col0, col1], ['markdown', 'clock'])
    assert.match(await page.getByTestId('widget-markdown').innerHTML(), /<strong>Trunk A<\/strong> is <code>10\.0\.0\.1<\/code>/)
    assert.match(await page.getByTestId('widget-clock').textContent(), /\d{2}:\d{2}:\d{2}/)
    // Promoted: it is in the top menu.
    await page.getByTestId('promoted-dashboard').filter({ hasText: title }).waitFor()
    await screenshot(page, 'dashboard')
    assert.deepEqual(pageErrors, [])

    // Shared: another user sees it (read-only) in their list; skipped when the node runs without logins.
    if (!ADMIN_PASSWORD) return
    const viewer = `viewer${randomUUID().slice(0, 6)}`
    const viewerPassword = `pw-${randomUUID()}`
    await graphql('mutation ($u: String!, $p: String!) { createUser(username: $u, password: $p, role: VIEWER) { id } }', { u: viewer, p: viewerPassword })
    const other = await launchBrowser()
    try {
      const p2 = await other.newPage()
      await p2.goto(`${HOMER_URL}/dashboards`)
      await p2.getByTestId('login-username').fill(viewer)
      await p2.getByTestId('login-password').fill(viewerPassword)
      await p2.getByTestId('login-password').press('Enter')
      await p2.getByTestId('dashboard-link').filter({ hasText: title }).click()
      await p2.getByTestId('dashboard-heading').filter({ hasText: title }).waitFor()
      assert.equal(await p2.getByTestId('widget').count(), 2)
      assert.equal(await p2.getByTestId('dashboard-edit').count(), 0, 'no Edit for a user who does not own it')
    } finally {
      await other.close()
    }
  })
})
