// The capture-agents admin page against a REAL node and a REAL homer-agent (the built one, capturing live on lo,
// which needs root as ./test.sh runs): the agent announces itself with its agent token, the page lists it with its
// counters and health, the admin changes its BPF filter, and the page shows the agent's confirmation and new filter.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import dgram from 'node:dgram'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { assertNodeReachable, eventually, graphql, hasField, HOMER_URL, openLoggedIn, openPage, REPO_ROOT, screenshot, waitForStored } from './lib.mjs'

const AGENT_DLL = process.env.HOMER_AGENT_DLL ?? path.join(REPO_ROOT, 'src/Homer.Agent/bin/Debug/net10.0/homer-agent.dll')
const HEP = process.env.HOMER_HEP ?? '127.0.0.1:9060'

/** Two high ports from the run's id, so parallel runs on one machine rarely share a filter. */
const base = 30000 + Math.floor(Math.random() * 20000)
const PORT_A = base
const PORT_B = base + 1

function sendOptions(port) {
  const callId = `e2e-agent-${randomUUID()}@homer.test`
  const text = [`OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK${randomUUID().slice(0, 8)}`,
    'Max-Forwards: 70', 'From: <sip:e2e@127.0.0.1>;tag=1', 'To: <sip:probe@127.0.0.1>', `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS',
    'Content-Length: 0', '', ''].join('\r\n')
  const socket = dgram.createSocket('udp4')
  return new Promise((resolve, reject) => socket.send(text, port, '127.0.0.1', (e) => { socket.close(); e ? reject(e) : resolve(callId) }))
}

describe('capture agents page', () => {
  let page
  let agent
  let agentLog = ''
  const name = `e2e-agent-${randomUUID().slice(0, 8)}`
  const pageErrors = []

  before(async () => {
    await assertNodeReachable()
    page = await openPage(pageErrors)
    await openLoggedIn(page, '/')
  })

  after(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM')
      await new Promise((r) => agent.once('exit', r))
    }
  })

  test('an announced agent is listed with its counters and its filter is changed and confirmed', { timeout: 90_000 }, async (t) => {
    if (!(await hasField('Query', 'agents'))) {
      t.skip('this node has no agents API')
      return
    }
    if (process.getuid?.() !== 0 || !existsSync(AGENT_DLL)) {
      t.skip(`needs root (live capture on lo) and the built agent at ${AGENT_DLL} (dotnet build)`)
      return
    }
    const { createAgentToken } = await graphql('mutation ($n: String!) { createAgentToken(name: $n) { token } }', { n: name })
    agent = spawn('dotnet', [AGENT_DLL, 'capture', '--interface', 'lo', '--filter', `udp port ${PORT_A}`, '--sip-port', `${PORT_A},${PORT_B}`,
      '--to', `udp:${HEP}`, '--node', HOMER_URL, '--agent-token', createAgentToken.token, '--agent-name', name,
      '--announce-interval', '1', '--summary', 'none'], { stdio: ['ignore', 'ignore', 'pipe'] })
    agent.stderr.on('data', (d) => { agentLog += d })
    await eventually(async () => (await graphql('query ($n: String!) { agent(name: $n) { health } }', { n: name })).agent?.health === 'ok',
      `agent ${name} announced (its log: ${agentLog})`, 30_000)

    // Listed, with its filter, health, plan version and counters that move with captured traffic.
    await page.goto(`${HOMER_URL}/admin/agents`)
    const row = page.locator(`[data-testid="agent-row"][data-name="${name}"]`)
    await row.waitFor()
    assert.equal(await row.getByTestId('agent-health').innerText(), 'ok')
    assert.equal(await row.getByTestId('agent-filter').innerText(), `udp port ${PORT_A}`)
    assert.equal(await row.getByTestId('agent-plan').innerText(), '0 (own)')
    await sendOptions(PORT_A)
    await row.getByTestId('agent-sip').filter({ hasText: /^1$/ }).waitFor({ timeout: 15_000 })

    // Change the filter: the agent applies it at its next announcement and the page shows the confirmation.
    await row.getByTestId('agent-edit-filter').click()
    const form = page.getByTestId('agent-filter-form')
    await form.getByTestId('agent-filter-input').fill(`udp port ${PORT_B}`)
    await form.getByTestId('agent-filter-save').click()
    assert.match(await page.getByTestId('agents-message').innerText(), /version 1/)
    await row.getByTestId('agent-plan').filter({ hasText: '1 (confirmed)' }).waitFor({ timeout: 15_000 })
    assert.equal(await row.getByTestId('agent-filter').innerText(), `udp port ${PORT_B}`)
    const { agent: confirmed } = await graphql('query ($n: String!) { agent(name: $n) { planVersion confirmed inputs { filter } } }', { n: name })
    assert.equal(confirmed.confirmed, true)
    assert.equal(confirmed.inputs[0].filter, `udp port ${PORT_B}`)

    // Its traffic follows: port B is captured, port A no longer. A goes first, so once B's message is stored an A
    // message the agent had captured would be stored too.
    const excluded = await sendOptions(PORT_A)
    const kept = await sendOptions(PORT_B)
    await waitForStored(kept, 1)
    const { messages } = await graphql('query ($c: String!) { messages(filter: {callId: $c}, first: 1) { totalCount } }', { c: excluded })
    assert.equal(messages.totalCount, 0, 'the agent still sent traffic its new filter excludes')
    await row.getByTestId('agent-sip').filter({ hasText: /^2$/ }).waitFor({ timeout: 15_000 })
    await screenshot(page, 'agents')
    assert.deepEqual(pageErrors, [])
  })
})
