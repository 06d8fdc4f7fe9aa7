import { describe, expect, it } from 'vitest'
import { buildMessageFilter, FilterError, formFromQuery, hasCriteria, queryFromFilter } from './filter'

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
