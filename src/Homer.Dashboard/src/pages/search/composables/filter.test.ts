import { describe, expect, it } from 'vitest'
import { buildDialogFilter, conditionRows, conditionText, ignoredInCallSearch, buildMessageFilter, buildSearch, FilterError, formFromQuery, hasCriteria, queryFromFilter, queryFromForm } from './filter'

describe('buildMessageFilter', () => {
  it('trims the Call-ID', () => {
    expect(buildMessageFilter({ callId: '  abc@host \n' })).toEqual({ callId: 'abc@host' })
  })

  it('leaves out empty fields instead of sending empty strings', () => {
    expect(buildMessageFilter({ callId: '   ', from: '', to: null })).toEqual({})
    expect(hasCriteria(buildMessageFilter({ callId: '' }))).toBe(false)
  })

  it('sends times as UTC ISO-8601 with microseconds', () => {
    const filter = buildMessageFilter({
      callId: 'x',
      from: new Date(Date.UTC(2026, 10, 27, 10, 0, 0, 5)),
      to: '2026-11-27T12:00:00+01:00',
    })
    expect(filter).toEqual({ callId: 'x', from: '2026-11-27T10:00:00.005000Z', to: '2026-11-27T11:00:00.000000Z' })
  })

  it('refuses a range that ends before it starts, and nonsense times', () => {
    expect(() => buildMessageFilter({ from: '2026-11-27T12:00:00Z', to: '2026-11-27T11:00:00Z' })).toThrow(FilterError)
    expect(() => buildMessageFilter({ from: 'soon' })).toThrow(/not a valid from time/)
  })
})

describe('time ranges', () => {
  it('offers 30 and 90 days, and reads absolute times as typed in 24-hour form', () => {
    const now = new Date(Date.UTC(2026, 11, 6, 12, 0))
    expect(buildSearch({ range: '90d' }, now).filter.from).toBe('2026-09-07T12:00:00.000000Z')
    expect(buildSearch({ range: '30d' }, now).filter.from).toBe('2026-11-06T12:00:00.000000Z')
    expect(buildSearch({ range: 'abs', from: '2026-11-27 00:21:00Z', to: '2026-11-27T00:23:00Z' }, now).filter.from).toBe('2026-11-27T00:21:00.000000Z')
    expect(() => buildSearch({ range: 'abs', from: '11/27/2026, 12:21:44 AM' }, now)).toThrow(/24-hour/)
  })
})

describe('URL query round trip', () => {
  it('reads the Call-ID from the URL and writes it back', () => {
    const form = formFromQuery({ callId: 'abc@host' })
    expect(form.callId).toBe('abc@host')
    expect(queryFromFilter(buildMessageFilter(form))).toEqual({ callId: 'abc@host' })
  })

  it('takes the first of repeated parameters and tolerates none', () => {
    expect(formFromQuery({ callId: ['a', 'b'] }).callId).toBe('a')
    expect(formFromQuery({}).callId).toBe('')
  })
})

describe('buildSearch: the full field set', () => {
  const now = new Date(Date.UTC(2026, 10, 27, 12, 0, 0))

  it('resolves quick ranges against now and absolute ranges as given', () => {
    expect(buildSearch({ range: '15m' }, now).filter).toEqual({ from: '2026-11-27T11:45:00.000000Z', to: '2026-11-27T12:00:00.000000Z' })
    expect(buildSearch({ range: 'abs', from: '2026-11-27T10:00:00Z', to: '2026-11-27T11:00:00Z' }, now).filter).toEqual({
      from: '2026-11-27T10:00:00.000000Z',
      to: '2026-11-27T11:00:00.000000Z',
    })
    expect(() => buildSearch({ range: '3w' }, now)).toThrow(/not a known time range/)
  })

  it('maps session and network fields to the API filter', () => {
    const built = buildSearch(
      { ruriUser: '100*', fromUser: ' alice ', toUser: 'bob', userAgent: 'Linphone*', method: 'invite, BYE 486 6xx', srcIp: '10.0.0.0/8', srcPort: '5060', dstIp: '192.0.2.1', dstPort: 5062, node: 'sbc-1', captureId: '2001', payload: 'X-Trunk', limit: '500' },
      now,
    )
    expect(built.first).toBe(500)
    expect(built.filter).toEqual({
      ruriUser: '100*', fromUser: 'alice', toUser: 'bob', userAgent: 'Linphone*', methods: ['INVITE', 'BYE'],
      statusCodes: [486, ...Array.from({ length: 100 }, (_, i) => 600 + i)], srcIp: '10.0.0.0/8', srcPort: 5060,
      dstIp: '192.0.2.1', dstPort: 5062, node: 'sbc-1', captureId: 2001, payloadContains: 'X-Trunk',
    })
  })

  it('sends CSeq, reason, Diversion and the transaction type to the server, and rejects nonsense', () => {
    const built = buildSearch({ cseq: ' 2   BYE ', reason: ' busy ', diversion: 'sip:900@pbx', kind: 'registration' }, now)
    expect(built.filter).toEqual({ cseq: '2 BYE', reason: 'busy', diversion: 'sip:900@pbx', profiles: ['REGISTRATION'] })
    expect(buildSearch({ cseq: '102' }).filter).toEqual({ cseq: '102' })
    expect(buildSearch({ cseq: 'invite' }).filter).toEqual({ cseq: 'invite' })
    expect(buildSearch({ kind: 'call' }).filter).toEqual({ profiles: ['CALL'] })
    expect(buildSearch({ kind: 'other' }).filter).toEqual({ profiles: ['DEFAULT'] })
    expect(hasCriteria(buildSearch({ reason: 'busy' }).filter)).toBe(true)
    expect(() => buildSearch({ cseq: 'INVITE 102' })).toThrow(/CSeq must be/)
    expect(() => buildSearch({ kind: 'calls' })).toThrow(/not a transaction type/)
    expect(() => buildSearch({ srcPort: '70000' })).toThrow(/port number/)
    expect(() => buildSearch({ limit: '0' })).toThrow(/Limit/)
    expect(() => buildSearch({ method: 'INV ITE$' })).toThrow(/neither a SIP method/)
  })

  it('names the filled-in fields a call search cannot use', () => {
    expect(ignoredInCallSearch({ fromUser: 'alice', cseq: '1 INVITE', reason: 'busy', method: '486 5xx' })).toEqual(['CSeq', 'reason'])
    expect(ignoredInCallSearch({ method: 'INVITE', srcIp: '10.0.0.1', dstIp: '10.0.0.2', diversion: '900' })).toEqual(['method', 'Diversion', 'destination IP'])
    expect(ignoredInCallSearch({ fromUser: 'alice', kind: 'call', range: '1h' })).toEqual([])
  })

  it('builds the call (dialog) filter from the same form', () => {
    expect(buildDialogFilter({ range: '1h', fromUser: 'alice', srcIp: '10.0.0.1', method: '486', kind: 'call' }, now)).toEqual({
      from: '2026-11-27T11:00:00.000000Z', to: '2026-11-27T12:00:00.000000Z', fromUser: 'alice', ip: '10.0.0.1', finalStatus: [486], kind: 'CALL',
    })
  })

  it('round-trips the form through the URL, dropping absolute times for quick ranges', () => {
    const q = queryFromForm({ range: '1h', from: '2026-11-27T10:00', fromUser: 'alice', callId: '' })
    expect(q).toEqual({ range: '1h', fromUser: 'alice' })
    expect(formFromQuery(q as Record<string, string>)).toMatchObject({ range: '1h', fromUser: 'alice' })
  })
})

describe('header conditions and declared fields', () => {
  const now = new Date('2026-12-06T12:00:00Z')

  it('turns "name: value" lines into ANDed conditions, keeps colons in values and skips blank rows', () => {
    const built = buildSearch({ range: '1h', headers: 'P-Asserted-Identity: *+4930*\n: \nf: "A" <sip:a@b>;tag=1', fields: 'pai_user: +4930123' }, now)
    expect(built.filter.headers).toEqual([
      { name: 'P-Asserted-Identity', value: '*+4930*' },
      { name: 'f', value: '"A" <sip:a@b>;tag=1' },
    ])
    expect(built.filter.fields).toEqual([{ name: 'pai_user', value: '+4930123' }])
  })

  it('says what is wrong before a round trip: no time range, no value, a name that is not a header', () => {
    expect(() => buildSearch({ headers: 'X-Trunk: a' }, now)).toThrow(/needs a time range/)
    expect(() => buildSearch({ range: '1h', headers: 'X-Trunk: ' }, now)).toThrow(/needs a value/)
    expect(() => buildSearch({ range: '1h', headers: 'X Trunk: a' }, now)).toThrow(/not a valid name/)
    // Declared fields with an exact value need no range (the server answers them from an index).
    expect(buildSearch({ fields: 'cid: abc' }, now).filter).toEqual({ fields: [{ name: 'cid', value: 'abc' }] })
  })

  it('round-trips through the URL with the column', () => {
    const form = { range: '1h', headers: 'X-Trunk: t*', column: 'X-Trunk' }
    expect(formFromQuery(queryFromForm(form) as never)).toMatchObject(form)
    expect(conditionRows(conditionText([{ name: 'a', value: 'b:c' }]))).toEqual([{ name: 'a', value: 'b:c' }])
  })
})
