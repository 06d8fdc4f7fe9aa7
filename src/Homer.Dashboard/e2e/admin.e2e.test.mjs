// Admin work in the dashboard against a REAL node: the alarm rules editor (create, edit, cancel with Esc, delete)
// and user management (create a user, who logs in in another browser; reset their password; disable them, after
// which they cannot log in). Every step waits on what the page shows, checked against the API as well.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { assertNodeReachable, graphql, hasField, HOMER_URL, launchBrowser, openLoggedIn, openPage, screenshot } from './lib.mjs'

describe('admin pages', () => {
  let page
  const pageErrors = []

  before(async () => {
    await assertNodeReachable()
    page = await openPage(pageErrors)
    await openLoggedIn(page, '/')
  })

  const ruleByName = async (name) => (await graphql('{ alarmRules { id name type enabled severity threshold windowSeconds scope parameters } }')).alarmRules.find((r) => r.name === name)

  test('an alarm rule is created, edited and deleted in the rules editor', { timeout: 60_000 }, async (t) => {
    if (!(await hasField('Query', 'alarmRules')) || !(await hasField('Mutation', 'createAlarmRule'))) {
      await page.goto(`${HOMER_URL}/alarms`)
      await page.getByTestId('unsupported-state').first().waitFor()
      t.skip('this node has no alarm rules API yet: the alarms page shows its unsupported state')
      return
    }
    const name = `e2e-rule-${randomUUID().slice(0, 8)}`
    await page.goto(`${HOMER_URL}/alarms`)
    await page.locator('[data-testid="alarm-rules"], [data-testid="rules-empty"]').first().waitFor()

    // Create.
    await page.getByTestId('rule-new').click()
    const form = page.getByTestId('rule-form')
    await form.getByTestId('rule-name').fill(name)
    await form.getByTestId('rule-type').selectOption('ERROR_RATE')
    await form.getByTestId('rule-severity').selectOption('WARNING')
    await form.getByTestId('rule-threshold').fill('25')
    await form.getByTestId('rule-window').fill('120')
    // Each rule type has its own fields with help text, no raw JSON; a wrong value is named under its own field,
    // before any request.
    assert.equal(await form.locator('textarea').count(), 0, 'no JSON box')
    assert.match(await form.getByTestId('rule-summary').innerText(), /Failed calls of the chosen status classes/)
    await form.getByTestId('rule-scope').fill('ip:203.0.113.0/33')
    await form.getByTestId('rule-param-classes').fill('5, 7')
    await form.getByTestId('rule-save').click()
    const errorUnder = async (field, error) => form.getByTestId(field).evaluate((input, id) => {
      const label = input.closest('label')
      return label.querySelector(`[data-testid="${id}"]`)?.textContent ?? null
    }, error)
    assert.equal(await errorUnder('rule-scope', 'rule-error-scope'), 'The prefix length must be 0–32.')
    assert.equal(await errorUnder('rule-param-classes', 'rule-error-param-classes'), '“7” is not a number from 4 to 6.')
    assert.equal(await form.getByTestId('rule-scope').getAttribute('aria-invalid'), 'true')
    await form.getByTestId('rule-scope').fill('ip:203.0.113.0/24')
    await form.getByTestId('rule-param-classes').fill('5, 6')
    assert.equal(await form.getByTestId('rule-error-scope').count(), 0, 'the error goes as the value is fixed')
    // In count mode the threshold is a count: its label and limits follow the mode.
    await form.getByTestId('rule-param-mode').selectOption('count')
    await form.getByTestId('rule-threshold').fill('250')
    assert.equal(await form.getByTestId('rule-error-threshold').count(), 0)
    await form.getByTestId('rule-param-mode').selectOption('ratio')
    assert.equal(await form.getByTestId('rule-error-threshold').innerText(), 'At most 100.')
    await form.getByTestId('rule-threshold').fill('25')
    await form.getByTestId('rule-save').click()
    await form.waitFor({ state: 'detached' })
    const row = page.locator(`[data-testid="alarm-rule-row"][data-rule-name="${name}"]`)
    await row.waitFor()
    const created = await row.textContent()
    assert.match(created, /ERROR_RATE/)
    assert.match(created, /WARNING/)
    assert.match(created, /120 s/)
    assert.match(created, /ip:203\.0\.113\.0\/24/)
    const stored = await ruleByName(name)
    assert.ok(stored, 'the rule exists on the server')
    assert.deepEqual(
      { type: stored.type, enabled: stored.enabled, severity: stored.severity, threshold: stored.threshold, windowSeconds: stored.windowSeconds, scope: stored.scope, parameters: JSON.parse(stored.parameters) },
      { type: 'ERROR_RATE', enabled: true, severity: 'WARNING', threshold: 25, windowSeconds: 120, scope: 'ip:203.0.113.0/24', parameters: { mode: 'ratio', classes: [5, 6] } },
    )

    // Edit: the form opens with the rule's values; Esc closes it without saving.
    await row.getByTestId('rule-edit').click()
    assert.equal(await form.getByTestId('rule-name').inputValue(), name)
    assert.equal(await form.getByTestId('rule-threshold').inputValue(), '25')
    await form.getByTestId('rule-threshold').fill('99')
    await form.getByTestId('rule-threshold').press('Escape')
    await form.waitFor({ state: 'detached' })
    assert.equal((await ruleByName(name)).threshold, 25, 'Esc saved nothing')

    await row.getByTestId('rule-edit').click()
    await form.getByTestId('rule-severity').selectOption('CRITICAL')
    await form.getByTestId('rule-threshold').fill('40')
    await form.getByTestId('rule-enabled').uncheck()
    await form.evaluate((f) => f.scrollIntoView({ block: 'end' }))
    await screenshot(page, 'alarm-rules')
    await form.getByTestId('rule-threshold').press('Enter')
    await form.waitFor({ state: 'detached' })
    await row.filter({ hasText: 'CRITICAL' }).waitFor()
    const edited = await ruleByName(name)
    assert.deepEqual({ severity: edited.severity, threshold: edited.threshold, enabled: edited.enabled, id: edited.id }, { severity: 'CRITICAL', threshold: 40, enabled: false, id: stored.id })

    // Delete, after the confirmation.
    page.once('dialog', (d) => void d.accept())
    await row.getByTestId('rule-delete').click()
    await row.waitFor({ state: 'detached' })
    assert.equal(await ruleByName(name), undefined, 'the rule is gone from the server')
  })

  test('a user is created, logs in, gets a new password, is disabled and then cannot log in', { timeout: 90_000 }, async (t) => {
    if (!(await page.evaluate(() => localStorage.getItem('homer.session')))) {
      t.skip('the node runs with authentication off: there are no users to manage')
      return
    }
    const username = `e2e-user-${randomUUID().slice(0, 8)}`
    const first = `first-${randomUUID()}`
    const second = `second-${randomUUID()}`
    await page.goto(`${HOMER_URL}/admin/users`)
    await page.getByTestId('users').waitFor()

    // Create.
    const create = page.getByTestId('create-user-form')
    await create.getByTestId('new-username').fill(username)
    await create.getByTestId('new-password').fill(first)
    await create.getByTestId('new-role').selectOption('USER')
    await create.getByTestId('create-user').click()
    const row = page.locator(`[data-testid="user-row"][data-username="${username}"]`)
    await row.waitFor()
    assert.equal((await row.getByTestId('user-status').textContent()).trim(), 'active')
    assert.match(await page.getByTestId('users-message').textContent(), new RegExp(`Created ${username}`))
    assert.equal(await create.getByTestId('new-username').inputValue(), '', 'the form is cleared for the next user')

    // The new user logs in, in a browser of their own.
    const theirs = await launchBrowser()
    try {
      const them = await theirs.newPage()
      const logIn = async (password) => {
        await them.goto(`${HOMER_URL}/login?redirect=${encodeURIComponent('/stats')}`)
        await them.getByTestId('login-username').fill(username)
        await them.getByTestId('login-password').fill(password)
        await them.getByTestId('login-password').press('Enter')
        // Either the page they asked for, or the login page's error.
        await them.locator('[data-testid="user-menu"], [data-testid="login-error"]').first().waitFor()
        return (await them.getByTestId('login-error').count()) ? (await them.getByTestId('login-error').textContent()).trim() : null
      }
      assert.equal(await logIn(first), null)
      assert.equal(new URL(them.url()).pathname, '/stats')

      // Reset the password: an inline form, Esc cancels, Enter sets it.
      await row.getByTestId('user-reset').click()
      const reset = page.getByTestId('reset-form')
      await reset.getByTestId('reset-password').press('Escape')
      await reset.waitFor({ state: 'detached' })
      await row.getByTestId('user-reset').click()
      await reset.getByTestId('reset-password').fill(second)
      await reset.getByTestId('reset-password').press('Enter')
      await reset.waitFor({ state: 'detached' })
      assert.match(await page.getByTestId('users-message').textContent(), new RegExp(`Password of ${username} reset`))
      // Their open session ended with the reset: the next request sends them to the login page.
      await them.goto(`${HOMER_URL}/stats`)
      await them.getByTestId('login-form').waitFor()
      assert.match(await logIn(first), /Wrong user name or password/)
      assert.equal(await logIn(second), null)

      // Disable: shown in the row, and the login is refused with the reason.
      await row.getByTestId('user-disable').click()
      await row.getByTestId('user-status').filter({ hasText: 'disabled' }).waitFor()
      assert.equal((await graphql('{ users { username disabled } }')).users.find((u) => u.username === username).disabled, true)
      await screenshot(page, 'users')
      await them.goto(`${HOMER_URL}/stats`)
      await them.getByTestId('login-form').waitFor()
      assert.match(await logIn(second), /disabled/i)
      assert.equal(new URL(them.url()).pathname, '/login')

      // Enabled again, the account works with its current password.
      await row.getByTestId('user-enable').click()
      await row.getByTestId('user-status').filter({ hasText: 'active' }).waitFor()
      assert.equal(await logIn(second), null)
    } finally {
      await theirs.close().catch(() => {})
    }
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page')
  })
})
