import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { Execution, StandingOrder } from '@/api/types'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import { bankToday } from '@/lib/bankDates'
import StandingOrdersPage from './StandingOrdersPage.vue'

const account = {
  number: ACCOUNT_A, name: 'Current account', currency: 'EUR', country: 'IE', status: 'active',
  balance: '100.00', created_at: '2026-01-01T10:00:00Z',
}
const order: StandingOrder = {
  id: 'o-1', from_account: ACCOUNT_A, to_account: ACCOUNT_B, payee_id: null, amount: '12.50', currency: 'EUR',
  description: 'Rent', frequency: 'monthly', first_date: '2027-01-31', day_of_month: 31, end_date: null, count: null,
  status: 'active', stopped_reason: null, next_date: '2027-02-28', created_at: '2026-12-03T10:00:00Z',
}

function button(wrapper: VueWrapper, text: string) {
  const found = wrapper.findAll('button').find((b) => b.text().startsWith(text))
  if (!found) throw new Error(`no button "${text}" in: ${wrapper.text()}`)
  return found
}

async function fillForm(wrapper: VueWrapper, values: { to: string; amount: string; frequency?: string; date?: string }) {
  const form = wrapper.get('[data-testid="standing-form"]')
  const inputs = form.findAll('input')
  await inputs[0]!.setValue(values.to)
  await inputs[1]!.setValue(values.amount)
  if (values.frequency) await form.findAll('select')[1]!.setValue(values.frequency)
  if (values.date) await form.get('input[type="date"]').setValue(values.date)
}

describe('standing orders page', () => {
  it('lists each order with its schedule, next date and status', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [order, { ...order, id: 'o-2', status: 'stopped', stopped_reason: 'source-frozen', next_date: null }] }),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    const rows = wrapper.findAll('[data-testid="standing-orders"] tbody tr')
    expect(rows[0]!.text()).toContain('Every month on day 31')
    expect(rows[0]!.get('[data-testid="next-date"]').text()).toMatch(/28/)
    expect(rows[0]!.get('[data-testid="order-status"]').text()).toBe('Active')
    expect(rows[1]!.get('[data-testid="order-status"]').text()).toContain('Stopped: your account is frozen')
    expect(rows[1]!.findAll('button').map((b) => b.text())).toEqual(['Payments'])
  })

  it('sets up a monthly order from today and shows it in the list', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [] }),
      'POST /api/standing-orders': () => json({ ...order, first_date: bankToday(), next_date: bankToday() }, 201),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    expect(wrapper.text()).toContain('You have no standing orders.')
    await fillForm(wrapper, { to: 'ie86 iebk 0000 0000 0000 02', amount: '12,5' })
    await wrapper.get('[data-testid="standing-form"]').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/standing-orders')[0]!.body).toEqual({
      from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '12.50', first_date: bankToday(), frequency: 'monthly',
    })
    expect(wrapper.get('[data-testid="standing-notice"]').text()).toContain('Standing order set up')
    expect(wrapper.findAll('[data-testid="standing-orders"] tbody tr')).toHaveLength(1)
  })

  it('retries a failed submission under the same Idempotency-Key, and a new order under a new one', async () => {
    let answer = () => problem('service-unavailable', 503)
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [] }),
      'POST /api/standing-orders': () => answer(),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    await fillForm(wrapper, { to: ACCOUNT_B, amount: '5' })
    await wrapper.get('[data-testid="standing-form"]').trigger('submit')
    await flushPromises()
    answer = () => json(order, 201)
    await wrapper.get('[data-testid="standing-form"]').trigger('submit')
    await flushPromises()
    await fillForm(wrapper, { to: ACCOUNT_B, amount: '5' })
    await wrapper.get('[data-testid="standing-form"]').trigger('submit')
    await flushPromises()
    const keys = server.sent('POST', '/api/standing-orders').map((r) => r.headers.get('Idempotency-Key'))
    expect(keys).toHaveLength(3)
    expect(keys[0]).toBeTruthy()
    expect(keys[1]).toBe(keys[0])
    expect(keys[2]).not.toBe(keys[0])
  })

  it('confirms it is the customer when the bank asks, then sets the order up under the same key', async () => {
    let confirmed = false
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [] }),
      'POST /api/standing-orders': () =>
        confirmed ? json(order, 201) : problem('sca-required', 403, 'Confirm it is you with your second factor first.'),
      'POST /api/auth/step-up': () => json({ challenge_id: 'su-1', methods: ['totp'], passkey_options: null }),
      'POST /api/auth/step-up/confirm': () => {
        confirmed = true
        return new Response(null, { status: 204 })
      },
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    await fillForm(wrapper, { to: ACCOUNT_B, amount: '12.50' })
    await wrapper.get('[data-testid="standing-form"]').trigger('submit')
    await flushPromises()
    const dialog = wrapper.get('[role="dialog"]')
    expect(dialog.text()).toContain('Setting up a standing order to this payee needs your authenticator app')
    await dialog.get('input').setValue('123456')
    await dialog.get('form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/auth/step-up/confirm')[0]!.body).toEqual({ challenge_id: 'su-1', method: 'totp', code: '123456' })
    const keys = server.sent('POST', '/api/standing-orders').map((r) => r.headers.get('Idempotency-Key'))
    expect(keys).toHaveLength(2)
    expect(keys[1]).toBe(keys[0])
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="standing-notice"]').text()).toContain('Standing order set up')
  })

  it('refuses a date before today and a bad amount before sending anything', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [] }),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    await fillForm(wrapper, { to: ACCOUNT_B, amount: '1.234', frequency: 'once', date: '2020-01-01' })
    await wrapper.get('[data-testid="standing-form"]').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('Choose today or a later date.')
    expect(wrapper.text()).toContain('at most two decimals')
    expect(server.sent('POST', '/api/standing-orders')).toHaveLength(0)
  })

  it('shows the server refusal at its field', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [] }),
      'POST /api/standing-orders': () => problem('recipient-not-found', 404, 'No account with that number can receive money.'),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    await fillForm(wrapper, { to: ACCOUNT_B, amount: '5' })
    await wrapper.get('[data-testid="standing-form"]').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('No IE Bank account has this number.')
  })

  it('pauses only after the person confirms, and can think better of it', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [order] }),
      'PATCH /api/standing-orders/o-1': (request) => json({ ...order, status: (request.body as { status: string }).status }),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    await button(wrapper, 'Pause').trigger('click')
    expect(wrapper.get('[data-testid="confirm"]').text()).toContain('Pause this standing order?')
    await button(wrapper, 'No, keep it').trigger('click')
    expect(wrapper.find('[data-testid="confirm"]').exists()).toBe(false)
    expect(server.sent('PATCH', '/api/standing-orders/o-1')).toHaveLength(0)

    await button(wrapper, 'Pause').trigger('click')
    await button(wrapper, 'Yes, pause it').trigger('click')
    await flushPromises()
    expect(server.sent('PATCH', '/api/standing-orders/o-1')[0]!.body).toEqual({ status: 'paused' })
    expect(wrapper.get('[data-testid="order-status"]').text()).toBe('Paused')
    await button(wrapper, 'Resume').trigger('click')
    await button(wrapper, 'Yes, resume it').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="order-status"]').text()).toBe('Active')
    await button(wrapper, 'Cancel').trigger('click')
    expect(wrapper.get('[data-testid="confirm"]').text()).toContain('for good')
    await button(wrapper, 'Yes, cancel it').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="order-status"]').text()).toBe('Cancelled')
    expect(wrapper.get('[data-testid="standing-notice"]').text()).toContain('cancelled')
  })

  it('shows each payment with its outcome, a failure plainly', async () => {
    const paid: Execution = {
      occurrence_date: '2027-01-31', status: 'posted', attempts: 1, outcome: 'posted', transfer_id: 't-1',
      next_attempt_at: null, updated_at: '2027-01-31T08:00:00Z',
    }
    const failed: Execution = { ...paid, occurrence_date: '2027-02-28', status: 'failed', attempts: 3, outcome: 'insufficient-funds', transfer_id: null }
    fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [order] }),
      'GET /api/standing-orders/o-1/executions': () => json({ items: [failed, paid] }),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    await button(wrapper, 'Payments').trigger('click')
    await flushPromises()
    const items = wrapper.findAll('[data-testid="executions"] li')
    expect(items[0]!.text()).toContain('Failed: not enough money in the account. Nothing was paid.')
    expect(items[0]!.classes()).toContain('error')
    expect(items[1]!.text()).toContain('Paid')
  })

  it('pays a saved payee: sends payee_id instead of an account number and names the payee in the list', async () => {
    const payee = { id: 'p-1', name: 'Landlord', account: ACCOUNT_B, reference: null, trusted: false, created_at: '2026-01-01T10:00:00Z', last_paid_at: null }
    const toPayee = { ...order, payee_id: 'p-1', first_date: bankToday(), next_date: bankToday() }
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/payees': () => json({ items: [payee] }),
      'GET /api/standing-orders': () => json({ items: [] }),
      'POST /api/standing-orders': () => json(toPayee, 201),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    const form = wrapper.get('[data-testid="standing-form"]')
    await form.get('input[value="payee"]').setValue(true)
    await form.trigger('submit')
    expect(wrapper.text()).toContain('Choose the payee to pay.')
    await form.findAll('select')[1]!.setValue('p-1')  // after Pay from
    await form.get('input[inputmode="decimal"]').setValue('12.50')
    await form.trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/standing-orders')[0]!.body).toEqual({
      from_account: ACCOUNT_A, payee_id: 'p-1', amount: '12.50', first_date: bankToday(), frequency: 'monthly',
    })
    expect(wrapper.get('[data-testid="standing-notice"]').text()).toContain('to Landlord (')
    expect(wrapper.get('[data-testid="order-payee"]').text()).toBe('Landlord')
  })

  it('says an order stopped because its payee was deleted', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account] }),
      'GET /api/standing-orders': () => json({ items: [{ ...order, status: 'stopped', stopped_reason: 'payee-deleted', next_date: null }] }),
    })
    const { wrapper } = await mountPage(StandingOrdersPage, '/standing-orders', customer)
    expect(wrapper.get('[data-testid="order-status"]').text()).toBe('Stopped: you deleted the payee it paid')
  })
})
