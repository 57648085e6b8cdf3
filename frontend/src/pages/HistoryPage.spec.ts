import { describe, expect, it } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import HistoryPage from './HistoryPage.vue'

const entry = (description: string) => ({ id: description, account: ACCOUNT_A, counterparty_account: ACCOUNT_B, amount: '2.00', currency: 'EUR', description, direction: 'debit', kind: 'transfer', created_at: '2026-01-02T10:00:00Z' })

function history() {
  return fakeApi({
    'GET /api/accounts': () => json({ items: [] }),
    'GET /api/transactions': (request) =>
      json({ items: request.query.get('q') === 'rent' ? [entry('Rent')] : [entry('Rent'), entry('Coffee')], next_cursor: null }),
  })
}

describe('history filters', () => {
  it('applies the filters to the API and to the URL, so a reload keeps them', async () => {
    const api = history()
    const { wrapper, router } = await mountPage(HistoryPage, '/history', customer)
    expect(wrapper.findAll('[data-testid="transaction"]')).toHaveLength(2)
    const form = wrapper.get('[data-testid="history-filters"]')
    await form.get('input[type="search"]').setValue('rent')
    const [from] = form.findAll('input[type="date"]')
    await from!.setValue('2026-12-01')
    await form.findAll('select').at(-1)!.setValue('out')
    await form.trigger('submit')
    await new Promise((resolve) => setTimeout(resolve))
    expect(router.currentRoute.value.query).toEqual({ q: 'rent', from: '2026-12-01', direction: 'out' })
    const last = api.sent('GET', '/api/transactions').at(-1)!
    expect(Object.fromEntries(last.query)).toEqual({ q: 'rent', from: '2026-12-01', direction: 'out', limit: '20' })
    expect(wrapper.findAll('[data-testid="transaction"]').map((row) => row.text())).toEqual([expect.stringContaining('Rent')])
  })

  it('reads the filters back from the URL on load, and clears them', async () => {
    const api = history()
    const { wrapper, router } = await mountPage(HistoryPage, '/history?q=rent&min_amount=1.50&evil=1', customer)
    expect((wrapper.get('input[type="search"]').element as HTMLInputElement).value).toBe('rent')
    expect(Object.fromEntries(api.sent('GET', '/api/transactions')[0]!.query)).toEqual({ q: 'rent', min_amount: '1.50', limit: '20' })
    await wrapper.get('button.secondary').trigger('click')
    await new Promise((resolve) => setTimeout(resolve))
    expect(router.currentRoute.value.query).toEqual({})
    expect(Object.fromEntries(api.sent('GET', '/api/transactions').at(-1)!.query)).toEqual({ limit: '20' })
    expect(wrapper.find('button.secondary').exists()).toBe(false)
  })

  it('filters by one of the payees: sends its id as the counterparty and shows it chosen from the URL', async () => {
    const payee = { id: 'ab12cd34-0000-4000-8000-000000000001', name: 'Landlord', account: ACCOUNT_B, reference: null, trusted: false, created_at: '2026-01-01T10:00:00Z', last_paid_at: null }
    const api = fakeApi({
      'GET /api/accounts': () => json({ items: [] }),
      'GET /api/payees': () => json({ items: [payee] }),
      'GET /api/transactions': () => json({ items: [entry('Rent')], next_cursor: null }),
    })
    const { wrapper, router } = await mountPage(HistoryPage, '/history', customer)
    await new Promise((resolve) => setTimeout(resolve))
    const form = wrapper.get('[data-testid="history-filters"]')
    await form.get('[data-testid="payee-filter"]').setValue(payee.id)
    await form.trigger('submit')
    await new Promise((resolve) => setTimeout(resolve))
    expect(Object.fromEntries(api.sent('GET', '/api/transactions').at(-1)!.query)).toEqual({ counterparty: payee.id.toUpperCase(), limit: '20' })
    expect(router.currentRoute.value.query).toEqual({ counterparty: payee.id.toUpperCase() })
    expect((form.get('[data-testid="payee-filter"]').element as HTMLSelectElement).value).toBe(payee.id)
    expect((form.findAll('input').at(-1)!.element as HTMLInputElement).value).toBe('')  // not the id as a number
  })
})
