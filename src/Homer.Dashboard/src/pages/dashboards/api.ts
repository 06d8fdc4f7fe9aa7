import { gql, request } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'

/** The structures one row can have: column spans on a 12-column grid. */
export const ROW_LAYOUTS = ['12', '6-6', '4-4-4', '4-8', '8-4', '3-3-3-3'] as const
/** Rows top to bottom, separated by '/', as the HOMER 5 seed writes them; the server takes up to this many. */
export const MAX_ROWS = 6
/** The layouts offered when a dashboard is made: one row, or the seed's multi-row structures. Any rows may be composed later. */
export const LAYOUTS = [...ROW_LAYOUTS, '12/4-4-4', '12/6-6/12', '12/6-6', '4-4-4/12', '12/3-3-3-3'] as const
export type Layout = (typeof LAYOUTS)[number]

// The type picks from the schema the fields the query strings select (written once).
const DASHBOARD_FIELDS = ['id', 'title', 'owner', 'shared', 'promoted', 'layout', 'widgets', 'updatedAt'] as const satisfies readonly (keyof Schema.Dashboard)[]
export type Dashboard = Pick<Schema.Dashboard, (typeof DASHBOARD_FIELDS)[number]>

export type DashboardInput = Schema.DashboardInput

const FIELDS = DASHBOARD_FIELDS.join(' ')

export const DASHBOARDS_QUERY = gql<{ dashboards: Dashboard[] }>(`query Dashboards { dashboards { ${FIELDS} } }`, 'Dashboards')
export const DASHBOARD_QUERY = gql<{ dashboard: Dashboard | null }, { id: string }>(
  `query Dashboard($id: ID!) { dashboard(id: $id) { ${FIELDS} } }`,
  'Dashboard',
)
export const CREATE_DASHBOARD = gql<{ createDashboard: Dashboard }, { input: DashboardInput }>(
  `mutation CreateDashboard($input: DashboardInput!) { createDashboard(input: $input) { ${FIELDS} } }`,
  'CreateDashboard',
)
export const UPDATE_DASHBOARD = gql<{ updateDashboard: Dashboard }, { id: string; input: DashboardInput }>(
  `mutation UpdateDashboard($id: ID!, $input: DashboardInput!) { updateDashboard(id: $id, input: $input) { ${FIELDS} } }`,
  'UpdateDashboard',
)
export const DELETE_DASHBOARD = gql<{ deleteDashboard: boolean }, { id: string }>(
  `mutation DeleteDashboard($id: ID!) { deleteDashboard(id: $id) }`,
  'DeleteDashboard',
)

export const fetchDashboards = async () => (await request(DASHBOARDS_QUERY, {})).dashboards
export const fetchDashboard = async (id: string) => (await request(DASHBOARD_QUERY, { id })).dashboard
export const createDashboard = async (input: DashboardInput) => (await request(CREATE_DASHBOARD, { input })).createDashboard
export const updateDashboard = async (id: string, input: DashboardInput) =>
  (await request(UPDATE_DASHBOARD, { id, input })).updateDashboard
export const deleteDashboard = async (id: string) => (await request(DELETE_DASHBOARD, { id })).deleteDashboard
