/**
 * Capture times arrive as ISO-8601 UTC strings with microseconds. Date keeps only milliseconds, so the exact
 * value is kept as integer microseconds for ordering and deltas, and Date is used only for calendar fields.
 */

import { reactive } from 'vue'

/**
 * How every time in the dashboard is shown: 24-hour (default) or 12-hour, in the browser's zone (default) or UTC.
 * Reactive, so views re-render when the user changes it (stores/timeFormat.ts saves the choice).
 */
export interface TimeFormat {
  hour12: boolean
  utc: boolean
}
export const timeFormat = reactive<TimeFormat>({ hour12: false, utc: false })

/** The zone times are shown in: the one given, else the user's choice (UTC or the browser's, undefined). */
export function displayZone(timeZone?: string): string | undefined {
  return timeZone ?? (timeFormat.utc ? 'UTC' : undefined)
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)$/i

/** Microseconds since the Unix epoch, or null when the text is not an ISO-8601 timestamp with an offset. */
export function epochMicros(iso: string): number | null {
  const m = ISO_TIMESTAMP.exec(iso.trim())
  if (!m) return null
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!)
  if (Number.isNaN(ms)) return null
  const micros = Number(frac.padEnd(6, '0').slice(0, 6))
  return (ms - offsetMinutes(zone) * 60_000) * 1000 + micros
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'))
}

const partFormatters = new Map<string, Intl.DateTimeFormat>()

function partsFormatter(timeZone: string | undefined, hour12: boolean): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}|${hour12}`
  let f = partFormatters.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: hour12 ? 'h12' : 'h23',
    })
    partFormatters.set(key, f)
  }
  return f
}

function partsOf(ms: number, timeZone: string | undefined, hour12: boolean): Record<string, string> {
  const parts: Record<string, string> = {}
  for (const p of partsFormatter(displayZone(timeZone), hour12).formatToParts(new Date(ms))) parts[p.type] = p.value
  return parts
}

/**
 * "2026-11-27 11:00:00.123" (or "2026-11-27 11:00:00.123 AM" in 12-hour form) in the given time zone, else the
 * user's (see {@link timeFormat}). Milliseconds are truncated, not rounded, so a time never moves into the next
 * second. Unparseable input is shown as it came. The date is always the first 10 characters and a space.
 */
export function formatTimestamp(iso: string, timeZone?: string): string {
  const micros = epochMicros(iso)
  if (micros === null) return iso
  return formatEpochMs(Math.floor(micros / 1000), timeZone)
}

/** {@link formatTimestamp} for milliseconds since the epoch; `precision` "ms", "s" or "min" (for axis labels). */
export function formatEpochMs(ms: number, timeZone?: string, precision: 'ms' | 's' | 'min' = 'ms'): string {
  const hour12 = timeFormat.hour12
  const p = partsOf(ms, timeZone, hour12)
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0')
  const time = precision === 'min' ? `${p.hour}:${p.minute}` : precision === 's' ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}:${p.second}.${millis}`
  return `${p.year}-${p.month}-${p.day} ${time}${hour12 ? ` ${p.dayPeriod}` : ''}`
}

/**
 * Reads a time typed in the pickers: "2026-11-27 00:21", "2026-11-27T00:21:44.5" (24-hour, in the zone the picker
 * shows: the given one, else the user's), or with an explicit offset ("…Z", "…+01:00"). Milliseconds, or null.
 */
export function parseTimeInput(text: string, timeZone?: string): number | null {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i.exec(text)
  if (!m) return null
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', offset] = m
  if (+mo! < 1 || +mo! > 12 || +d! < 1 || +d! > 31 || +h > 23 || +mi > 59 || +sec > 59) return null
  const wall = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +sec, Number(frac.padEnd(3, '0').slice(0, 3)))
  if (offset) return wall - offsetMinutes(offset) * 60_000
  const zone = displayZone(timeZone)
  // The zone's offset at that wall time: guess from the offset at the wall time read as UTC, then correct once.
  let at = wall - zoneOffsetMs(wall, zone)
  at = wall - zoneOffsetMs(at, zone)
  return at
}

function zoneOffsetMs(ms: number, zone: string | undefined): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0
  const p = partsOf(ms, zone, false)
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour! % 24, +p.minute!, +p.second!)
  return asUtc - Math.floor(ms / 1000) * 1000
}

/** What a picker shows for an instant: "2026-11-27 00:21:44" (24-hour) in the given zone, else the user's. */
export function toTimeInput(value: Date | number, timeZone?: string): string {
  const ms = typeof value === 'number' ? value : value.getTime()
  const p = partsOf(ms, timeZone, false)
  const millis = ms % 1000
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}${millis ? `.${String(millis).padStart(3, '0')}` : ''}`
}

/** The zone's name and its current UTC offset, e.g. "Europe/Berlin, UTC+01:00", for column headers. */
export function timeZoneLabel(timeZone?: string, at: Date = new Date()): string {
  const name = displayZone(timeZone) ?? Intl.DateTimeFormat().resolvedOptions().timeZone
  const offsetPart = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value
  const offset = !offsetPart || offsetPart === 'GMT' ? 'UTC' : offsetPart.replace('GMT', 'UTC')
  return name === 'UTC' || name === 'Etc/UTC' ? 'UTC' : `${name}, ${offset}`
}

/** "+1.234 ms" style offsets between messages of one call; SIP timers live in the millisecond range. */
export function formatDelta(micros: number): string {
  const sign = micros < 0 ? '−' : '+'
  const abs = Math.abs(micros)
  if (abs < 1_000_000) return `${sign}${(abs / 1000).toFixed(3)} ms`
  return `${sign}${(abs / 1_000_000).toFixed(3)} s`
}

/** ISO-8601 UTC with six fractional digits: the form the API's DateTime scalar prints and expects. */
export function toIsoMicros(value: Date | number): string {
  const ms = typeof value === 'number' ? value : value.getTime()
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

/** Call durations: "42.3 s", "12:05" (m:ss) or "1:02:05" (h:mm:ss). */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const total = Math.round(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

/**
 * A KPI's duration for people: "0.4 ms", "3.2 ms", "420 ms", "1.2 s", "42 s", then m:ss. "—" without a value.
 * Sub-second values keep their unit (ACD of 0.2-1.5 s calls must not read "0 s").
 */
export function formatMillis(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—'
  const abs = Math.abs(ms)
  if (abs < 10) return `${ms.toFixed(1)} ms`
  if (abs < 1000) return `${Math.round(ms)} ms`
  if (abs < 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (abs < 60_000) return `${Math.round(ms / 1000)} s`
  return formatDuration(ms)
}

/** A percentage with one decimal, "—" without a value. */
export function formatPercent(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '—' : `${value.toFixed(1)} %`
}
