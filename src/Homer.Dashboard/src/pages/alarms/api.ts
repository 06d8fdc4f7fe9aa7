import { gql } from '@/api/graphql'

export const ALARM_RULE_TYPES = [
  'SCANNER', 'AUTH_FAILURES', 'ERROR_RATE', 'LOW_ASR', 'LOW_MOS', 'HIGH_PACKET_LOSS', 'REGISTRATION_STORM', 'HOST_UNREACHABLE', 'SHORT_CALLS', 'RETRANSMISSIONS', 'STORAGE_STALLED',
] as const
export type AlarmRuleType = (typeof ALARM_RULE_TYPES)[number]
export type AlarmState = 'ACTIVE' | 'ACKNOWLEDGED' | 'RESOLVED'
export type AlarmSeverity = 'INFO' | 'WARNING' | 'CRITICAL'

export interface Alarm {
  id: string
  ruleId: string
  ruleType: AlarmRuleType
  severity: AlarmSeverity
  state: AlarmState
  count: number
  firstSeen: string
  lastSeen: string
  scope: string
  message: string
  exampleCallIds: string[]
  acknowledgedBy: string | null
  resolvedAt: string | null
}
export interface AlarmFilter {
  state?: AlarmState
  ruleType?: AlarmRuleType
  from?: string
  to?: string
}
export interface AlarmRule {
  id: string
  name: string
  type: AlarmRuleType
  enabled: boolean
  severity: AlarmSeverity
  threshold: number | null
  windowSeconds: number
  minCount: number | null
  cooldownSeconds: number
  scope: string | null
  parameters: string | null
}
export type AlarmRuleInput = Omit<AlarmRule, 'id'>

const ALARM = 'id ruleId ruleType severity state count firstSeen lastSeen scope message exampleCallIds acknowledgedBy resolvedAt'
const RULE = 'id name type enabled severity threshold windowSeconds minCount cooldownSeconds scope parameters'

export const ALARMS_QUERY = gql<{ alarms: Alarm[] }, { filter?: AlarmFilter }>(`query Alarms($filter: AlarmFilter) { alarms(filter: $filter) { ${ALARM} } }`, 'Alarms')
export const ACK_ALARM = gql<{ acknowledgeAlarm: Alarm }, { id: string }>(`mutation AcknowledgeAlarm($id: ID!) { acknowledgeAlarm(id: $id) { ${ALARM} } }`, 'AcknowledgeAlarm')
export const ALARM_SUBSCRIPTION = gql<{ alarms: Alarm }, Record<string, never>>(`subscription AlarmFeed { alarms { ${ALARM} } }`, 'AlarmFeed')
export const RULES_QUERY = gql<{ alarmRules: AlarmRule[] }>(`query AlarmRules { alarmRules { ${RULE} } }`, 'AlarmRules')
export const CREATE_RULE = gql<{ createAlarmRule: AlarmRule }, { input: AlarmRuleInput }>(
  `mutation CreateAlarmRule($input: AlarmRuleInput!) { createAlarmRule(input: $input) { ${RULE} } }`,
  'CreateAlarmRule',
)
export const UPDATE_RULE = gql<{ updateAlarmRule: AlarmRule }, { id: string; input: AlarmRuleInput }>(
  `mutation UpdateAlarmRule($id: ID!, $input: AlarmRuleInput!) { updateAlarmRule(id: $id, input: $input) { ${RULE} } }`,
  'UpdateAlarmRule',
)
export const DELETE_RULE = gql<{ deleteAlarmRule: boolean }, { id: string }>(`mutation DeleteAlarmRule($id: ID!) { deleteAlarmRule(id: $id) }`, 'DeleteAlarmRule')

/** Newest activity first, active before acknowledged before resolved. */
export function mergeAlarm(list: readonly Alarm[], alarm: Alarm): Alarm[] {
  const rest = list.filter((a) => a.id !== alarm.id)
  const rank: Record<AlarmState, number> = { ACTIVE: 0, ACKNOWLEDGED: 1, RESOLVED: 2 }
  return [alarm, ...rest].sort((a, b) => rank[a.state] - rank[b.state] || b.lastSeen.localeCompare(a.lastSeen))
}
