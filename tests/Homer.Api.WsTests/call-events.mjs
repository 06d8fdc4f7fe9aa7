// Subscribes to one call's events with graphql-ws and prints each as a JSON line; exits 0 after DIALOG_ENDED.
// Then checks that a refused token ends the connection with 4403. Env: HOMER_URL, HOMER_TOKEN, HOMER_CALL_ID.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.HOMER_URL.replace(/^http/, 'ws') + '/graphql';
const fail = (why) => { console.error(why); process.exit(1); };
setTimeout(() => fail('timed out'), 30_000).unref();

const client = createClient({
  url, webSocketImpl: WebSocket, connectionParams: { token: process.env.HOMER_TOKEN }, retryAttempts: 0,
  // The subscribe message follows the ack at once: the test starts sending the call when it reads this line.
  on: { connected: () => console.log(JSON.stringify({ connected: true })), message: (m) => process.env.HOMER_DEBUG && console.error(JSON.stringify(m)),
    opened: (socket) => { if (!process.env.HOMER_DEBUG) return; const send = socket.send.bind(socket); socket.send = (d) => { console.error(">> " + d); send(d); }; } },
});
const query = 'subscription ($f: CallEventFilter) { callEvents(filter: $f) { type callId state fromUser } }';
const events = client.iterate({ query, variables: { f: { callId: process.env.HOMER_CALL_ID } } });
for await (const result of events) {
  if (result.errors) fail(JSON.stringify(result.errors));
  console.log(JSON.stringify(result.data.callEvents));
  if (result.data.callEvents.type === 'DIALOG_ENDED') break;
}
await client.dispose();

const refused = createClient({ url, webSocketImpl: WebSocket, connectionParams: { token: 'hat_wrong' }, retryAttempts: 0, lazy: false,
  onNonLazyError: () => {} });
const code = await new Promise((resolve) => refused.on('closed', (event) => resolve(event.code)));
await refused.dispose();
console.log(JSON.stringify({ refusedWith: code }));
process.exit(code === 4403 ? 0 : 1);
