import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import DepositPage from './DepositPage.vue'

const admin = { ...customer, id: '1', username: 'staff', role: 'admin' as const }

describe('cash deposit', () => {
  it('takes the account from the link, confirms, and deposits once with an Idempotency-Key', async () => {
    const server = fakeApi({
      [`POST /api/manage/accounts/${ACCOUNT_B}/deposits`]: () =>
        json({ id: 'd1', from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '250.00', currency: 'EUR', description: 'Cash', kind: 'deposit', created_at: '2026-01-01T00:00:00Z' }, 201),
    })
    const { wrapper } = await mountPage(DepositPage, `/staff/deposit?account=${ACCOUNT_B}`, admin)
    expect((wrapper.get('input[maxlength="34"]').element as HTMLInputElement).value).toBe(ACCOUNT_B)
    await wrapper.get('input[inputmode="decimal"]').setValue('250')
    await wrapper.get('form').trigger('submit')
    const confirm = wrapper.findAll('button').find((b) => b.text() === 'Confirm deposit')!
    await confirm.trigger('click')
    await confirm.trigger('click')
    await flushPromises()
    const sent = server.sent('POST', `/api/manage/accounts/${ACCOUNT_B}/deposits`)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.body).toEqual({ amount: '250.00' })
    expect(sent[0]!.headers.get('idempotency-key')).toBeTruthy()
    expect(wrapper.get('[data-testid="deposit-done"]').text()).toContain('€250.00')
  })

  it.each(['account-not-found', 'recipient-not-found'])(
    'an unknown account (%s) says "account not found" at the account field, not a message about recipients',
    async (slug) => {
      fakeApi({ [`POST /api/manage/accounts/${ACCOUNT_B}/deposits`]: () => problem(slug, 404, 'No account with that number can receive money.') })
      const { wrapper } = await mountPage(DepositPage, '/staff/deposit', admin)
      await wrapper.get('input[maxlength="34"]').setValue(ACCOUNT_B)
      await wrapper.get('input[inputmode="decimal"]').setValue('1')
      await wrapper.get('form').trigger('submit')
      await wrapper.findAll('button').find((b) => b.text() === 'Confirm deposit')!.trigger('click')
      await flushPromises()
      const input = wrapper.get('input[name="account"]')
      expect(input.attributes('aria-invalid')).toBe('true')
      expect(wrapper.get(`#${input.attributes('aria-describedby')}`).text()).toBe('Account not found: no IE Bank account has this number.')
      expect(wrapper.text()).not.toMatch(/recipient/i)
      expect(document.activeElement).toBe(wrapper.get('[data-testid="error-summary"]').element)
    },
  )

  it('coming from a customer’s page, the review names the holder, the account and its currency', async () => {
    fakeApi({
      'GET /api/manage/users/7': () =>
        json({ ...customer, accounts: [{ number: ACCOUNT_B, name: 'Holiday fund', currency: 'GBP', country: 'IE', status: 'active', balance: '3.00', created_at: '2026-01-01T00:00:00Z' }] }),
    })
    const { wrapper } = await mountPage(DepositPage, `/staff/deposit?account=${ACCOUNT_B}&user=7`, admin)
    expect(wrapper.text()).toContain('Amount (GBP)')
    await wrapper.get('input[inputmode="decimal"]').setValue('25,50')
    await wrapper.get('form').trigger('submit')
    const review = wrapper.get('[data-testid="deposit-review"]').text()
    expect(review).toContain('Holiday fund')
    expect(review).toContain('Aoife Byrne (aoife)')
    expect(review).toContain('GBP')
    expect(review).toContain('£25.50')
  })
})

describe('cash deposit above the approval threshold', () => {
  it('on a 202 says it waits for a second admin’s approval, and does not say it was deposited', async () => {
    fakeApi({
      [`POST /api/manage/accounts/${ACCOUNT_B}/deposits`]: () =>
        json(
          {
            id: 'a1', status: 'pending', account: ACCOUNT_B, holder: 'Aoife Byrne', amount: '25000.00', currency: 'EUR',
            description: '', maker: 'staff', created_at: '2026-01-01T00:00:00Z', checker: null, decided_at: null, reason: null, transfer_id: null,
          },
          202,
        ),
    })
    const { wrapper } = await mountPage(DepositPage, `/staff/deposit?account=${ACCOUNT_B}`, admin)
    await wrapper.get('input[inputmode="decimal"]').setValue('25000')
    await wrapper.get('form').trigger('submit')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm deposit')!.trigger('click')
    await flushPromises()
    const notice = wrapper.get('[data-testid="deposit-awaiting"]').text()
    expect(notice).toContain("Waiting for a second admin's approval")
    expect(notice).toContain('€25,000.00')
    expect(notice).toContain('Aoife Byrne')
    expect(notice).toContain('nothing has been paid in yet')
    expect(wrapper.find('[data-testid="deposit-done"]').exists()).toBe(false)
    expect(wrapper.get('a[href="/staff/approvals"]').text()).toBe('Approvals')
  })

  it('refuses a deposit into the staff member’s own account with a plain message', async () => {
    fakeApi({ [`POST /api/manage/accounts/${ACCOUNT_B}/deposits`]: () => problem('own-account-deposit', 403, 'You cannot deposit into an account you own.') })
    const { wrapper } = await mountPage(DepositPage, `/staff/deposit?account=${ACCOUNT_B}`, admin)
    await wrapper.get('input[inputmode="decimal"]').setValue('5')
    await wrapper.get('form').trigger('submit')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm deposit')!.trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('Staff cannot deposit into, approve or reject deposits into their own accounts')
  })
})
