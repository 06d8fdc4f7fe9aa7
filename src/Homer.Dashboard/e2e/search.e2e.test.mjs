// Browser test against a REAL node: sends one call over HEP/UDP, waits until the API has stored it, then
// searches its Call-ID in headless Chromium and checks the table. Nothing on this path is mocked.
//
//   HOMER_URL   the node's HTTP endpoint (default http://127.0.0.1:9080)
//   HOMER_HEP   the node's HEP/UDP endpoint, host:port (default 127.0.0.1:9060)
//   CHROMIUM    the browser binary (default Debian's /usr/bin/chromium)
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import dgram from 'node:dgram'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import hep from 'hep-js'
import { chromium } from 'playwright-core'

const HOMER_URL = (process.env.HOMER_URL ?? 'http://127.0.0.1:9080').replace(/\/+$/, '')
const [HEP_HOST, HEP_PORT] = parseHostPort(process.env.HOMER_HEP ?? '127.0.0.1:9060')
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const SCREENSHOT = path.join(REPO_ROOT, 'docs/screenshots/search.png')
const STORE_TIMEOUT_MS = 20_000

function parseHostPort(text) {
  const at = text.lastIndexOf(':')
  const port = Number(text.slice(at + 1))
  assert.ok(at > 0 && Number.isInteger(port) && port > 0, `HOMER_HEP must be host:port, was "${text}"`)
  return [text.slice(0, at), port]
}

// ---- the call ---------------------------------------------------------------------------------------------

const ALICE = { ip: '192.0.2.10', port: 5060 }
const BOB = { ip: '198.51.100.20', port: 5062 }

function sdp(ip, port) {
  return ['v=0', `o=- 3724394400 3724394400 IN IP4 ${ip}`, 's=-', `c=IN IP4 ${ip}`, 't=0 0',
    `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n')
}

/** A plain INVITE dialog, alice → bob, answered and hung up: the shape every SIP engineer reads first. */
function buildCall(callId) {
  const fromTag = randomUUID().slice(0, 8)
  const toTag = randomUUID().slice(0, 8)
  const branch = () => `z9hG4bK${randomUUID().replace(/-/g, '').slice(0, 16)}`
  const inviteBranch = branch()
  const byeBranch = branch()
  const from = `"Alice" <sip:alice@example.com>;tag=${fromTag}`
  const toNoTag = '<sip:bob@example.com>'
  const to = `${toNoTag};tag=${toTag}`

  const msg = ({ start, via, toHeader, cseq, body = '', contact = true }) => [
    start,
    `Via: SIP/2.0/UDP ${ALICE.ip}:${ALICE.port};branch=${via}`,
    'Max-Forwards: 70',
    `From: ${from}`,
    `To: ${toHeader}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
    ...(contact ? [`Contact: <sip:${start.startsWith('SIP/') ? 'bob' : 'alice'}@${start.startsWith('SIP/') ? BOB.ip : ALICE.ip}>`] : []),
    'User-Agent: homer-dashboard-e2e',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n')

  const aToB = { src: ALICE, dst: BOB }
  const bToA = { src: BOB, dst: ALICE }
  // Offsets in microseconds, with odd sub-millisecond parts so ordering relies on the full precision.
  return [
    { label: 'INVITE', offset: 0, ...aToB, text: msg({ start: 'INVITE sip:bob@example.com SIP/2.0', via: inviteBranch, toHeader: toNoTag, cseq: '1 INVITE', body: sdp(ALICE.ip, 40000) }) },
    { label: '100', offset: 2_317, ...bToA, text: msg({ start: 'SIP/2.0 100 Trying', via: inviteBranch, toHeader: toNoTag, cseq: '1 INVITE', contact: false }) },
    { label: '180', offset: 151_409, ...bToA, text: msg({ start: 'SIP/2.0 180 Ringing', via: inviteBranch, toHeader: to, cseq: '1 INVITE' }) },
    { label: '200', offset: 2_404_777, ...bToA, text: msg({ start: 'SIP/2.0 200 OK', via: inviteBranch, toHeader: to, cseq: '1 INVITE', body: sdp(BOB.ip, 50000) }) },
    { label: 'ACK', offset: 2_409_003, ...aToB, text: msg({ start: 'ACK sip:bob@198.51.100.20:5062 SIP/2.0', via: branch(), toHeader: to, cseq: '1 ACK' }) },
    { label: 'BYE', offset: 9_811_250, ...aToB, text: msg({ start: 'BYE sip:bob@198.51.100.20:5062 SIP/2.0', via: byeBranch, toHeader: to, cseq: '2 BYE' }) },
    { label: '200', offset: 9_815_642, ...bToA, text: msg({ start: 'SIP/2.0 200 OK', via: byeBranch, toHeader: to, cseq: '2 BYE', contact: false }) },
  ]
}

function encode(message, startMicros) {
  const t = startMicros + message.offset
  return hep.encapsulate(message.text, {
    protocolFamily: 2,
    protocol: 17,
    srcIp: message.src.ip,
    dstIp: message.dst.ip,
    srcPort: message.src.port,
    dstPort: message.dst.port,
    timeSeconds: Math.floor(t / 1_000_000),
    timeUseconds: t % 1_000_000,
    payloadType: 1,
    captureId: 2001,
    // The node's own variable first, so a node started with an auth key in the same shell accepts the call.
    capturePass: process.env.HOMER_HEP_AUTH_KEY ?? process.env.HOMER_HEP_PASS ?? 'myHep',
  })
}

async function sendOverHep(packets) {
  const socket = dgram.createSocket('udp4')
  try {
    for (const packet of packets) {
      await new Promise((resolve, reject) => socket.send(packet, HEP_PORT, HEP_HOST, (e) => (e ? reject(e) : resolve())))
    }
  } finally {
    socket.close()
  }
}

// ---- the API ----------------------------------------------------------------------------------------------

const MESSAGES = `query Messages($filter: MessageFilter!, $first: Int) {
  messages(filter: $filter, first: $first) {
    totalCount
    nodes { id timestamp method statusCode callId fromUser toUser srcIp srcPort dstIp dstPort captureId payload }
  }
}`

async function graphql(query, variables) {
  const response = await fetch(`${HOMER_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(5_000),
  })
  const body = await response.json().catch(() => null)
  if (!body) throw new Error(`POST /graphql answered ${response.status} without JSON`)
  if (body.errors?.length) throw new Error(`GraphQL errors: ${body.errors.map((e) => e.message).join('; ')}`)
  return body.data
}

/** Storage is batched, so the call shows up some time after the datagrams: poll until all of it is there. */
async function waitForStored(callId, expected) {
  const deadline = Date.now() + STORE_TIMEOUT_MS
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    try {
      const { messages } = await graphql(MESSAGES, { filter: { callId }, first: 100 })
      if (messages.totalCount === expected) return messages
      last = `totalCount ${messages.totalCount}`
    } catch (e) {
      last = e.message
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`the node did not store ${expected} messages for ${callId} within ${STORE_TIMEOUT_MS} ms (last: ${last})`)
}

/** Fails fast with a message that says what to do, instead of a timeout much later. */
async function assertNodeReachable() {
  try {
    const health = await fetch(`${HOMER_URL}/healthz`, { signal: AbortSignal.timeout(5_000) })
    if (!health.ok) throw new Error(`GET /healthz answered ${health.status}`)
  } catch (e) {
    const reason = e.cause?.code ?? e.cause?.message ?? e.message
    throw new Error(`The Homer node at ${HOMER_URL} is not reachable or not healthy (${reason}). ` +
      'Start one (./run.sh) or point HOMER_URL and HOMER_HEP at a running node.', { cause: e })
  }
}

async function launchBrowser(userDataDir) {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`)
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    timeout: 30_000,
  })
  context.setDefaultTimeout(15_000)
  return context
}

// ---- the test ---------------------------------------------------------------------------------------------

describe('SIP search in the dashboard', () => {
  let context
  let userDataDir

  after(async () => {
    await context?.close().catch(() => {})
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true })
  })

  test('a call sent over HEP is found by Call-ID and shown in time order', { timeout: 90_000 }, async () => {
    await assertNodeReachable()
    const callId = `e2e-${randomUUID()}@homer.test`
    const call = buildCall(callId)
    const startMicros = Date.now() * 1000 - 30_000_000 + 123
    // Sent out of order on purpose: the table must order by capture time, not by arrival.
    const sendOrder = [0, 2, 1, 3, 4, 6, 5]
    await sendOverHep(sendOrder.map((i) => encode(call[i], startMicros)))

    const stored = await waitForStored(callId, call.length)
    assert.equal(stored.nodes.length, call.length)
    for (const node of stored.nodes) {
      assert.equal(node.callId, callId)
      assert.equal(node.captureId, 2001)
    }

    userDataDir = await mkdtemp(path.join(tmpdir(), 'homer-e2e-chromium-'))
    context = await launchBrowser(userDataDir)
    const page = await context.newPage()
    const pageErrors = []
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await page.goto(`${HOMER_URL}/`)
    const input = page.getByTestId('callid-input')
    await input.fill(callId)
    await input.press('Enter')

    const rows = page.getByTestId('result-row')
    await page.getByTestId('results-count').waitFor()
    assert.equal(await page.getByTestId('results-count').textContent(), `${call.length} messages`)
    assert.equal(await rows.count(), call.length)
    const labels = await page.getByTestId('message-label').allTextContents()
    assert.deepEqual(labels.map((l) => l.trim()), call.map((m) => m.label))

    const firstCells = await rows.first().locator('td').allTextContents()
    assert.match(firstCells[0], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/, 'time with milliseconds')
    assert.equal(firstCells[3].trim(), 'alice')
    assert.equal(firstCells[4].trim(), 'bob')
    assert.equal(firstCells[5].trim(), callId)
    assert.equal(firstCells[6].trim(), `${ALICE.ip}:${ALICE.port}`)
    assert.equal(firstCells[7].trim(), `${BOB.ip}:${BOB.port}`)
    assert.equal(firstCells[8].trim(), '2001')
    assert.equal(new URL(page.url()).searchParams.get('callId'), callId)

    // The raw message opens under its row; the INVITE carries the SDP offer.
    await rows.first().click()
    const payload = page.getByTestId('payload').locator('pre')
    assert.match(await payload.textContent(), /^INVITE sip:bob@example\.com SIP\/2\.0$/m)
    assert.match(await payload.textContent(), /^m=audio 40000 RTP\/AVP/m)

    await mkdir(path.dirname(SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT })

    // A reload repeats the search from the URL.
    await page.reload()
    await page.getByTestId('results-count').waitFor()
    assert.equal(await rows.count(), call.length)

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page')
    await page.close()
  })
})
