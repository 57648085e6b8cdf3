import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import { bank } from '@/config/bank'
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

  it('the footer gives the bank’s contact details from its config', async () => {
    fakeApi({})
    const { wrapper } = await mountPage(App, '/', null)
    const footer = wrapper.get('footer').text()
    expect(footer).toContain(bank.phone)
    expect(footer).toContain(bank.email)
    expect(footer).toContain(bank.address[0])
  })
})
