import { gql } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'

/** For the rule form's picker; the type checks it lists only the schema's values. */
export const ALARM_RULE_TYPES = [
  'SCANNER', 'AUTH_FAILURES', 'ERROR_RATE', 'LOW_ASR', 'LOW_MOS', 'HIGH_PACKET_LOSS', 'REGISTRATION_STORM', 'HOST_UNREACHABLE', 'SHORT_CALLS', 'RETRANSMISSIONS', 'STORAGE_STALLED',
] as const satisfies readonly Schema.AlarmRuleType[]
export type AlarmRuleType = Schema.AlarmRuleType
export type AlarmState = Schema.AlarmState
export type AlarmSeverity = Schema.AlarmSeverity

// The fields the queries select, written once: the query strings join them, the types pick them from the schema
// (src/api/schema.generated.ts).
const ALARM_FIELDS = [
  'id', 'ruleId', 'ruleType', 'severity', 'state', 'count', 'firstSeen', 'lastSeen', 'scope', 'message', 'exampleCallIds', 'acknowledgedBy',
  'resolvedAt',
] as const satisfies readonly (keyof Schema.Alarm)[]
const RULE_FIELDS = [
  'id', 'name', 'type', 'enabled', 'severity', 'threshold', 'windowSeconds', 'minCount', 'cooldownSeconds', 'scope', 'parameters',
] as const satisfies readonly (keyof Schema.AlarmRule)[]

export type Alarm = Pick<Schema.Alarm, (typeof ALARM_FIELDS)[number]>
/** The filter as this page sends it: no nulls. */
export type AlarmFilter = { [K in keyof Schema.AlarmFilter]?: NonNullable<Schema.AlarmFilter[K]> }
export type AlarmRule = Pick<Schema.AlarmRule, (typeof RULE_FIELDS)[number]>
/** The rule form sends every field (the schema's input leaves most optional). */
export type AlarmRuleInput = Omit<AlarmRule, 'id'>

const ALARM = ALARM_FIELDS.join(' ')
const RULE = RULE_FIELDS.join(' ')

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
