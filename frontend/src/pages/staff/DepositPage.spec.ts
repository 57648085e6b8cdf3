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

  it('names the account field when the account does not exist', async () => {
    fakeApi({ [`POST /api/manage/accounts/${ACCOUNT_B}/deposits`]: () => problem('account-not-found', 404, 'No such account.') })
    const { wrapper } = await mountPage(DepositPage, '/staff/deposit', admin)
    await wrapper.get('input[maxlength="34"]').setValue(ACCOUNT_B)
    await wrapper.get('input[inputmode="decimal"]').setValue('1')
    await wrapper.get('form').trigger('submit')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm deposit')!.trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('No IE Bank account has this number.')
  })
})
