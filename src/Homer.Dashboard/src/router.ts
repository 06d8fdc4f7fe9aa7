import { createRouter, createWebHistory, type Router, type RouteRecordRaw } from 'vue-router'
import type { Role } from '@/api/session'
import { useSessionStore } from '@/stores/session'
// The landing page is bundled eagerly: it is what almost every visit opens first.
import SearchPage from '@/pages/search/index.vue'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Reachable without a session (the login page). */
    public?: boolean
    /** Lowest role that may open the page; the API enforces the same. */
    role?: Role
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/pages/login/index.vue'), meta: { title: 'Log in', public: true } },
  { path: '/', name: 'search', alias: '/search', component: SearchPage, meta: { title: 'SIP search' } },
  // A signed share link: read-only, no session needed (the token in the path is the credential).
  {
    path: '/shared/:token',
    name: 'shared',
    component: () => import('@/pages/shared/index.vue'),
    props: true,
    meta: { title: 'Shared call', public: true },
  },
  { path: '/call', name: 'call', component: () => import('@/pages/call/index.vue'), meta: { title: 'Call' } },
  { path: '/live', name: 'live', component: () => import('@/pages/live/index.vue'), meta: { title: 'Live' } },
  { path: '/stats', name: 'stats', component: () => import('@/pages/stats/index.vue'), meta: { title: 'Stats' } },
  { path: '/alarms', name: 'alarms', component: () => import('@/pages/alarms/index.vue'), meta: { title: 'Alarms' } },
  { path: '/import', name: 'import', component: () => import('@/pages/import/index.vue'), meta: { title: 'Import', role: 'USER' } },
  { path: '/dashboards', name: 'dashboards', component: () => import('@/pages/dashboards/index.vue'), meta: { title: 'Dashboards' } },
  {
    path: '/dashboards/:id',
    name: 'dashboard',
    component: () => import('@/pages/dashboards/view.vue'),
    props: true,
    meta: { title: 'Dashboard' },
  },
  { path: '/admin/users', name: 'admin-users', component: () => import('@/pages/admin/users.vue'), meta: { title: 'Users', role: 'ADMIN' } },
  { path: '/admin/tokens', name: 'admin-tokens', component: () => import('@/pages/admin/tokens.vue'), meta: { title: 'API tokens' } },
  { path: '/admin/agents', name: 'admin-agents', component: () => import('@/pages/admin/agents.vue'), meta: { title: 'Capture agents', role: 'ADMIN' } },
  { path: '/admin/aliases', name: 'admin-aliases', component: () => import('@/pages/admin/aliases.vue'), meta: { title: 'IP aliases' } },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/pages/not-found/index.vue'),
    meta: { title: 'Not found' },
  },
]

/**
 * Every page but the login needs a session (unless the node runs with authentication off). A refused or expired
 * token sends the user to the login page with the route they were on, and back there after logging in.
 */
export function installAuthGuard(router: Router): void {
  const session = useSessionStore()
  session.onExpired(() => {
    const current = router.currentRoute.value
    if (current.meta.public) return
    void router.replace({ name: 'login', query: { redirect: current.fullPath } })
  })
  router.beforeEach(async (to) => {
    if (to.meta.public) {
      // Nothing to log in to when authentication is off.
      if (to.name === 'login' && session.authMode === 'off') return { path: '/' }
      return true
    }
    if (session.authMode === 'unknown') {
      try {
        await session.check()
      } catch {
        // The node is unreachable: let the page open and show its own error rather than a login loop.
        return true
      }
    }
    if (!session.loggedIn) return { name: 'login', query: { redirect: to.fullPath } }
    if (to.meta.role && !session.hasRole(to.meta.role)) return { name: 'search' }
    return true
  })
  router.afterEach((to) => {
    if (to.meta.title && to.name !== 'search') document.title = `${to.meta.title} · Homer`
  })
}

// History mode: the node answers unknown non-API paths with index.html, so deep links survive a reload.
export function createAppRouter(base: string = import.meta.env.BASE_URL) {
  const router = createRouter({ history: createWebHistory(base), routes })
  installAuthGuard(router)
  return router
}
