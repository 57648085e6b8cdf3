import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_NAME_MAX } from '@/api/limits'
import { bank } from '@/config/bank'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem } from '@/test/fakeApi'
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
  it('lists every account with number, currency, status and balance, and a total only where it adds up several accounts', async () => {
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
    // Two EUR accounts are summed; the one USD account's "total" would only repeat its card.
    const totals = wrapper.findAll('[data-testid="total"]').map((t) => t.text())
    expect(totals).toHaveLength(1)
    expect(totals[0]).toContain('EUR')
    expect(totals[0]).toContain('€100.30')
  })

  it('says what frozen means and how to reach the bank, with the details from the bank’s config', async () => {
    fakeApi({ 'GET /api/accounts': () => json({ items: [account(ACCOUNT_A, 'Travel', 'EUR', '5.00', 'frozen')] }) })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    const notice = wrapper.get('[data-testid="frozen-notice"]').text()
    expect(notice).toContain('No money can be sent from it or paid into it')
    expect(notice).toContain(bank.phone)
    expect(notice).toContain(bank.email)
  })

  it('opens another account in the chosen currency', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account(ACCOUNT_A, 'Current', 'EUR', '1.00')] }),
      'POST /api/accounts': () => json(account(ACCOUNT_B, 'Rupees', 'INR', '0.00'), 201),
    })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    const name = wrapper.get(`input[maxlength="${ACCOUNT_NAME_MAX}"]`)
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

  it('holds account names to the API’s limit (50), not the 60 the page used to allow', async () => {
    const server = fakeApi({ 'GET /api/accounts': () => json({ items: [] }) })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    expect(ACCOUNT_NAME_MAX).toBe(50)
    const name = wrapper.get('input[name="name"]')
    expect(name.attributes('maxlength')).toBe('50')
    await name.setValue('x'.repeat(51))
    await wrapper.get('form').trigger('submit')
    expect(wrapper.text()).toContain('Use at most 50 characters.')
    expect(server.sent('POST', '/api/accounts')).toHaveLength(0)
  })

  it('shows the API’s field error at the name field and moves focus to the error summary', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [] }),
      'POST /api/accounts': () => problem('validation-error', 422, '', [{ field: 'body.name', message: 'String should have at most 50 characters' }]),
    })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    await wrapper.get('input[name="name"]').setValue('Savings')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const summary = wrapper.get('[data-testid="error-summary"]')
    expect(summary.text()).toContain('String should have at most 50 characters')
    expect(document.activeElement).toBe(summary.element)
    expect(wrapper.get('input[name="name"]').attributes('aria-invalid')).toBe('true')
  })
})

describe('dashboard latest movements', () => {
  const movement = (id: string, accountNumber: string, direction: string, amount: string, description: string, at: string) => ({
    id, account: accountNumber, counterparty_account: ACCOUNT_A === accountNumber ? ACCOUNT_B : ACCOUNT_A, amount,
    currency: 'EUR', description, direction, kind: 'transfer', created_at: at,
  })

  it('shows a handful of the newest movements across all accounts, named, with a link to the whole history', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account(ACCOUNT_A, 'Current', 'EUR', '10.00'), account(ACCOUNT_B, 'Savings', 'EUR', '5.00')] }),
      'GET /api/transactions': () =>
        json({
          items: [
            movement('t2', ACCOUNT_B, 'credit', '5.00', 'To savings', '2026-03-02T10:00:00Z'),
            movement('t1', ACCOUNT_A, 'debit', '5.00', 'To savings', '2026-03-02T10:00:00Z'),
          ],
          next_cursor: 'more',
        }),
    })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    const [request] = server.sent('GET', '/api/transactions')
    expect(request!.query.get('limit')).toBe('5')
    expect(request!.query.has('account')).toBe(false)
    const section = wrapper.get('[data-testid="latest-movements"]')
    expect(section.get('h2').text()).toBe('Latest movements')
    const rows = section.findAll('[data-testid="transaction"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.get('[data-testid="transaction-account"]').text()).toContain('Savings')
    expect(rows[0]!.text()).toContain('+€5.00')
    expect(rows[1]!.text()).toContain('−€5.00')
    // The rest is the history page's: no "load more" here even though there is more.
    expect(section.text()).not.toContain('Load more')
    expect(section.get('a[href="/history"]').text()).toBe('All your history')
  })

  it('says when nothing has moved yet', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account(ACCOUNT_A, 'Current', 'EUR', '0.00')] }),
      'GET /api/transactions': () => json({ items: [], next_cursor: null }),
    })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    expect(wrapper.get('[data-testid="latest-movements"]').text()).toContain('No transactions yet.')
  })
})
