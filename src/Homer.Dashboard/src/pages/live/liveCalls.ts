import type { CallEvent } from './api'

/** A call as the live list shows it, folded from its events. */
export interface LiveCall {
  callId: string
  kind: string | null
  state: string
  fromUser: string | null
  toUser: string | null
  ruriUser: string | null
  startedAt: string | null
  updatedAt: string | null
  finalStatus: number | null
  finalReason: string | null
  durationMs: number | null
  mos: number | null
  legs: string[]
  ended: boolean
}

/**
 * Applies one event to the list (newest call first), keeping at most `max` calls. Returns the lost-event count
 * for DROPPED notices so the page can say that the list is incomplete.
 */
export function applyCallEvent(calls: LiveCall[], e: CallEvent, max = 500): { calls: LiveCall[]; dropped: number } {
  if (e.type === 'DROPPED' || e.type === 'SKIPPED') return { calls, dropped: e.dropped ?? 0 }
  if (!e.callId) return { calls, dropped: 0 }
  const at = calls.findIndex((c) => c.callId === e.callId)
  const old: LiveCall =
    at >= 0
      ? calls[at]!
      : { callId: e.callId, kind: e.kind, state: 'TRYING', fromUser: null, toUser: null, ruriUser: null, startedAt: e.timestamp, updatedAt: e.timestamp, finalStatus: null, finalReason: null, durationMs: null, mos: null, legs: [], ended: false }
  const next: LiveCall = {
    ...old,
    kind: e.kind ?? old.kind,
    state: e.state ?? old.state,
    fromUser: e.fromUser ?? old.fromUser,
    toUser: e.toUser ?? old.toUser,
    ruriUser: e.ruriUser ?? old.ruriUser,
    updatedAt: e.timestamp ?? old.updatedAt,
    finalStatus: e.finalStatus ?? old.finalStatus,
    finalReason: e.finalReason ?? old.finalReason,
    durationMs: e.durationMs ?? old.durationMs,
    mos: e.mosLq ?? old.mos,
    legs: e.type === 'LEG_LINKED' && e.legCallId && !old.legs.includes(e.legCallId) ? [...old.legs, e.legCallId] : old.legs,
    ended: old.ended || e.type === 'DIALOG_ENDED',
  }
  const rest = at >= 0 ? [...calls.slice(0, at), ...calls.slice(at + 1)] : calls
  // A new call goes on top; an update keeps its place so rows do not jump while being read.
  const out = at >= 0 ? [...rest.slice(0, at), next, ...rest.slice(at)] : [next, ...rest]
  return { calls: out.slice(0, max), dropped: 0 }
}
