import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import DashboardPage from './DashboardPage.vue'

const account = (number: string, name: string, currency: string, balance: string, status = 'active') => ({
  number,
  name,
  currency,
  country: 'IE',
  status,
  balance,
  created_at: '2026-01-01T00:00:00Z',
})

describe('dashboard', () => {
  it('lists every account with number, currency, status and balance, and a total per currency', async () => {
    fakeApi({
      'GET /api/accounts': () =>
        json({
          items: [
            account(ACCOUNT_A, 'Current', 'EUR', '100.10'),
            account(ACCOUNT_B, 'Travel', 'USD', '5.00', 'frozen'),
            account('IE59IEBK00000000000003', 'Savings', 'EUR', '0.20'),
          ],
        }),
    })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    const cards = wrapper.findAll('[data-testid="account-card"]')
    expect(cards).toHaveLength(3)
    expect(cards[0]!.text()).toContain('IE16 IEBK 0000 0000 0000 01')
    expect(cards[0]!.text()).toContain('€100.10')
    expect(cards[1]!.text()).toContain('frozen')
    expect(cards[1]!.text()).not.toContain('Send money')
    expect(wrapper.findAll('[data-testid="total"]').map((t) => t.text())).toEqual(['EUR€100.30', 'USDUS$5.00'])
  })

  it('opens another account in the chosen currency', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account(ACCOUNT_A, 'Current', 'EUR', '1.00')] }),
      'POST /api/accounts': () => json(account(ACCOUNT_B, 'Rupees', 'INR', '0.00'), 201),
    })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    const name = wrapper.get('input[maxlength="60"]')
    await name.setValue('Rupees')
    await wrapper.get('select').setValue('INR')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/accounts')[0]!.body).toEqual({ name: 'Rupees', currency: 'INR' })
    expect(wrapper.findAll('[data-testid="account-card"]')).toHaveLength(2)
    expect(wrapper.get('[role="status"]').text()).toContain('Rupees (INR) is open')
  })

  it('asks for a name before opening an account', async () => {
    const server = fakeApi({ 'GET /api/accounts': () => json({ items: [] }) })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    await wrapper.get('form').trigger('submit')
    expect(wrapper.text()).toContain('Give the account a name')
    expect(server.sent('POST', '/api/accounts')).toHaveLength(0)
  })
})
