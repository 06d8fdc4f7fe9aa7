import { describe, expect, it } from 'vitest'
import { buildParameters, paramValues, RULE_FORMS, scopeError, thresholdSpec, toInput, validateRule, type RuleDraft } from './ruleForm'
import { ALARM_RULE_TYPES } from './api'

const draft = (over: Partial<RuleDraft> = {}): RuleDraft => ({
  name: 'errors', type: 'ERROR_RATE', threshold: '25', minCount: '20', windowSeconds: '300', cooldownSeconds: '600', scope: '', params: { mode: 'ratio', classes: '', groupBy: '' }, ...over,
})

describe('alarm rule form', () => {
  it('has a form, with help on every field, for every rule type the API knows', () => {
    for (const type of ALARM_RULE_TYPES) {
      expect(RULE_FORMS[type].summary).not.toBe('')
      for (const p of RULE_FORMS[type].params) expect(p.help).not.toBe('')
    }
  })

  it('reads parameters into fields and writes back only what was filled in, keeping keys it does not know', () => {
    expect(paramValues('AUTH_FAILURES', '{"statuses":[401,407]}')).toEqual({ statuses: '401, 407' })
    expect(buildParameters('AUTH_FAILURES', { statuses: '401, 403' }, '{"statuses":[401],"custom":true}')).toBe('{"custom":true,"statuses":[401,403]}')
    expect(buildParameters('SHORT_CALLS', { maxDurationSeconds: '' }, '{"maxDurationSeconds":5}')).toBeNull()
    // Another type's parameters do not travel with a type change.
    expect(buildParameters('LOW_MOS', {}, '{"mode":"count","groupBy":"client"}')).toBeNull()
  })

  it('says what is wrong next to each field', () => {
    expect(validateRule(draft())).toEqual({})
    expect(validateRule(draft({ name: ' ', threshold: '150', windowSeconds: '0', scope: 'ip:999.1.1.1', params: { mode: 'ratio', classes: '5, 7', groupBy: '' } }))).toEqual({
      name: 'Give the rule a name.',
      threshold: 'At most 100.',
      windowSeconds: 'At least 1.',
      scope: '“999.1.1.1” is not an IP address.',
      'param.classes': '“7” is not a number from 4 to 6.',
    })
    // In count mode the threshold is a count, not a percentage.
    expect(thresholdSpec('ERROR_RATE', { mode: 'count' })!.label).toBe('Failed calls')
    expect(validateRule(draft({ threshold: '150', params: { mode: 'count', classes: '', groupBy: '' } }))).toEqual({})
  })

  it('accepts the scopes the server accepts', () => {
    for (const ok of ['', 'ip:10.0.0.0/8', 'ip:192.0.2.1', 'ip:2001:db8::/32', 'node:edge-1', 'userAgent:friendly*']) expect(scopeError(ok)).toBeNull()
    expect(scopeError('ip:10.0.0.0/33')).toBe('The prefix length must be 0–32.')
    expect(scopeError('host:1.2.3.4')).toMatch(/^Use ip:/)
  })

  it('sends no threshold or scope for the types that use none', () => {
    const input = toInput(draft({ type: 'STORAGE_STALLED', threshold: '5', scope: 'node:x', params: {} }), { enabled: true, severity: 'CRITICAL', parameters: null })
    expect([input.threshold, input.scope, input.minCount, input.parameters]).toEqual([null, null, null, null])
  })
})
