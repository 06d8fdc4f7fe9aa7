// Browser test against a REAL node: the Export… button of the SIP search downloads the whole result as CSV, and the
// Import page uploads a pcap (written here: Ethernet/IPv4/UDP frames of a SIP call) whose messages then turn up in
// the search with the chosen capture id. Nothing on this path is mocked. See lib.mjs for the environment variables.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  assertNodeReachable, buildCall, encode, eventually, graphql, openLoggedIn, openPage, sendOverHep, uniqueCallId, waitForStored,
} from './lib.mjs'

/** A classic pcap (µs) of the messages as Ethernet/IPv4/UDP frames; checksums left 0, which capture files allow. */
function pcapOf(messages, startMicros) {
  const parts = []
  const header = Buffer.alloc(24)
  header.writeUInt32LE(0xa1b2c3d4, 0)
  header.writeUInt16LE(2, 4)
  header.writeUInt16LE(4, 6)
  header.writeUInt32LE(65535, 16)
  header.writeUInt32LE(1, 20)
  parts.push(header)
  for (const m of messages) {
    const payload = Buffer.from(m.text, 'utf8')
    const udp = Buffer.alloc(8)
    udp.writeUInt16BE(m.src.port, 0)
    udp.writeUInt16BE(m.dst.port, 2)
    udp.writeUInt16BE(8 + payload.length, 4)
    const ip = Buffer.alloc(20)
    ip[0] = 0x45
    ip.writeUInt16BE(20 + 8 + payload.length, 2)
    ip[8] = 64
    ip[9] = 17
    m.src.ip.split('.').forEach((b, i) => (ip[12 + i] = Number(b)))
    m.dst.ip.split('.').forEach((b, i) => (ip[16 + i] = Number(b)))
    const eth = Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00])
    const frame = Buffer.concat([eth, ip, udp, payload])
    const t = startMicros + m.offset
    const record = Buffer.alloc(16)
    record.writeUInt32LE(Math.floor(t / 1_000_000), 0)
    record.writeUInt32LE(t % 1_000_000, 4)
    record.writeUInt32LE(frame.length, 8)
    record.writeUInt32LE(frame.length, 12)
    parts.push(record, frame)
  }
  return Buffer.concat(parts)
}

describe('search export and PCAP import in the dashboard', () => {
  let page
  const pageErrors = []
  const caller = `exp${randomUUID().slice(0, 8)}`
  const calls = [0, 1].map((i) => ({ id: uniqueCallId(`export${i}`), i }))

  before(async () => {
    await assertNodeReachable()
    const startMicros = Date.now() * 1000 - 60_000_000
    for (const c of calls) {
      c.messages = buildCall(c.id, { from: caller, to: 'bob' })
      await sendOverHep(c.messages.map((m) => encode(m, startMicros + c.i * 20_000_000)))
    }
    for (const c of calls) await waitForStored(c.id, c.messages.length)
    page = await openPage(pageErrors)
  })

  after(async () => {
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page')
  })

  test('Export… on the results downloads the whole search as CSV, with the cap shown first', { timeout: 60_000 }, async () => {
    await openLoggedIn(page, `/?fromUser=${caller}&range=1h`)
    await page.getByTestId('results-count').waitFor()
    assert.equal(await page.getByTestId('results-count').textContent(), '14 messages')
    await page.getByTestId('export-results').click()
    assert.match(await page.getByTestId('export-note').textContent(), /all 14 messages/)
    await page.getByTestId('export-limit').fill('10')
    assert.match(await page.getByTestId('export-note').textContent(), /first 10 of 14 messages/)
    await page.getByTestId('export-limit').fill('1000')
    await page.getByTestId('export-format').selectOption('csv')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-run').click()])
    assert.match(download.suggestedFilename(), /^homer-messages-\d{8}-\d{6}\.csv$/)
    const lines = (await readFile(await download.path(), 'utf8')).split('\r\n').filter(Boolean)
    assert.equal(lines[0].split(',')[0], 'timestamp')
    assert.equal(lines.length, 1 + 14)
    assert.deepEqual([...new Set(lines.slice(1).map((l) => l.split(',')[10]))], calls.map((c) => c.id))
    assert.equal(await page.getByTestId('export-done').textContent(), '14 messages exported as CSV')
  })

  test('Import uploads a pcap; its messages are searchable with the capture id chosen', { timeout: 60_000 }, async () => {
    const callId = uniqueCallId('import')
    const call = buildCall(callId, { from: `imp${randomUUID().slice(0, 6)}`, to: 'bob' })
    const startMicros = Date.now() * 1000 - 600_000_000 + 17
    const dir = await mkdtemp(path.join(tmpdir(), 'homer-e2e-pcap-'))
    try {
      await openLoggedIn(page, '/import')
      await page.getByTestId('import-file').setInputFiles({ name: 'trace.pcap', mimeType: 'application/vnd.tcpdump.pcap', buffer: pcapOf(call, startMicros) })
      await page.getByTestId('import-capture-id').fill('3131')
      await page.getByTestId('import-node').fill('e2e-import')
      await page.getByTestId('import-run').click()
      await page.getByTestId('import-result').waitFor()
      assert.match(await page.getByTestId('import-result').textContent(), /Imported 7 of 7 packets/)
      assert.equal((await page.getByTestId('import-sip').textContent()).trim(), '7')

      await eventually(async () => {
        const { messages } = await graphql('query ($f: MessageFilter!) { messages(filter: $f, first: 10) { totalCount nodes { captureId timestamp } } }', { f: { callId } })
        return messages.totalCount === 7 && messages.nodes.every((n) => n.captureId === 3131)
      }, 'the imported call stored with capture id 3131')

      // The summary's link opens the search over the capture's time range, capture id and node.
      await page.getByTestId('import-search').click()
      await page.getByTestId('results-count').waitFor()
      assert.equal(await page.getByTestId('results-count').textContent(), '7 messages')
      const url = new URL(page.url())
      assert.equal(url.searchParams.get('captureId'), '3131')
      assert.equal(url.searchParams.get('node'), 'e2e-import')

      // A file that is not a capture is refused with the reason.
      await openLoggedIn(page, '/import')
      await page.getByTestId('import-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello world') })
      await page.getByTestId('import-capture-id').fill('1')
      await page.getByTestId('import-run').click()
      assert.match(await page.getByTestId('import-error').textContent(), /^Import failed \(415\): The file is not a PCAP or pcapng capture/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
