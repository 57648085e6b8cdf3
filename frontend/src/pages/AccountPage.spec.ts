import { describe, expect, it } from 'vitest'
import { bank } from '@/config/bank'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import AccountPage from './AccountPage.vue'

const account = (number: string, name: string, status = 'active') => ({
  number, name, currency: 'EUR', country: 'IE', status, balance: '10.00', created_at: '2026-01-01T00:00:00Z',
})
const entry = { id: 't1', account: ACCOUNT_A, counterparty_account: ACCOUNT_B, amount: '2.00', currency: 'EUR', description: 'To savings', direction: 'debit', kind: 'transfer', created_at: '2026-01-02T10:00:00Z', balance_after: '8.00' }

describe('account page', () => {
  it('another customer’s account address shows "No such account" alone, with no history below it', async () => {
    fakeApi({
      [`GET /api/accounts/${ACCOUNT_B}`]: () => problem('not-found', 404),
      'GET /api/accounts': () => json({ items: [] }),
      'GET /api/transactions': () => json({ items: [], next_cursor: null }),
    })
    const { wrapper } = await mountPage(AccountPage, `/accounts/${ACCOUNT_B}`, customer)
    expect(wrapper.get('h1').text()).toBe('No such account')
    expect(wrapper.text()).not.toContain('History')
    expect(wrapper.text()).not.toContain('No transactions yet')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('a frozen account says what frozen means and how to contact the bank', async () => {
    fakeApi({
      [`GET /api/accounts/${ACCOUNT_A}`]: () => json(account(ACCOUNT_A, 'Current', 'frozen')),
      'GET /api/accounts': () => json({ items: [account(ACCOUNT_A, 'Current', 'frozen')] }),
      'GET /api/transactions': () => json({ items: [], next_cursor: null }),
    })
    const { wrapper } = await mountPage(AccountPage, `/accounts/${ACCOUNT_A}`, customer)
    const notice = wrapper.get('[data-testid="frozen-notice"]')
    expect(notice.text()).toContain('This account is frozen.')
    expect(notice.get('a[href^="tel:"]').text()).toBe(bank.phone)
    expect(notice.get('a[href^="mailto:"]').text()).toBe(bank.email)
  })

  it('history names the customer’s own accounts beside their numbers, in cells labelled for a phone’s stacked rows', async () => {
    fakeApi({
      [`GET /api/accounts/${ACCOUNT_A}`]: () => json(account(ACCOUNT_A, 'Current')),
      'GET /api/accounts': () => json({ items: [account(ACCOUNT_A, 'Current'), account(ACCOUNT_B, 'Savings')] }),
      'GET /api/transactions': () => json({ items: [entry], next_cursor: null }),
    })
    const { wrapper } = await mountPage(AccountPage, `/accounts/${ACCOUNT_A}`, customer)
    const counterparty = wrapper.get('[data-testid="transaction-counterparty"]')
    expect(counterparty.text()).toBe('Savings IE86 IEBK 0000 0000 0000 02')
    expect(counterparty.attributes('data-label')).toBe('Counterparty')
    expect(counterparty.attributes('class') ?? '').not.toContain('hide-small')
  })
})

describe('account page balance chart', () => {
  it('shows the balance over time of this account, its summary stating the balance now', async () => {
    const server = fakeApi({
      [`GET /api/accounts/${ACCOUNT_A}`]: () => json(account(ACCOUNT_A, 'Current')),
      'GET /api/accounts': () => json({ items: [account(ACCOUNT_A, 'Current')] }),
      'GET /api/transactions': () => json({ items: [entry], next_cursor: null }),
      [`GET /api/accounts/${ACCOUNT_A}/balance-history`]: () =>
        json({ account: ACCOUNT_A, currency: 'EUR', balance: '10.00', complete: true, points: [
          { at: '2026-01-02T09:00:00Z', amount: '12.00', balance: '12.00' },
          { at: '2026-01-02T10:00:00Z', amount: '-2.00', balance: '10.00' },
        ] }),
    })
    const { wrapper } = await mountPage(AccountPage, `/accounts/${ACCOUNT_A}`, customer)
    const chart = wrapper.get('[data-testid="balance-chart"]')
    expect(chart.get('h2').text()).toBe('Balance over time')
    expect(chart.get('[data-testid="balance-summary"]').text()).toContain('Balance now €10.00')
    expect(chart.findAll('[data-testid="balance-row"]')).toHaveLength(2)
    expect(server.sent('GET', `/api/accounts/${ACCOUNT_A}/balance-history`)).toHaveLength(1)
  })
})
