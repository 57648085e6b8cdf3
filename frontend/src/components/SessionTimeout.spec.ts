import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import { signedInBody } from '@/test/sessions'
import SessionTimeout from './SessionTimeout.vue'

async function signedInOn(path: string, routes: Parameters<typeof fakeApi>[0] = {}) {
  const server = fakeApi({
    'POST /api/auth/login': () => json(signedInBody()),
    'POST /api/auth/logout': () => new Response(null, { status: 204 }),
    ...routes,
  })
  const mounted = await mountPage(SessionTimeout, '/sign-in', null)
  await mounted.session.signIn('aoife', 'secret123')
  await mounted.router.push(path)
  await flushPromises()
  return { ...mounted, server }
}

describe('session timeout warning', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('says nothing until a minute before the 5-minute idle limit, then asks', async () => {
    const { wrapper } = await signedInOn('/dashboard')
    await vi.advanceTimersByTimeAsync(238_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    await vi.advanceTimersByTimeAsync(3_000)
    const dialog = wrapper.get('[role="alertdialog"]')
    expect(dialog.text()).toContain('signed out in 0:59')
    expect(document.activeElement?.textContent).toBe('Stay signed in')
  })

  it('"Stay signed in" asks the API (which counts as activity) and starts the five minutes again', async () => {
    const { wrapper, server } = await signedInOn('/dashboard', { 'GET /api/auth/session': () => json(signedInBody()) })
    await vi.advanceTimersByTimeAsync(250_000)
    await wrapper.get('[role="alertdialog"] button').trigger('click')
    await flushPromises()
    expect(server.sent('GET', '/api/auth/session')).toHaveLength(1)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    await vi.advanceTimersByTimeAsync(200_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
  })

  it('any answered request also counts, so a person at work is not interrupted', async () => {
    const { wrapper, session } = await signedInOn('/dashboard')
    await vi.advanceTimersByTimeAsync(200_000)
    session.touched(Date.now())
    await vi.advanceTimersByTimeAsync(200_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
  })

  it('at the limit signs out on the server too and sends the person to sign-in, to come back here', async () => {
    const { wrapper, router, session, server } = await signedInOn('/transfer?from=x')
    await vi.advanceTimersByTimeAsync(300_000)
    await flushPromises()
    expect(session.isSignedIn).toBe(false)
    expect(server.sent('POST', '/api/auth/logout')).toHaveLength(1)
    expect(router.currentRoute.value.name).toBe('sign-in')
    expect(router.currentRoute.value.query).toMatchObject({ redirect: '/transfer?from=x', expired: '1', username: 'aoife' })
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
  })

  it('when the session already ended on the server, "Stay signed in" goes to sign-in', async () => {
    const { wrapper, router } = await signedInOn('/history', { 'GET /api/auth/session': () => problem('unauthorized', 401) })
    await vi.advanceTimersByTimeAsync(250_000)
    await wrapper.get('[role="alertdialog"] button').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('sign-in')
    expect(router.currentRoute.value.query.expired).toBe('1')
  })
})
