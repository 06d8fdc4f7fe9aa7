import { gql } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'

/** What AGENTS_QUERY selects, typed from the schema (src/api/schema.generated.ts). */
export type AgentSummary = Pick<
  Schema.Agent,
  | 'name' | 'version' | 'host' | 'address' | 'health' | 'lastSeen' | 'intervalSeconds' | 'planVersion' | 'desiredVersion'
  | 'confirmed' | 'applyError' | 'problems' | 'desiredFilter' | 'desiredInput'
> & {
  counters: Pick<Schema.AgentCounters, 'packets' | 'sipMessages' | 'hepSent' | 'dropped' | 'buffered'>
  inputs: Pick<Schema.AgentInput, 'name' | 'kind' | 'source' | 'filter' | 'plan'>[]
}

const AGENT = `name version host address health lastSeen intervalSeconds planVersion desiredVersion confirmed applyError problems
  desiredFilter desiredInput counters { packets sipMessages hepSent dropped buffered } inputs { name kind source filter plan }`

export const AGENTS_QUERY = gql<{ agents: AgentSummary[] }>(`query Agents { agents { ${AGENT} } }`, 'Agents')

export const SET_AGENT_FILTER = gql<{ setAgentFilter: AgentSummary }, { name: string; bpf: string; input: string | null }>(
  `mutation SetAgentFilter($name: String!, $bpf: String!, $input: String) { setAgentFilter(name: $name, bpf: $bpf, input: $input) { ${AGENT} } }`,
  'SetAgentFilter',
)

export const CREATE_AGENT_TOKEN = gql<{ createAgentToken: { name: string; token: string } }, { name: string }>(
  `mutation CreateAgentToken($name: String!) { createAgentToken(name: $name) { name token } }`,
  'CreateAgentToken',
)
