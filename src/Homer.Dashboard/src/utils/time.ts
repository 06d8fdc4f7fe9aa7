/**
 * Capture times arrive as ISO-8601 UTC strings with microseconds. Date keeps only milliseconds, so the exact
 * value is kept as integer microseconds for ordering and deltas, and Date is used only for calendar fields.
 */

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

function partsFormatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? ''
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
      hourCycle: 'h23',
    })
    partFormatters.set(key, f)
  }
  return f
}

/**
 * "2026-11-27 11:00:00.123" in the given time zone (the browser's by default). Milliseconds are truncated,
 * not rounded, so a time never moves into the next second. Unparseable input is shown as it came.
 */
export function formatTimestamp(iso: string, timeZone?: string): string {
  const micros = epochMicros(iso)
  if (micros === null) return iso
  const ms = Math.floor(micros / 1000)
  const parts: Record<string, string> = {}
  for (const p of partsFormatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0')
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}.${millis}`
}

/** The zone's name and its current UTC offset, e.g. "Europe/Berlin, UTC+01:00", for column headers. */
export function timeZoneLabel(timeZone?: string, at: Date = new Date()): string {
  const name = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone
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

/** A datetime-local input's value ("2026-11-27T10:00:00.000") for an instant, in the browser's zone. */
export function toLocalInput(value: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}T${pad(value.getHours())}:${pad(value.getMinutes())}:${pad(value.getSeconds())}.${pad(value.getMilliseconds(), 3)}`
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
