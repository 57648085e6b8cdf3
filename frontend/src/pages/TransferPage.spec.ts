import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem, type RecordedRequest } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import TransferPage from './TransferPage.vue'

const account = (balance: string) => ({
  number: ACCOUNT_A,
  name: 'Current',
  currency: 'EUR',
  country: 'IE',
  status: 'active',
  balance,
  created_at: '2026-01-01T00:00:00Z',
})

const previewOk = (request: RecordedRequest) => {
  const body = request.body as { from_account: string; to_account: string; amount: string }
  return json({ from_account: body.from_account, to_account: body.to_account, amount: body.amount, currency: 'EUR', recipient_status: 'active' })
}

async function fillAndReview(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], to: string, amount: string) {
  await wrapper.get('input[maxlength="34"]').setValue(to)
  await wrapper.get('input[inputmode="decimal"]').setValue(amount)
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

describe('transfer page', () => {
  it('catches a mistyped recipient before anything is sent', async () => {
    const server = fakeApi({ 'GET /api/accounts': () => json({ items: [account('100.00')] }), 'POST /api/transfers/preview': previewOk })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, 'IE16IEBK00000000000003', '10')
    expect(wrapper.text()).toContain('check digits do not match')
    expect(server.sent('POST', '/api/transfers')).toHaveLength(0)
  })

  it('asks for confirmation, sends once with an Idempotency-Key and shows the new balance', async () => {
    let balance = '100.00'
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account(balance)] }),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': () => {
        balance = '89.50'
        return json({ id: 't1', from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '10.50', currency: 'EUR', description: '', kind: 'transfer', created_at: '2026-01-01T00:00:00Z' }, 201)
      },
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, 'ie86 iebk 0000 0000 0000 02', '10.5')
    expect(wrapper.get('[data-testid="transfer-review"]').text()).toContain('€10.50')
    expect(server.sent('POST', '/api/transfers')).toHaveLength(0)

    const confirm = wrapper.findAll('button').find((b) => b.text() === 'Confirm and send')!
    await confirm.trigger('click')
    await confirm.trigger('click')
    await flushPromises()

    const sent = server.sent('POST', '/api/transfers')
    expect(sent).toHaveLength(1)
    expect(sent[0]!.body).toEqual({ from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '10.50' })
    expect(sent[0]!.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/)
    expect(wrapper.get('[data-testid="transfer-done"]').text()).toContain('New balance: €89.50')
  })

  it('explains insufficient funds next to the amount and lets the person change it', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account('5.00')] }),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': () => problem('insufficient-funds', 409, 'Not enough money.'),
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, ACCOUNT_B, '50')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm and send')!.trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('Insufficient funds')
    expect(wrapper.text()).toContain('More than the available balance.')
    expect(wrapper.find('form').exists()).toBe(true)
  })

  it.each([
    ['recipient-not-found', 404, 'No account with that number exists'],
    ['account-frozen', 409, 'This account is frozen'],
    ['currency-mismatch', 422, 'different currencies'],
  ])('shows a clear message for %s', async (slug, status, message) => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account('100.00')] }),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': () => problem(slug, status),
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, ACCOUNT_B, '1')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm and send')!.trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain(message)
  })

  it('offers a safe retry with the same key after a network failure', async () => {
    let calls = 0
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account('100.00')] }),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': () => {
        calls++
        if (calls === 1) throw new TypeError('Failed to fetch')
        return json({ id: 't1', from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '1.00', currency: 'EUR', description: '', kind: 'transfer', created_at: '2026-01-01T00:00:00Z' }, 201)
      },
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, ACCOUNT_B, '1')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm and send')!.trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('Retrying is safe')
    await wrapper.findAll('button').find((b) => b.text() === 'Retry sending')!.trigger('click')
    await flushPromises()
    const [first, second] = server.sent('POST', '/api/transfers')
    expect(first!.headers.get('idempotency-key')).toBe(second!.headers.get('idempotency-key'))
    expect(wrapper.find('[data-testid="transfer-done"]').exists()).toBe(true)
  })

  it('accepts an amount typed with a decimal comma and sends it as 25.50', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account('100.00')] }),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': () => json({ id: 't1', from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '25.50', currency: 'EUR', description: '', kind: 'transfer', created_at: '2026-01-01T00:00:00Z' }, 201),
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, ACCOUNT_B, '25,50')
    expect(wrapper.get('[data-testid="transfer-review"]').text()).toContain('€25.50')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm and send')!.trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/transfers')[0]!.body).toMatchObject({ amount: '25.50' })
  })

  it('a refusal back on the form moves focus to the error summary, which links to the amount', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account('5.00')] }),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': () => problem('insufficient-funds', 409, 'Not enough money.'),
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, ACCOUNT_B, '50')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm and send')!.trigger('click')
    await flushPromises()
    const summary = wrapper.get('[data-testid="error-summary"]')
    expect(document.activeElement).toBe(summary.element)
    const link = summary.findAll('a').find((a) => a.text() === 'More than the available balance.')!
    expect(link.attributes('href')).toBe(`#${wrapper.get('input[name="amount"]').attributes('id')}`)
  })

  it('a transfer under review when the session ends is back on its review after the same person signs in again', async () => {
    let sessionValid = true
    const server = fakeApi({
      'GET /api/accounts': () => (sessionValid ? json({ items: [account('100.00')] }) : problem('unauthorized', 401)),
      'POST /api/transfers/preview': previewOk,
      'POST /api/transfers': () => problem('unauthorized', 401),
    })
    const first = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(first.wrapper, ACCOUNT_B, '12,30')
    sessionValid = false
    await first.wrapper.findAll('button').find((b) => b.text() === 'Confirm and send')!.trigger('click')
    await flushPromises()
    expect(first.session.isSignedIn).toBe(false)
    first.wrapper.unmount()

    sessionValid = true
    const again = await mountPage(TransferPage, '/transfer', customer)
    const review = again.wrapper.get('[data-testid="transfer-review"]').text()
    expect(review).toContain('IE86 IEBK 0000 0000 0000 02')
    expect(review).toContain('€12.30')
    const keys = server.sent('POST', '/api/transfers').map((r) => r.headers.get('idempotency-key'))
    expect(keys).toHaveLength(1)
  })

  it('another person signing in in the same tab does not get the draft', async () => {
    fakeApi({ 'GET /api/accounts': () => json({ items: [account('100.00')] }), 'POST /api/transfers/preview': previewOk })
    sessionStorage.setItem('iebank.transfer-draft', JSON.stringify({ username: 'someone-else', request: { from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '1.00' } }))
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    expect(wrapper.find('[data-testid="transfer-review"]').exists()).toBe(false)
    expect(sessionStorage.getItem('iebank.transfer-draft')).toBeNull()
  })

  it('checks the transfer before the review, so a refusal known now shows on the form and nothing is sent', async () => {
    const server = fakeApi({
      'GET /api/accounts': () => json({ items: [account('100.00')] }),
      'POST /api/transfers/preview': () => problem('currency-mismatch', 422, 'Both accounts must hold the same currency.'),
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, ACCOUNT_B, '10')
    const [checked] = server.sent('POST', '/api/transfers/preview')
    expect(checked!.body).toEqual({ from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '10.00' })
    expect(checked!.headers.get('idempotency-key')).toBeNull()
    expect(wrapper.find('[data-testid="transfer-review"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="error-summary"]').text()).toContain('different currencies')
    expect(document.activeElement).toBe(wrapper.get('[data-testid="error-summary"]').element)
    expect(server.sent('POST', '/api/transfers')).toHaveLength(0)
  })

  it.each([
    ['recipient-not-found', 404, 'to_account', 'No IE Bank account has this number.'],
    ['insufficient-funds', 409, 'amount', 'More than the available balance.'],
  ])('a %s refusal from the check is shown at its field', async (slug, status, field, message) => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account('100.00')] }),
      'POST /api/transfers/preview': () => problem(slug, status),
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, ACCOUNT_B, '10')
    const input = wrapper.get(`[name="${field}"]`)
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(wrapper.text()).toContain(message)
    expect(wrapper.find('[data-testid="transfer-review"]').exists()).toBe(false)
  })

  it('goes on to the review when the check itself cannot be made: the transfer decides', async () => {
    fakeApi({
      'GET /api/accounts': () => json({ items: [account('100.00')] }),
      'POST /api/transfers/preview': () => {
        throw new TypeError('Failed to fetch')
      },
    })
    const { wrapper } = await mountPage(TransferPage, '/transfer', customer)
    await fillAndReview(wrapper, ACCOUNT_B, '10')
    expect(wrapper.find('[data-testid="transfer-review"]').exists()).toBe(true)
  })
})
