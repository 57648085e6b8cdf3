import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem, type RecordedRequest } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import TransferPage from './TransferPage.vue'

// Paying a saved payee, or a new number whose holder's name is checked first (issue 16).

const account = {
  number: ACCOUNT_A,
  name: 'Current',
  currency: 'EUR',
  country: 'IE',
  status: 'active',
  balance: '100.00',
  created_at: '2026-01-01T00:00:00Z',
}
const bob = { id: 'p1', name: 'Bob Byrne', account: ACCOUNT_B, reference: 'Rent', trusted: false, created_at: '2026-01-01T00:00:00Z', last_paid_at: null }
const previewOk = (request: RecordedRequest) => {
  const body = request.body as { from_account: string; amount: string }
  return json({ from_account: body.from_account, to_account: ACCOUNT_B, amount: body.amount, currency: 'EUR', recipient_status: 'active' })
}
const transferOk = (request: RecordedRequest) => {
  const body = request.body as { amount: string; description?: string }
  return json({ id: 't1', from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: Number(body.amount).toFixed(2), currency: 'EUR', description: body.description ?? '', kind: 'transfer', created_at: '2026-01-01T00:00:00Z' }, 201)
}
type Mounted = Awaited<ReturnType<typeof mountPage>>['wrapper']
const button = (wrapper: Mounted, text: string) => wrapper.findAll('button').find((b) => b.text() === text)!

describe('transfer page with payees', () => {
  it('pays a saved payee by its id, with its reference, and shows its name on the review', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/payees': () => json({ items: [bob] }),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': transferOk,
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer?payee=p1', customer)
    await wrapper.get('input[inputmode="decimal"]').setValue('12')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/payees/verify')).toHaveLength(0) // a saved payee was checked when saved
    const review = wrapper.get('[data-testid="transfer-review"]').text()
    expect(review).toContain('Bob Byrne')
    expect(review).toContain('Rent')
    await button(wrapper, 'Confirm and send').trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/transfers')[0]!.body).toEqual({ from_account: ACCOUNT_A, payee_id: 'p1', amount: '12.00', description: 'Rent' })
    expect(wrapper.get('[data-testid="transfer-done"]').text()).toContain('sent to Bob Byrne')
  })

  it('checks a new number’s name and, after no match, says the risk on the review and still sends', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/payees': () => json({ items: [bob] }),
      'POST /api/payees/verify': () => json({ result: 'no_match' }),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': transferOk,
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await wrapper.get('input[value="account"]').setValue(true)
    await wrapper.get('input[maxlength="34"]').setValue(ACCOUNT_B)
    await wrapper.get('input[maxlength="100"]').setValue('Carol Walsh')
    await wrapper.get('input[inputmode="decimal"]').setValue('5')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/payees/verify')[0]!.body).toEqual({ name: 'Carol Walsh', account: ACCOUNT_B })
    expect(wrapper.get('[data-testid="payee-verification"]').text()).toContain(
      'the money may go to someone other than the person you mean, and you may not get it back',
    )
    await button(wrapper, 'Confirm and send').trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/transfers')[0]!.body).toEqual({ from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '5.00' })
  })

  it('shows the holder’s name on a close match at the review', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/payees': () => json({ items: [] }),
      'POST /api/payees/verify': () => json({ result: 'close_match', name: 'Robert Byrne' }),
      'POST /api/transfers/preview': previewOk,
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    expect(wrapper.find('input[value="payee"]').exists()).toBe(false) // no payees: a number it is
    await wrapper.get('input[maxlength="34"]').setValue(ACCOUNT_B)
    await wrapper.get('input[maxlength="100"]').setValue('Rob Byrne')
    await wrapper.get('input[inputmode="decimal"]').setValue('5')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="holder-name"]').text()).toBe('Robert Byrne')
    expect(wrapper.find('[data-testid="payee-verification"] button').exists()).toBe(false)
  })

  it('keeps the customer on the form when the payee is gone', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/payees': () => json({ items: [bob] }),
      'POST /api/transfers/preview': () => problem('payee-not-found', 404, 'You have no payee with that id.'),
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer?payee=p1', customer)
    await wrapper.get('input[inputmode="decimal"]').setValue('5')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="transfer-review"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('This payee is not in your list any more.')
  })
})
