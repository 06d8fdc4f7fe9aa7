import { describe, expect, it } from 'vitest'
import type { CallEvent } from './api'
import { applyCallEvent, type LiveCall } from './liveCalls'

const ev = (over: Partial<CallEvent>): CallEvent => ({
  type: 'STATE_CHANGED', callId: 'c1', timestamp: '2026-11-27T10:00:00Z', kind: 'CALL', state: null, finalStatus: null, finalReason: null,
  fromUser: null, toUser: null, ruriUser: null, durationMs: null, endedByTimeout: null, legCallId: null, mosLq: null, dropped: null, skipped: null, ...over,
})

describe('applyCallEvent', () => {
  it('folds a call from start to end', () => {
    let calls: LiveCall[] = []
    for (const e of [
      ev({ type: 'DIALOG_STARTED', state: 'TRYING', fromUser: 'alice', toUser: 'bob' }),
      ev({ state: 'RINGING' }),
      ev({ state: 'ANSWERED' }),
      ev({ type: 'DIALOG_ENDED', state: 'COMPLETED', durationMs: 7400, finalStatus: 200 }),
    ])
      calls = applyCallEvent(calls, e).calls
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ callId: 'c1', state: 'COMPLETED', fromUser: 'alice', toUser: 'bob', durationMs: 7400, ended: true, finalStatus: 200 })
  })

  it('puts new calls on top, keeps updated ones in place, caps the list and counts drops', () => {
    let calls: LiveCall[] = []
    calls = applyCallEvent(calls, ev({ type: 'DIALOG_STARTED', callId: 'a' })).calls
    calls = applyCallEvent(calls, ev({ type: 'DIALOG_STARTED', callId: 'b' })).calls
    calls = applyCallEvent(calls, ev({ callId: 'a', state: 'RINGING' })).calls
    expect(calls.map((c) => c.callId)).toEqual(['b', 'a'])
    calls = applyCallEvent(calls, ev({ type: 'DIALOG_STARTED', callId: 'c' }), 2).calls
    expect(calls.map((c) => c.callId)).toEqual(['c', 'b'])
    expect(applyCallEvent(calls, ev({ type: 'DROPPED', callId: null, dropped: 12 })).dropped).toBe(12)
  })
})
