import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { api } from '@/api/client'
import { installGuards, routes } from '@/router'
import { useSessionStore } from '@/stores/session'
import type { User } from '@/api/types'

// Pages are attached to document.body (focus, getElementById): unmount each after its test.
enableAutoUnmount(afterEach)

/** Mounts a page inside the app's real routes and guards, signed in as `user` (or signed out). */
export async function mountPage(page: Component, path: string, user: User | null) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const session = useSessionStore(pinia)
  if (user) session.user = user
  api.setAuth({
    onActivity: (startedAt) => session.touched(startedAt),
    onUnauthorized: () => session.signOut('ended'),
    onPasswordChangeRequired: () => {},
  })
  const router = createRouter({ history: createMemoryHistory(), routes })
  installGuards(router, () => session)
  await router.push(path)
  await router.isReady()
  const wrapper = mount(page, {
    props: router.currentRoute.value.params,
    global: { plugins: [pinia, router] },
    attachTo: document.body,
  })
  await flushPromises()
  return { wrapper, router, session }
}
