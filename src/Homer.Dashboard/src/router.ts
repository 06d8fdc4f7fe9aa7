import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
// The landing page is bundled eagerly: it is what almost every visit opens first.
import SearchPage from '@/pages/search/index.vue'

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'search',
    alias: '/search',
    component: SearchPage,
    meta: { title: 'SIP search' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/pages/not-found/index.vue'),
    meta: { title: 'Not found' },
  },
]

// History mode: the node answers unknown non-API paths with index.html, so deep links survive a reload.
export function createAppRouter(base: string = import.meta.env.BASE_URL) {
  return createRouter({ history: createWebHistory(base), routes })
}
