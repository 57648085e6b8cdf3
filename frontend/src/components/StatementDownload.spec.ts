import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ACCOUNT_A, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import AccountPage from '@/pages/AccountPage.vue'

const account = { number: ACCOUNT_A, name: 'Current', currency: 'EUR', country: 'IE', status: 'active', balance: '10.00', created_at: '2026-01-01T00:00:00Z' }
const common = {
  [`GET /api/accounts/${ACCOUNT_A}`]: () => json(account),
  'GET /api/accounts': () => json({ items: [account] }),
  'GET /api/transactions': () => json({ items: [], next_cursor: null }),
}

afterEach(() => vi.restoreAllMocks())

describe('statement download on the account page', () => {
  it('fetches the chosen period and format with the session headers and saves the file under the API’s name', async () => {
    const api = fakeApi({
      ...common,
      [`GET /api/accounts/${ACCOUNT_A}/statement`]: () =>
        new Response('Closing balance,10.00\r\n', {
          headers: { 'Content-Type': 'text/csv', 'Content-Disposition': `attachment; filename="statement-${ACCOUNT_A}-2026-11-01-2026-11-30.csv"` },
        }),
    })
    const createObjectURL = vi.fn(() => 'blob:statement')
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }))
    const clicked: string[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(`${this.download} ${this.href}`)
    })
    const { wrapper } = await mountPage(AccountPage, `/accounts/${ACCOUNT_A}`, customer)
    const section = wrapper.get('[data-testid="statement"]')
    const [from, to] = section.findAll('input[type="date"]')
    await from!.setValue('2026-11-01')
    await to!.setValue('2026-11-30')
    await section.get('select').setValue('pdf')
    await section.get('form').trigger('submit')
    await flushPromises()
    const [sent] = api.sent('GET', `/api/accounts/${ACCOUNT_A}/statement`)
    expect(Object.fromEntries(sent!.query)).toEqual({ from: '2026-11-01', to: '2026-11-30', format: 'pdf' })
    expect(sent!.headers.get('X-Requested-With')).toBe('iebank')
    expect(clicked).toEqual([`statement-${ACCOUNT_A}-2026-11-01-2026-11-30.csv blob:statement`])
    expect(section.text()).toContain(`Downloaded statement-${ACCOUNT_A}-2026-11-01-2026-11-30.csv`)
  })

  it('a refused period shows the API’s reason at the field', async () => {
    fakeApi({
      ...common,
      [`GET /api/accounts/${ACCOUNT_A}/statement`]: () =>
        problem('validation-error', 422, 'The request is not valid.', [{ field: 'to', message: 'must not be before from' }]),
    })
    const { wrapper } = await mountPage(AccountPage, `/accounts/${ACCOUNT_A}`, customer)
    const section = wrapper.get('[data-testid="statement"]')
    const [from, to] = section.findAll('input[type="date"]')
    await from!.setValue('2026-11-30')
    await to!.setValue('2026-11-01')
    await section.get('form').trigger('submit')
    await flushPromises()
    expect(section.text()).toContain('must not be before from')
  })
})
