// Bridge between the .NET tests and hep-js: one request per stdin line, one answer per stdout line.
//   node oracle.js decode   < hex packets          > JSON {ok, rcinfo, payloadHex}
//   node oracle.js encode   < JSON {payload, rcinfo} > hex packets
'use strict';
const readline = require('readline');
const hep = require('hep-js');

const mode = process.argv[2];
const rl = readline.createInterface({ input: process.stdin, terminal: false });
const out = [];

rl.on('line', (line) => {
  if (!line.trim()) return;
  if (mode === 'decode') {
    const decoded = hep.decapsulate(Buffer.from(line.trim(), 'hex'));
    if (!decoded) {
      out.push(JSON.stringify({ ok: false }));
      return;
    }
    // hep-js turns the payload into a JS string; hand it back as UTF-8 hex so nothing is lost in transit.
    const payload = typeof decoded.payload === 'string' ? Buffer.from(decoded.payload, 'utf8').toString('hex') : null;
    out.push(JSON.stringify({ ok: true, rcinfo: decoded.rcinfo || {}, payloadHex: payload }));
  } else if (mode === 'encode') {
    const request = JSON.parse(line);
    out.push(hep.encapsulate(request.payload, request.rcinfo).toString('hex'));
  } else {
    throw new Error('usage: node oracle.js decode|encode');
  }
});

rl.on('close', () => process.stdout.write(out.join('\n') + '\n'));
