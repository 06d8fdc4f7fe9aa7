import { describe, expect, it } from 'vitest'
import { CALL, message } from '@/test/fixtures'
import { endpoint, messageKind, messageLabel, toRows } from './rows'

describe('toRows', () => {
  it('orders by capture time to the microsecond and labels methods and statuses', () => {
    const rows = toRows(CALL, 'UTC')
    expect(rows.map((r) => r.label)).toEqual(['INVITE', '100', '180', '200', 'ACK'])
    expect(rows.map((r) => r.delta)).toEqual(['+0.000 ms', '+7.543 ms', '+276.794 ms', '+1.877 s', '+1.887 s'])
    expect(rows[0]!.time).toBe('2026-11-27 10:00:00.123')
    expect(rows[1]!.source).toBe('10.0.0.2:5060')
  })

  it('keeps server order for equal stamps', () => {
    const t = '2026-11-27T10:00:00.000000Z'
    const rows = toRows([message({ id: 'b', timestamp: t, method: 'BYE' }), message({ id: 'a', timestamp: t, statusCode: 200 })])
    expect(rows.map((r) => r.message.id)).toEqual(['b', 'a'])
  })
})

describe('labels', () => {
  it('shows a response by its status code and classifies it', () => {
    expect(messageLabel({ method: null, statusCode: 486 })).toBe('486')
    expect(messageKind({ method: null, statusCode: 486 })).toBe('client-error')
    expect(messageKind({ method: null, statusCode: 183 })).toBe('provisional')
    expect(messageKind({ method: null, statusCode: 603 })).toBe('global-error')
    expect(messageKind({ method: 'OPTIONS', statusCode: null })).toBe('request')
  })

  it('brackets IPv6 addresses before the port', () => {
    expect(endpoint('2001:db8::1', 5060)).toBe('[2001:db8::1]:5060')
    expect(endpoint('192.0.2.7', 5080)).toBe('192.0.2.7:5080')
  })
})
