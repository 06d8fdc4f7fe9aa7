// Shared pieces of the browser tests: a real SIP call encoded as HEP by hep-js and sent over UDP, the API with a
// session token, and headless Chromium. Nothing on these paths is mocked.
//
//   HOMER_URL             the node's HTTP endpoint (default http://127.0.0.1:9080)
//   HOMER_HEP             the node's HEP/UDP endpoint, host:port (default 127.0.0.1:9060)
//   HOMER_ADMIN_USER      user to log in as (default admin)
//   HOMER_ADMIN_PASSWORD  its password (the node's HOMER_ADMIN_PASSWORD); unused when the node runs with auth off
//   CHROMIUM              the browser binary (default Debian's /usr/bin/chromium)
//   HOMER_SCREENSHOTS     where screenshots of the main views go (default docs/screenshots)
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import dgram from 'node:dgram'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after } from 'node:test'
import { fileURLToPath } from 'node:url'
import hep from 'hep-js'
import { chromium } from 'playwright-core'

export const HOMER_URL = (process.env.HOMER_URL ?? 'http://127.0.0.1:9080').replace(/\/+$/, '')
const [HEP_HOST, HEP_PORT] = parseHostPort(process.env.HOMER_HEP ?? '127.0.0.1:9060')
export const ADMIN_USER = process.env.HOMER_ADMIN_USER ?? 'admin'
export const ADMIN_PASSWORD = process.env.HOMER_ADMIN_PASSWORD ?? ''
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const SCREENSHOTS = process.env.HOMER_SCREENSHOTS ?? path.join(REPO_ROOT, 'docs/screenshots')
const STORE_TIMEOUT_MS = 20_000

function parseHostPort(text) {
  const at = text.lastIndexOf(':')
  const port = Number(text.slice(at + 1))
  assert.ok(at > 0 && Number.isInteger(port) && port > 0, `HOMER_HEP must be host:port, was "${text}"`)
  return [text.slice(0, at), port]
}

// ---- the call ---------------------------------------------------------------------------------------------

export const ALICE = { ip: '192.0.2.10', port: 5060 }
export const BOB = { ip: '198.51.100.20', port: 5062 }

function sdp(ip, port) {
  return ['v=0', `o=- 3724394400 3724394400 IN IP4 ${ip}`, 's=-', `c=IN IP4 ${ip}`, 't=0 0',
    `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n')
}

/**
 * A plain INVITE dialog, caller → callee, answered and hung up: the shape every SIP engineer reads first.
 * `label` is what the results table shows; `ladder` what the call-flow arrow says.
 */
export function buildCall(callId, { from = 'alice', to = 'bob' } = {}) {
  const fromTag = randomUUID().slice(0, 8)
  const toTag = randomUUID().slice(0, 8)
  const branch = () => `z9hG4bK${randomUUID().replace(/-/g, '').slice(0, 16)}`
  const inviteBranch = branch()
  const byeBranch = branch()
  const fromHeader = `"${from}" <sip:${from}@example.com>;tag=${fromTag}`
  const toNoTag = `<sip:${to}@example.com>`
  const toHeader = `${toNoTag};tag=${toTag}`

  const msg = ({ start, via, toH, cseq, body = '', contact = true }) => [
    start,
    `Via: SIP/2.0/UDP ${ALICE.ip}:${ALICE.port};branch=${via}`,
    'Max-Forwards: 70',
    `From: ${fromHeader}`,
    `To: ${toH}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
    ...(contact ? [`Contact: <sip:${start.startsWith('SIP/') ? to : from}@${start.startsWith('SIP/') ? BOB.ip : ALICE.ip}>`] : []),
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
    { label: 'INVITE', ladder: /^INVITE \(SDP\)$/, offset: 0, ...aToB, text: msg({ start: `INVITE sip:${to}@example.com SIP/2.0`, via: inviteBranch, toH: toNoTag, cseq: '1 INVITE', body: sdp(ALICE.ip, 40000) }) },
    { label: '100', ladder: /^100( Trying)?$/, offset: 2_317, ...bToA, text: msg({ start: 'SIP/2.0 100 Trying', via: inviteBranch, toH: toNoTag, cseq: '1 INVITE', contact: false }) },
    { label: '180', ladder: /^180( Ringing)?$/, offset: 151_409, ...bToA, text: msg({ start: 'SIP/2.0 180 Ringing', via: inviteBranch, toH: toHeader, cseq: '1 INVITE' }) },
    { label: '200', ladder: /^200( OK)? \(SDP\)$/, offset: 2_404_777, ...bToA, text: msg({ start: 'SIP/2.0 200 OK', via: inviteBranch, toH: toHeader, cseq: '1 INVITE', body: sdp(BOB.ip, 50000) }) },
    { label: 'ACK', ladder: /^ACK$/, offset: 2_409_003, ...aToB, text: msg({ start: `ACK sip:${to}@198.51.100.20:5062 SIP/2.0`, via: branch(), toH: toHeader, cseq: '1 ACK' }) },
    { label: 'BYE', ladder: /^BYE$/, offset: 9_811_250, ...aToB, text: msg({ start: `BYE sip:${to}@198.51.100.20:5062 SIP/2.0`, via: byeBranch, toH: toHeader, cseq: '2 BYE' }) },
    { label: '200', ladder: /^200( OK)?$/, offset: 9_815_642, ...bToA, text: msg({ start: 'SIP/2.0 200 OK', via: byeBranch, toH: toHeader, cseq: '2 BYE', contact: false }) },
  ]
}

export function encode(message, startMicros) {
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

/** An RFC 6035 session report about a call, as HEP type 35 with the call's Call-ID as correlation id. */
export function encodeVqReport(callId, atMicros, { mosLq = 3.1, loss = 2.5 } = {}) {
  const text = [
    'VQSessionReport: CallTerm', `CallID: ${callId}`, 'LocalID: <sip:alice@example.com>', 'RemoteID: <sip:bob@example.com>',
    'OrigID: <sip:alice@example.com>', 'LocalAddr: IP=192.0.2.10 PORT=40000 SSRC=0x11223344',
    'RemoteAddr: IP=198.51.100.20 PORT=50000 SSRC=0x55667788', 'LocalMetrics:',
    `PacketLoss: NLR=${loss} JDR=0.0`, 'Delay: RTD=40 ESD=20 IAJ=3', `QualityEst: MOSLQ=${mosLq} MOSCQ=3.0`, '',
  ].join('\r\n')
  return hep.encapsulate(text, {
    protocolFamily: 2, protocol: 17, srcIp: '192.0.2.10', dstIp: '192.0.2.99', srcPort: 5061, dstPort: 9060,
    timeSeconds: Math.floor(atMicros / 1_000_000), timeUseconds: atMicros % 1_000_000, payloadType: 35, proto_type: 35,
    correlation_id: callId, mos: Math.round(mosLq * 100), captureId: 2001,
    capturePass: process.env.HOMER_HEP_AUTH_KEY ?? process.env.HOMER_HEP_PASS ?? 'myHep',
  })
}

export async function sendOverHep(packets) {
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

let token = null

/** A session token for the test's own API calls (null when the node runs with authentication off). */
export async function apiToken() {
  if (token !== null) return token || null
  const me = await rawGraphql('{ me { tokenKind } }', {}, null).catch(() => null)
  if (me?.me?.tokenKind === 'auth-off') {
    token = ''
    return null
  }
  assert.ok(ADMIN_PASSWORD, 'the node requires a login: set HOMER_ADMIN_PASSWORD to the password it was started with')
  const data = await rawGraphql('mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: ADMIN_USER, p: ADMIN_PASSWORD }, null)
  token = data.login.token
  return token
}

async function rawGraphql(query, variables, bearer) {
  const response = await fetch(`${HOMER_URL}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(5_000),
  })
  const body = await response.json().catch(() => null)
  if (!body) throw new Error(`POST /graphql answered ${response.status} without JSON`)
  if (body.errors?.length) throw new Error(`GraphQL errors: ${body.errors.map((e) => e.message).join('; ')}`)
  return body.data
}

export async function graphql(query, variables = {}) {
  return rawGraphql(query, variables, await apiToken())
}

/** Whether the served schema has a root field (features merged from other branches may not be there yet). */
export async function hasField(type, name) {
  const data = await graphql(`query ($t: String!) { __type(name: $t) { fields { name } } }`, { t: type })
  return (data.__type?.fields ?? []).some((f) => f.name === name)
}

/** Storage is batched, so the call shows up some time after the datagrams: poll until all of it is there. */
export async function waitForStored(callId, expected) {
  const deadline = Date.now() + STORE_TIMEOUT_MS
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    try {
      const { messages } = await graphql('query ($f: MessageFilter!) { messages(filter: $f, first: 100) { totalCount nodes { callId captureId } } }', { f: { callId } })
      if (messages.totalCount === expected) return messages
      last = `totalCount ${messages.totalCount}`
    } catch (e) {
      last = e.message
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`the node did not store ${expected} messages for ${callId} within ${STORE_TIMEOUT_MS} ms (last: ${last})`)
}

/**
 * Polls the API until `condition` holds (the node correlates QoS reports and legs asynchronously), so a page is
 * opened once the data is there instead of being reloaded on a timer.
 */
export async function eventually(condition, what, timeoutMs = STORE_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs
  let last = 'never checked'
  while (Date.now() < deadline) {
    try {
      if (await condition()) return
      last = 'condition false'
    } catch (e) {
      last = e.message
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last})`)
}

/** Fails fast with a message that says what to do, instead of a timeout much later. */
export async function assertNodeReachable() {
  try {
    const health = await fetch(`${HOMER_URL}/healthz`, { signal: AbortSignal.timeout(5_000) })
    if (!health.ok) throw new Error(`GET /healthz answered ${health.status}`)
  } catch (e) {
    const reason = e.cause?.code ?? e.cause?.message ?? e.message
    throw new Error(`The Homer node at ${HOMER_URL} is not reachable or not healthy (${reason}). ` +
      'Start one (./run.sh) or point HOMER_URL and HOMER_HEP at a running node.', { cause: e })
  }
}

// ---- the browser ------------------------------------------------------------------------------------------

/** Every browser this test file opened, with its profile folder: closed and removed when the file's tests end. */
const browsers = []

/** Headless Chromium with a fresh profile of its own (no stored session); closed by this file's last hook. */
export async function launchBrowser(colorScheme = 'light') {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`)
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'homer-e2e-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
    colorScheme,
    acceptDownloads: true,
    timeout: 30_000,
  })
  browsers.push({ context, userDataDir })
  context.setDefaultTimeout(15_000)
  // The node sends a Content-Security-Policy: anything it blocks (an inline script, a socket, an image) is recorded,
  // and fails the login check below and this file's last hook, so a policy that breaks the dashboard cannot pass unnoticed.
  await context.exposeBinding('__homerCspViolation', (_source, v) => { cspViolations.push(v) })
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__homerCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`)
    })
  })
  return context
}

/** A page in a browser of its own; uncaught errors in it go to `pageErrors` (when given) for the test to check. */
export async function openPage(pageErrors) {
  const page = await (await launchBrowser()).newPage()
  if (pageErrors) page.on('pageerror', (e) => pageErrors.push(e.message))
  return page
}

/** Content-Security-Policy violations seen by any browser of this test file. */
export const cspViolations = []

after(() => assert.deepEqual(cspViolations, [], 'Content-Security-Policy violations in the browser'))
after(async () => {
  for (const { context, userDataDir } of browsers) {
    await context.close().catch(() => {})
    await rm(userDataDir, { recursive: true, force: true })
  }
})

/**
 * Opens `url`; when the node asks for a login, fills the login page (calling `atLogin` first, e.g. for a
 * screenshot) and expects to land back on `url`.
 */
export async function openLoggedIn(page, url, atLogin = async () => {}) {
  await page.goto(`${HOMER_URL}${url}`)
  const form = page.getByTestId('login-form')
  await form.or(page.getByTestId('user-menu')).first().waitFor()
  if (await form.isVisible()) {
    assert.ok(ADMIN_PASSWORD, 'the dashboard asks for a login: set HOMER_ADMIN_PASSWORD')
    await atLogin()
    await page.getByTestId('login-username').fill(ADMIN_USER)
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD)
    await page.getByTestId('login-password').press('Enter')
    await page.getByTestId('user-menu').waitFor()
  }
  assert.deepEqual(cspViolations, [], 'Content-Security-Policy violations in the browser')
}

/**
 * Saves a screenshot for the README (HOMER_SCREENSHOTS, default docs/screenshots). A view showing that the node
 * lacks its API is not saved over the picture of the working feature: the docs show what the product does.
 */
export async function screenshot(page, name) {
  if (await page.locator('[data-testid="unsupported-state"], [data-testid="flow-fallback"]').count()) return
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) })
}

export function uniqueCallId(tag) {
  return `e2e-${tag}-${randomUUID()}@homer.test`
}
