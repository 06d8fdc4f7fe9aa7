import type { AlarmRuleInput, AlarmRuleType } from './api'

/**
 * The rule editor's form per rule type: what the threshold and minimum count mean for that type, its own
 * parameters as fields, and checks that run as the admin types. Mirrors the server's AlarmRule (Homer.Storage) and
 * docs/alarms-and-statistics.md; the server still validates everything it receives.
 */

export interface NumberSpec {
  label: string
  help: string
  min?: number
  max?: number
  integer?: boolean
}

export type ParamSpec =
  | { key: string; kind: 'number'; label: string; help: string; min?: number; max?: number; placeholder?: string }
  | { key: string; kind: 'list'; label: string; help: string; placeholder?: string }
  | { key: string; kind: 'ints'; label: string; help: string; min: number; max: number; placeholder?: string }
  | { key: string; kind: 'select'; label: string; help: string; options: { value: string; label: string }[] }

export interface RuleTypeForm {
  summary: string
  /** Absent: the type does not use a threshold. */
  threshold?: NumberSpec | ((params: ParamValues) => NumberSpec)
  minCount?: NumberSpec
  scope: boolean
  params: ParamSpec[]
}

/** Parameter values as the form holds them (text, as typed). */
export type ParamValues = Record<string, string>

const GROUP_BY: ParamSpec = {
  key: 'groupBy',
  kind: 'select',
  label: 'One alarm per',
  help: 'Raise one alarm for everything in scope, or one per caller (client) or callee (server) address.',
  options: [
    { value: '', label: 'the whole scope' },
    { value: 'client', label: 'client address' },
    { value: 'server', label: 'server address' },
  ],
}
const PERCENT = { min: 0, max: 100 }
const COUNT = { min: 1, integer: true }

export const RULE_FORMS: Record<AlarmRuleType, RuleTypeForm> = {
  SCANNER: {
    summary: 'Dialogs whose User-Agent names a known scanner; one alarm per source address.',
    threshold: { label: 'Scanner dialogs', help: 'Raise when a source sends at least this many in the window.', ...COUNT },
    scope: true,
    params: [{ key: 'userAgents', kind: 'list', label: 'Scanner names', help: 'Comma-separated parts of a User-Agent; empty: friendly-scanner, sipvicious, sipcli, VaxSIPUserAgent, sundayddr, iWar, sip-scan, SIPScan, pplsip.', placeholder: 'friendly-scanner, sipvicious' }],
  },
  AUTH_FAILURES: {
    summary: 'Authentication challenges and refusals answered to one source (brute force); one alarm per source.',
    threshold: { label: 'Failed answers', help: 'Raise when one source gets at least this many in the window.', ...COUNT },
    scope: true,
    params: [{ key: 'statuses', kind: 'ints', label: 'Statuses counted', help: 'Comma-separated SIP statuses; empty: 401, 403, 407.', min: 100, max: 699, placeholder: '401, 403, 407' }],
  },
  ERROR_RATE: {
    summary: 'Failed calls of the chosen status classes, as a share of attempts or as a count.',
    threshold: (p) =>
      p.mode === 'count'
        ? { label: 'Failed calls', help: 'Raise when at least this many calls fail in the window.', ...COUNT }
        : { label: 'Failed calls (% of attempts)', help: 'Raise when this share of attempts fails, 0–100.', ...PERCENT },
    minCount: { label: 'Min attempts', help: 'Stay quiet below this many attempts in the window (a ratio of 2 calls says little).', min: 0, integer: true },
    scope: true,
    params: [
      { key: 'mode', kind: 'select', label: 'Measure', help: 'A percentage of attempts, or a plain count.', options: [{ value: 'ratio', label: '% of attempts' }, { value: 'count', label: 'count' }] },
      { key: 'classes', kind: 'ints', label: 'Status classes', help: 'Comma-separated: 4 (4xx), 5 (5xx), 6 (6xx); empty: 4, 5, 6.', min: 4, max: 6, placeholder: '5, 6' },
      GROUP_BY,
    ],
  },
  LOW_ASR: {
    summary: 'Answer-seizure ratio (answered / attempts) below a percentage.',
    threshold: { label: 'ASR below (%)', help: 'Raise when fewer than this percent of attempts are answered, 0–100.', ...PERCENT },
    minCount: { label: 'Min attempts', help: 'Stay quiet below this many attempts in the window.', min: 0, integer: true },
    scope: true,
    params: [GROUP_BY],
  },
  LOW_MOS: {
    summary: 'Calls with a quality report below a MOS (each call counted once).',
    threshold: { label: 'MOS below', help: 'A call counts when a report gives a MOS under this, 1–5.', min: 1, max: 5 },
    minCount: { label: 'Calls', help: 'Raise when at least this many calls count in the window.', ...COUNT },
    scope: true,
    params: [],
  },
  HIGH_PACKET_LOSS: {
    summary: 'Calls with packet loss (or jitter) above a limit.',
    threshold: { label: 'Loss above (%)', help: 'A call counts when a report gives more loss than this, 0–100.', ...PERCENT },
    minCount: { label: 'Calls', help: 'Raise when at least this many calls count in the window.', ...COUNT },
    scope: true,
    params: [{ key: 'jitterMs', kind: 'number', label: 'Or jitter above (ms)', help: 'Optional: a call also counts when its jitter exceeds this.', min: 0, placeholder: 'not used' }],
  },
  REGISTRATION_STORM: {
    summary: 'New registration dialogs in the window (a storm after an outage, or a flood).',
    threshold: { label: 'New registrations', help: 'Raise when at least this many start in the window.', ...COUNT },
    scope: true,
    params: [GROUP_BY],
  },
  HOST_UNREACHABLE: {
    summary: 'An OPTIONS target that got probes but no 2xx for the whole window; resolved by its next 2xx. No threshold.',
    scope: true,
    params: [],
  },
  SHORT_CALLS: {
    summary: 'Answered calls shorter than a duration (robocalls, one-way audio hang-ups).',
    threshold: { label: 'Short calls', help: 'Raise when at least this many end in the window.', ...COUNT },
    scope: true,
    params: [{ key: 'maxDurationSeconds', kind: 'number', label: 'Shorter than (s)', help: 'A call counts when it lasts less than this; empty: 5 s.', min: 0.1, placeholder: '5' }],
  },
  RETRANSMISSIONS: {
    summary: 'Retransmitted messages of ended dialogs, as a share of their messages.',
    threshold: { label: 'Retransmitted (% of messages)', help: 'Raise at this share or more, 0–100.', ...PERCENT },
    minCount: { label: 'Min messages', help: 'Stay quiet below this many messages in the window.', min: 0, integer: true },
    scope: true,
    params: [GROUP_BY],
  },
  STORAGE_STALLED: {
    summary: 'A node\u2019s batch writer has had work waiting without a successful write (its /healthz says degraded). Not about calls: no threshold or scope.',
    scope: false,
    params: [],
  },
}

/** Every parameter the form knows, of any type: a type change drops the old type's, keys set through the API stay. */
const FORM_KEYS = new Set(Object.values(RULE_FORMS).flatMap((f) => f.params.map((p) => p.key)))

export function thresholdSpec(type: AlarmRuleType, params: ParamValues): NumberSpec | null {
  const t = RULE_FORMS[type].threshold
  return t === undefined ? null : typeof t === 'function' ? t(params) : t
}

/** The form's parameter texts from a rule's JSON (unknown keys are kept aside by `buildParameters`). */
export function paramValues(type: AlarmRuleType, json: string | null): ParamValues {
  let parsed: Record<string, unknown> = {}
  try {
    const p = JSON.parse(json || '{}') as unknown
    if (p && typeof p === 'object' && !Array.isArray(p)) parsed = p as Record<string, unknown>
  } catch {
    // A rule stored with parameters the form cannot read starts from empty fields; saving rewrites them.
  }
  const values: ParamValues = {}
  for (const spec of RULE_FORMS[type].params) {
    const v = parsed[spec.key]
    values[spec.key] = Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v)
  }
  if (type === 'ERROR_RATE' && !values.mode) values.mode = 'ratio'
  return values
}

function listOf(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean)
}

/**
 * The rule's parameters JSON from the form: fields left empty fall back to the server's defaults (omitted), keys the
 * form does not know (set through the API) are kept.
 */
export function buildParameters(type: AlarmRuleType, values: ParamValues, original: string | null): string | null {
  let kept: Record<string, unknown> = {}
  try {
    const p = JSON.parse(original || '{}') as unknown
    if (p && typeof p === 'object' && !Array.isArray(p)) kept = { ...(p as Record<string, unknown>) }
  } catch {
    kept = {}
  }
  for (const key of FORM_KEYS) delete kept[key]
  for (const spec of RULE_FORMS[type].params) {
    const text = (values[spec.key] ?? '').trim()
    if (!text) continue
    if (spec.kind === 'list') kept[spec.key] = listOf(text)
    else if (spec.kind === 'ints') kept[spec.key] = listOf(text).map(Number)
    else if (spec.kind === 'number') kept[spec.key] = Number(text)
    else kept[spec.key] = text
  }
  return Object.keys(kept).length ? JSON.stringify(kept) : null
}

function checkNumber(text: string, spec: NumberSpec | { min?: number; max?: number; integer?: boolean }, required: boolean): string | null {
  const t = text.trim()
  if (!t) return required ? 'Required.' : null
  const n = Number(t)
  if (!Number.isFinite(n)) return 'Enter a number.'
  if (spec.integer && !Number.isInteger(n)) return 'Enter a whole number.'
  if (spec.min !== undefined && n < spec.min) return `At least ${spec.min}.`
  if (spec.max !== undefined && n > spec.max) return `At most ${spec.max}.`
  return null
}

export interface RuleDraft {
  name: string
  type: AlarmRuleType
  threshold: string
  minCount: string
  windowSeconds: string
  cooldownSeconds: string
  scope: string
  params: ParamValues
}

/** Field key → what is wrong with it, shown under the field; empty when the rule can be saved. */
export function validateRule(d: RuleDraft): Record<string, string> {
  const errors: Record<string, string> = {}
  const put = (key: string, message: string | null) => {
    if (message) errors[key] = message
  }
  if (!d.name.trim()) errors.name = 'Give the rule a name.'
  const threshold = thresholdSpec(d.type, d.params)
  if (threshold) put('threshold', checkNumber(d.threshold, threshold, false))
  const minCount = RULE_FORMS[d.type].minCount
  if (minCount) put('minCount', checkNumber(d.minCount, minCount, false))
  put('windowSeconds', checkNumber(d.windowSeconds, { min: 1, integer: true }, true))
  put('cooldownSeconds', checkNumber(d.cooldownSeconds, { min: 0, integer: true }, true))
  if (RULE_FORMS[d.type].scope) put('scope', scopeError(d.scope))
  for (const spec of RULE_FORMS[d.type].params) {
    const text = (d.params[spec.key] ?? '').trim()
    if (!text) continue
    if (spec.kind === 'number') put(`param.${spec.key}`, checkNumber(text, spec, false))
    else if (spec.kind === 'ints') {
      const bad = listOf(text).find((x) => !/^\d+$/.test(x) || Number(x) < spec.min || Number(x) > spec.max)
      if (bad !== undefined) put(`param.${spec.key}`, `“${bad}” is not a number from ${spec.min} to ${spec.max}.`)
    } else if (spec.kind === 'select' && !spec.options.some((o) => o.value === text)) put(`param.${spec.key}`, 'Pick one of the choices.')
  }
  return errors
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/

/** The server's scope forms: ip:<address or CIDR>, node:<HEP node>, userAgent:<pattern with *>; empty = all traffic. */
export function scopeError(scope: string): string | null {
  const s = scope.trim()
  if (!s) return null
  const colon = s.indexOf(':')
  const kind = colon < 0 ? '' : s.slice(0, colon)
  const value = colon < 0 ? s : s.slice(colon + 1)
  if (kind === 'node' || kind === 'userAgent') return value ? null : `Say which ${kind === 'node' ? 'node' : 'User-Agent'} after “${kind}:”.`
  if (kind !== 'ip') return 'Use ip:<address or CIDR>, node:<name> or userAgent:<pattern>, or leave empty for all traffic.'
  const [address = '', prefix] = value.split('/')
  const v6 = address.includes(':')
  if (!(v6 ? /^[0-9a-fA-F:.]+$/.test(address) : IPV4.test(address))) return `“${address}” is not an IP address.`
  if (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= (v6 ? 128 : 32))) return `The prefix length must be 0–${v6 ? 128 : 32}.`
  return null
}

/** The API input from a valid draft. */
export function toInput(d: RuleDraft, base: Pick<AlarmRuleInput, 'enabled' | 'severity' | 'parameters'>): AlarmRuleInput {
  const num = (t: string) => (t.trim() === '' ? null : Number(t))
  return {
    name: d.name.trim(),
    type: d.type,
    enabled: base.enabled,
    severity: base.severity,
    threshold: thresholdSpec(d.type, d.params) ? num(d.threshold) : null,
    minCount: RULE_FORMS[d.type].minCount ? num(d.minCount) : null,
    windowSeconds: Number(d.windowSeconds),
    cooldownSeconds: Number(d.cooldownSeconds),
    scope: RULE_FORMS[d.type].scope ? d.scope.trim() || null : null,
    parameters: buildParameters(d.type, d.params, base.parameters),
  }
}
