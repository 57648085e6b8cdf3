import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_A, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import DashboardPage from './DashboardPage.vue'

// Issue 16: a customer holds at most MAX_ACCOUNTS_PER_CUSTOMER open accounts; the 409 says so plainly.
describe('dashboard: the open-account limit', () => {
  it('says plainly that the customer has the most open accounts allowed and what to do, and opens nothing', async () => {
    fakeApi({
      'GET /api/accounts': () =>
        json({ items: [{ number: ACCOUNT_A, name: 'Current', currency: 'EUR', country: 'IE', status: 'active', balance: '1.00', created_at: '2026-01-01T00:00:00Z' }] }),
      'POST /api/accounts': () =>
        problem('account-limit-reached', 409, 'You can hold at most 10 open accounts: close one you no longer use before opening another.'),
    })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    await wrapper.get('input[name="name"]').setValue('One more')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const summary = wrapper.get('[data-testid="error-summary"]').text()
    expect(summary).toContain('You already have 10 open accounts, the most IE Bank allows.')
    expect(summary).toContain('Close an account you no longer use')
    expect(summary).not.toContain('account-limit-reached')
    expect(wrapper.findAll('[data-testid="account-card"]')).toHaveLength(1)
    expect(wrapper.find('[role="status"]').exists()).toBe(false)
  })
})
