import { describe, expect, it } from 'vitest'
import { afterEach } from 'vitest'
import { epochMicros, formatDelta, formatEpochMs, formatMillis, formatPercent, formatTimestamp, parseTimeInput, timeFormat, timeZoneLabel, toIsoMicros, toTimeInput } from './time'

describe('epochMicros', () => {
  it('keeps the microseconds that Date would drop', () => {
    expect(epochMicros('2026-11-27T10:00:00.123456Z')).toBe(Date.UTC(2026, 10, 27, 10) * 1000 + 123_456)
  })

  it('orders two stamps in the same millisecond', () => {
    expect(epochMicros('2026-11-27T10:00:00.123457Z')! - epochMicros('2026-11-27T10:00:00.123456Z')!).toBe(1)
  })

  it('applies offsets and pads short fractions', () => {
    expect(epochMicros('2026-11-27T11:00:00.5+01:00')).toBe(Date.UTC(2026, 10, 27, 10) * 1000 + 500_000)
    expect(epochMicros('2026-11-27T05:30:00-0430')).toBe(Date.UTC(2026, 10, 27, 10) * 1000)
  })

  it('rejects text that is not a timestamp with a zone', () => {
    expect(epochMicros('yesterday')).toBeNull()
    expect(epochMicros('2026-11-27T10:00:00')).toBeNull()
  })
})

describe('formatTimestamp', () => {
  it('shows a microsecond ISO stamp with milliseconds', () => {
    expect(formatTimestamp('2026-11-27T10:00:00.123456Z', 'UTC')).toBe('2026-11-27 10:00:00.123')
  })

  it('truncates rather than rounds, so 59.9999 stays in the same second', () => {
    expect(formatTimestamp('2026-12-31T23:59:59.999999Z', 'UTC')).toBe('2026-12-31 23:59:59.999')
  })

  it('converts to the display time zone, across a date line', () => {
    expect(formatTimestamp('2026-11-27T23:30:00.000001Z', 'Europe/Berlin')).toBe('2026-11-28 00:30:00.000')
    expect(formatTimestamp('2026-07-01T00:15:00.250000Z', 'America/New_York')).toBe('2026-06-30 20:15:00.250')
  })

  it('shows midnight as 00, not 24', () => {
    expect(formatTimestamp('2026-11-27T00:00:00.000000Z', 'UTC')).toBe('2026-11-27 00:00:00.000')
  })

  it('passes unparseable input through so nothing is hidden', () => {
    expect(formatTimestamp('not a time', 'UTC')).toBe('not a time')
  })
})

describe('timeZoneLabel', () => {
  it('names the zone and its offset at the given date', () => {
    expect(timeZoneLabel('Europe/Berlin', new Date(Date.UTC(2026, 0, 1)))).toBe('Europe/Berlin, UTC+01:00')
    expect(timeZoneLabel('Europe/Berlin', new Date(Date.UTC(2026, 6, 1)))).toBe('Europe/Berlin, UTC+02:00')
    expect(timeZoneLabel('UTC')).toBe('UTC')
  })
})

describe('formatDelta', () => {
  it('uses milliseconds below a second and seconds above', () => {
    expect(formatDelta(0)).toBe('+0.000 ms')
    expect(formatDelta(7_543)).toBe('+7.543 ms')
    expect(formatDelta(1_876_545)).toBe('+1.877 s')
  })
})

describe('toIsoMicros', () => {
  it('prints six fractional digits in UTC', () => {
    expect(toIsoMicros(new Date(Date.UTC(2026, 10, 27, 10, 0, 0, 42)))).toBe('2026-11-27T10:00:00.042000Z')
  })
})

describe('formatMillis', () => {
  it('gives KPI durations a unit and a precision people read', () => {
    expect(formatMillis(25.758715678242055)).toBe('26 ms')
    expect(formatMillis(1.5)).toBe('1.5 ms')
    expect(formatMillis(0)).toBe('0.0 ms')
    expect(formatMillis(420.4)).toBe('420 ms')
    expect(formatMillis(1234)).toBe('1.2 s')
    expect(formatMillis(0.65 * 1000)).toBe('650 ms')
    expect(formatMillis(42_400)).toBe('42 s')
    expect(formatMillis(125_000)).toBe('2:05')
    expect(formatMillis(null)).toBe('—')
    expect(formatPercent(66.66666)).toBe('66.7 %')
    expect(formatPercent(null)).toBe('—')
  })
})

describe('the time format the user chose', () => {
  afterEach(() => Object.assign(timeFormat, { hour12: false, utc: false }))

  it('is 24-hour by default and 12-hour with AM/PM kept when chosen', () => {
    const iso = '2026-11-27T00:21:44.123456Z'
    expect(formatTimestamp(iso, 'UTC')).toBe('2026-11-27 00:21:44.123')
    timeFormat.hour12 = true
    expect(formatTimestamp(iso, 'UTC')).toBe('2026-11-27 12:21:44.123 AM')
    expect(formatTimestamp('2026-11-27T13:05:00Z', 'UTC')).toBe('2026-11-27 01:05:00.000 PM')
  })

  it('shows UTC everywhere when chosen, and says so', () => {
    timeFormat.utc = true
    expect(formatTimestamp('2026-11-27T00:21:44Z')).toBe('2026-11-27 00:21:44.000')
    expect(timeZoneLabel()).toBe('UTC')
    expect(formatEpochMs(Date.UTC(2026, 10, 27, 0, 21, 44), undefined, 'min')).toBe('2026-11-27 00:21')
  })

  it('reads what is typed in the picker as 24-hour time in the zone shown', () => {
    timeFormat.utc = true
    expect(parseTimeInput('2026-11-27 00:21')).toBe(Date.UTC(2026, 10, 27, 0, 21))
    expect(parseTimeInput('2026-11-27T00:21:44.5')).toBe(Date.UTC(2026, 10, 27, 0, 21, 44, 500))
    expect(parseTimeInput('2026-11-27 12:21:44')).toBe(Date.UTC(2026, 10, 27, 12, 21, 44))
    expect(parseTimeInput('2026-11-27T00:21:00Z')).toBe(Date.UTC(2026, 10, 27, 0, 21))
    expect(parseTimeInput('2026-11-27T01:21:00+01:00')).toBe(Date.UTC(2026, 10, 27, 0, 21))
    expect(parseTimeInput('2026-11-27 00:21', 'Europe/Berlin')).toBe(Date.UTC(2026, 10, 26, 23, 21))
    expect(parseTimeInput('2026-07-01 00:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 5, 30, 22, 0))
    expect(parseTimeInput('11/27/2026, 12:21:44 AM')).toBeNull()
    expect(parseTimeInput('2026-11-27 24:00')).toBeNull()
    expect(toTimeInput(Date.UTC(2026, 10, 27, 0, 21, 44))).toBe('2026-11-27 00:21:44')
    expect(toTimeInput(Date.UTC(2026, 10, 27, 0, 21, 44), 'Europe/Berlin')).toBe('2026-11-27 01:21:44')
  })
})
