// Subscribes to the live tail of one Call-ID with a rate limit, as the dashboard does (npm graphql-ws 6), and prints
// each item as a JSON line until delivered + skipped + dropped reaches HOMER_EXPECT; then exits 0. The test that runs
// it publishes the messages and checks the counts. Env: HOMER_URL, HOMER_TOKEN, HOMER_CALL_ID, HOMER_RATE, HOMER_EXPECT.
import { createClient } from 'graphql-ws'
import WebSocket from 'ws'

const url = process.env.HOMER_URL.replace(/^http/, 'ws') + '/graphql'
const expect = Number(process.env.HOMER_EXPECT)
const fail = (why) => { console.error(why); process.exit(1) }
setTimeout(() => fail('timed out'), 60_000).unref()

const client = createClient({
  url, webSocketImpl: WebSocket, connectionParams: { token: process.env.HOMER_TOKEN }, retryAttempts: 0,
  on: { connected: () => console.log(JSON.stringify({ connected: true })) },
})
const query = 'subscription ($f: LiveMessageFilter, $r: Int) { messages(filter: $f, maxPerSecond: $r) { type skipped dropped srcPort } }'
let total = 0
for await (const result of client.iterate({ query, variables: { f: { callId: process.env.HOMER_CALL_ID }, r: Number(process.env.HOMER_RATE) } })) {
  if (result.errors) fail(JSON.stringify(result.errors))
  const m = result.data.messages
  console.log(JSON.stringify(m))
  total += (m.type === 'MESSAGE' ? 1 : 0) + (m.skipped ?? 0) + (m.dropped ?? 0)
  if (total >= expect) break
}
await client.dispose()
process.exit(total === expect ? 0 : 1)
