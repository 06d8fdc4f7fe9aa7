// Browser test against a REAL node: a call with an X-Trunk and a P-Asserted-Identity header is sent over HEP/UDP
// after an admin declared a header field; in headless Chromium the search form gets a header condition ("+ Header
// condition") and a declared field ("+ Form field"), shows a chosen header as a results column, and finds the call.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import {
  assertNodeReachable, buildCall, encode, graphql, hasField, openLoggedIn, openPage, sendOverHep, uniqueCallId, waitForStored,
} from './lib.mjs'

describe('search on any SIP header and declared header fields in the dashboard', () => {
  let page
  let supported = true
  const pageErrors = []
  const id = randomUUID().slice(0, 8)
  const fieldName = `e2e_pai_${id}`
  const callId = uniqueCallId('hdr')
  const call = buildCall(callId, { from: `hdr${id}`, to: 'bob' })
  // The INVITE carries the headers searched for; the other messages do not.
  call[0] = {
    ...call[0],
    text: call[0].text.replace('Max-Forwards: 70\r\n', `Max-Forwards: 70\r\nP-Asserted-Identity: <sip:+4930${id}@example.com>\r\nX-Trunk: trunk-${id}\r\n`),
  }

  before(async () => {
    await assertNodeReachable()
    supported = await hasField('Query', 'headerFields')
    if (!supported) return
    await graphql('mutation ($n: String!) { setHeaderField(input: { name: $n, header: "P-Asserted-Identity", part: "user" }) { name } }', { n: fieldName })
    const startMicros = Date.now() * 1000 - 60_000_000
    await sendOverHep(call.map((m) => encode(m, startMicros)))
    await waitForStored(callId, call.length)
    page = await openPage(pageErrors)
  })

  after(async () => {
    if (supported) await graphql('mutation ($n: String!) { deleteHeaderField(name: $n) }', { n: fieldName }).catch(() => {})
  })

  test('a header condition added in the form finds the call, and a chosen header is a column', { timeout: 60_000 }, async (t) => {
    if (!supported) return t.skip('this node has no header search (headerFields)')
    await openLoggedIn(page, '/?range=1h')
    await page.getByTestId('more-fields').click()
    await page.getByTestId('add-header').click()
    await page.getByTestId('header-name').fill('x-trunk')
    await page.getByTestId('header-value').fill(`trunk-${id.slice(0, 4)}*`)
    await page.getByTestId('add-header').click()
    await page.getByTestId('header-name').nth(1).fill('f')
    await page.getByTestId('header-value').nth(1).fill(`"hdr${id}" <sip:*`)
    await page.getByTestId('column-input').fill('P-Asserted-Identity')
    await page.getByTestId('search-button').click()

    await page.getByTestId('results-count').waitFor()
    assert.equal(await page.getByTestId('results-count').textContent(), '1 message')
    const url = new URL(page.url())
    assert.equal(url.searchParams.get('headers'), `x-trunk: trunk-${id.slice(0, 4)}*\nf: "hdr${id}" <sip:*`, 'the conditions are in the URL')
    const header = await page.getByRole('columnheader', { name: 'P-Asserted-Identity' }).count()
    assert.equal(header, 1, 'the chosen header is a column')
    const cells = (await page.getByTestId('result-row').first().locator('[role="gridcell"]').allTextContents()).map((c) => c.trim())
    assert.ok(cells.includes(`<sip:+4930${id}@example.com>`), `the PAI value is shown: ${cells.join(' | ')}`)
    assert.equal((await page.getByTestId('message-label').allTextContents()).map((l) => l.trim()).join(), 'INVITE')

    // A reload repeats the search from the URL, conditions and column included.
    await page.reload()
    await page.getByTestId('results-count').waitFor()
    assert.equal(await page.getByTestId('results-count').textContent(), '1 message')
    assert.equal(await page.getByTestId('header-condition').count(), 2)
  })

  test('a declared field is added to the form from the list the server gives and searched', { timeout: 60_000 }, async (t) => {
    if (!supported) return t.skip('this node has no header search (headerFields)')
    await page.goto(`${page.url().split('?')[0]}?range=1h`)
    await page.getByTestId('more-fields').click()
    await page.getByTestId('field-select').selectOption(fieldName)
    await page.getByTestId('field-value').fill(`+4930${id}`)
    await page.getByTestId('search-button').click()
    await page.getByTestId('results-count').waitFor()
    assert.equal(await page.getByTestId('results-count').textContent(), '1 message')
    assert.equal(new URL(page.url()).searchParams.get('fields'), `${fieldName}: +4930${id}`)
    assert.deepEqual(pageErrors, [])
  })
})
