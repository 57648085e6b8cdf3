import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import { api } from '@/api/client'
import { bank } from '@/config/bank'
import { leaveEndedSession } from '@/router'
import App from './App.vue'

const account = { number: ACCOUNT_A, name: 'Current', currency: 'EUR', country: 'IE', status: 'active', balance: '100.00', created_at: '2026-01-01T00:00:00Z' }
const transfer = { id: 't1', from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '10.00', currency: 'EUR', description: '', kind: 'transfer', created_at: '2026-01-01T00:00:00Z' }

describe('the app shell', () => {
  it('"Send money" in the header after "Money sent" opens an empty form, not the last result', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'POST /api/transfers/preview': () => json({ from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '10.00', currency: 'EUR', recipient_status: 'active' }),
      'POST /api/transfers': () => json(transfer, 201),
    })
    const { wrapper } = await mountPage(App, '/transfer', customer)
    await vi.waitFor(() => expect(wrapper.find('form').exists()).toBe(true))
    await flushPromises()
    await wrapper.get('input[name="to_account"]').setValue(ACCOUNT_B)
    await wrapper.get('input[name="amount"]').setValue('10')
    await wrapper.get('form').trigger('submit')
    await flushPromises() // the check before the review
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm and send')!.trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="transfer-done"]').exists()).toBe(true)

    await wrapper.findAll('header a').find((a) => a.text() === 'Send money')!.trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(wrapper.find('form').exists()).toBe(true))
    expect(wrapper.find('[data-testid="transfer-done"]').exists()).toBe(false)
    expect((wrapper.get('input[name="amount"]').element as HTMLInputElement).value).toBe('')
  })

  it('a header link whose page finds the session ended leads to sign-in and back to that page, not the one left', async () => {
    let ended = false
    const later = (response: Response) => new Promise<Response>((resolve) => setTimeout(() => resolve(response), 10))
    const answer = (body: unknown) => () => (ended ? later(problem('unauthorized', 401)) : json(body))
    const server = fakeApi({
      'GET /api/accounts': answer({ items: [account] }),
      'GET /api/transactions': answer({ items: [], next_cursor: null }),
      'POST /api/auth/logout': () => new Response(null, { status: 204 }),
    })
    const { wrapper, router, session } = await mountPage(App, '/history', customer)
    // As main.ts wires it: a 401 leaves the ended session for sign-in, which comes back after.
    api.setAuth({ onActivity: () => {}, onUnauthorized: () => leaveEndedSession(router, session), onPasswordChangeRequired: () => {} })
    await vi.waitFor(() => expect(wrapper.find('h1').text()).toBe('History'))
    const historyReads = server.sent('GET', '/api/transactions').length
    // Navigation takes a moment, as the page's code chunk downloads on a first visit.
    router.beforeResolve(() => new Promise<true>((resolve) => setTimeout(() => resolve(true), 50)))

    ended = true // signed out elsewhere, or idle past the limit on the server
    await wrapper.findAll('header a').find((a) => a.text() === 'Send money')!.trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('sign-in'))
    await flushPromises()
    expect(router.currentRoute.value.query).toMatchObject({ redirect: '/transfer', expired: '1' })
    // The page being left was not opened again on the way (its reads would only be refused).
    expect(server.sent('GET', '/api/transactions')).toHaveLength(historyReads)
  })

  it('a read of the page being left that finds the session ended leads back to where the person was going', async () => {
    let ended = false
    let slow: (() => void) | null = null
    fakeApi({
      'GET /api/accounts': () => (ended ? problem('unauthorized', 401) : json({ items: [account] })),
      // The history's next page is still on its way when the person follows a header link.
      'GET /api/transactions': (request) =>
        request.query.get('cursor')
          ? new Promise<Response>((resolve) => (slow = () => resolve(problem('unauthorized', 401))))
          : json({ items: [], next_cursor: null }),
      'POST /api/auth/logout': () => new Response(null, { status: 204 }),
    })
    const { wrapper, router, session } = await mountPage(App, '/history', customer)
    api.setAuth({ onActivity: () => {}, onUnauthorized: () => leaveEndedSession(router, session), onPasswordChangeRequired: () => {} })
    await vi.waitFor(() => expect(wrapper.find('h1').text()).toBe('History'))
    void api.get('/transactions', { query: { cursor: 'c2' } }).catch(() => {})
    let landed: () => void = () => {}
    router.beforeResolve(() => new Promise<true>((resolve) => (landed = () => resolve(true))))

    ended = true
    await wrapper.findAll('header a').find((a) => a.text() === 'Send money')!.trigger('click')
    await vi.waitFor(() => expect(slow).not.toBeNull())
    slow!() // refused while the navigation is under way
    await flushPromises()
    landed()
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('sign-in'))
    await flushPromises()
    expect(router.currentRoute.value.query).toMatchObject({ redirect: '/transfer', expired: '1' })
  })

  it('the footer gives the bank’s contact details from its config', async () => {
    fakeApi({})
    const { wrapper } = await mountPage(App, '/', null)
    const footer = wrapper.get('footer').text()
    expect(footer).toContain(bank.phone)
    expect(footer).toContain(bank.email)
    expect(footer).toContain(bank.address[0])
  })
})
