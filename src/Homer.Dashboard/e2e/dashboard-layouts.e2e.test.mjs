// Multi-row dashboard layouts against a REAL node: a dashboard made with the HOMER 5 seed's 12/6-6/12 structure gets
// a widget in three of its cells, is saved, reloaded and drawn as three rows; a fourth row (4-4-4) is added with the
// row editor and saved with the dashboard. Skipped, saying why, on a node without `dashboards`.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { assertNodeReachable, graphql, hasField, openLoggedIn, openPage } from './lib.mjs'

describe('multi-row dashboard layouts', () => {
  test('a 12/6-6/12 dashboard keeps its widgets in their rows, and a row added in the editor is saved', { timeout: 90_000 }, async (t) => {
    await assertNodeReachable()
    if (!(await hasField('Query', 'dashboards'))) return t.skip('this node has no dashboards API')
    const pageErrors = []
    const page = await openPage(pageErrors)

    const title = `Rows ${randomUUID().slice(0, 6)}`
    await openLoggedIn(page, '/dashboards')
    await page.getByTestId('dashboard-title').fill(title)
    await page.getByTestId('layout-12/6-6/12').check({ force: true })
    await page.getByTestId('dashboard-create-submit').click()
    await page.waitForURL((u) => /^\/dashboards\/[^/]+$/.test(u.pathname))
    const id = new URL(page.url()).pathname.split('/').pop()

    // A note in the top row, a clock in the second row's right column, another note in the bottom row.
    const add = async (type, cell) => {
      await page.getByTestId('widget-type').selectOption(type)
      await page.getByTestId('widget-column').selectOption(String(cell))
      await page.getByTestId('widget-add').click()
      await page.getByTestId('widget-config-save').click()
    }
    await page.getByTestId('widget-column').waitFor()
    assert.deepEqual(await page.getByTestId('widget-column').locator('option').allTextContents(),
      ['row 1, column 1', 'row 2, column 1', 'row 2, column 2', 'row 3, column 1'])
    await add('markdown', 0)
    await add('clock', 2)
    await add('markdown', 3)
    await page.getByTestId('dashboard-save').click()
    await page.getByTestId('dashboard-edit').waitFor()

    await page.reload()
    await page.getByTestId('dashboard-heading').filter({ hasText: title }).waitFor()
    const cell = (i) => page.getByTestId(`dashboard-column-${i}`)
    assert.equal(await cell(0).getAttribute('data-row'), '0')
    assert.equal(await cell(2).getAttribute('data-row'), '1')
    assert.equal(await cell(3).getAttribute('data-row'), '2')
    assert.equal(await cell(2).getByTestId('widget').getAttribute('data-widget-type'), 'clock')
    assert.equal(await cell(3).getByTestId('widget').getAttribute('data-widget-type'), 'markdown')
    // Drawn as rows: the full-width cells are twice as wide as the halves, and each row is below the one before.
    const [top, left, right, bottom] = await Promise.all([0, 1, 2, 3].map((i) => cell(i).boundingBox()))
    assert.ok(Math.abs(top.width - bottom.width) < 2, 'the top and bottom rows have the same width')
    assert.ok(Math.abs(top.width - (left.width + right.width)) < 40, `two halves make a row: ${top.width} vs ${left.width} + ${right.width}`)
    assert.ok(Math.abs(left.y - right.y) < 2 && left.y > top.y && bottom.y > left.y, 'three rows, top to bottom')

    // The row editor: add a fourth row and make it 4-4-4; the layout is saved with the dashboard.
    await page.getByTestId('dashboard-edit').click()
    await page.getByTestId('layout-row-add').click()
    await page.getByTestId('layout-row-3').selectOption('4-4-4')
    await page.getByTestId('dashboard-save').click()
    await page.getByTestId('dashboard-edit').waitFor()
    const saved = await graphql('query ($id: ID!) { dashboard(id: $id) { layout widgets } }', { id })
    assert.equal(saved.dashboard.layout, '12/6-6/12/4-4-4')
    assert.deepEqual(JSON.parse(saved.dashboard.widgets).map((w) => [w.type, w.column]), [['markdown', 0], ['clock', 2], ['markdown', 3]])
    assert.equal(await page.getByTestId('dashboard-column-6').getAttribute('data-row'), '3')
    assert.deepEqual(pageErrors, [])
    await graphql('mutation ($id: ID!) { deleteDashboard(id: $id) }', { id })
  })
})
