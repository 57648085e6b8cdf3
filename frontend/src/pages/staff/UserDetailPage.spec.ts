import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import UserDetailPage from './UserDetailPage.vue'

const admin = { ...customer, id: '1', username: 'staff', role: 'admin' as const }
const acct = (number: string, name: string, balance: string, status = 'active') => ({
  number, name, currency: 'EUR', country: 'IE', status, balance, created_at: '2026-01-01T00:00:00Z',
})
const detail = (active: boolean, balance = '1234.50', locked = false) => ({
  ...customer,
  active,
  second_factor_blocked_until: null,
  second_factor_locked: locked,
  accounts: [acct(ACCOUNT_A, 'Current account', balance, active ? 'active' : 'closed'), acct(ACCOUNT_B, 'Savings', '0.00', active ? 'active' : 'closed')],
})
const page = { 'GET /api/manage/users/7/transactions': () => json({ items: [], next_cursor: null }) }

async function askToDelete(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper']) {
  await wrapper.findAll('button').find((b) => b.text() === 'Delete user…')!.trigger('click')
  await wrapper.findAll('button').find((b) => b.text() === 'Yes, delete user')!.trigger('click')
  await flushPromises()
}

describe('staff: one user', () => {
  it('a refused deletion says the user still holds money, lists the accounts with grouped numbers, and closes the confirm box', async () => {
    fakeApi({
      ...page,
      'GET /api/manage/users/7': () => json(detail(true)),
      'DELETE /api/manage/users/7': () => problem('account-has-balance', 409, `Move the money out first: ${ACCOUNT_A} still hold money.`),
    })
    const { wrapper } = await mountPage(UserDetailPage, '/staff/users/7', admin)
    await askToDelete(wrapper)
    const refusal = wrapper.get('[data-testid="delete-refused"]').text()
    expect(refusal).toContain('aoife still holds money')
    expect(refusal).toContain('IE16 IEBK 0000 0000 0000 01')
    expect(refusal).toContain('€1,234.50')
    expect(refusal).not.toContain(ACCOUNT_A)
    expect(refusal).not.toContain('Savings')
    expect(wrapper.find('[aria-label="Confirm deleting the user"]').exists()).toBe(false)
  })

  it('after the user is taken out of service, no empty "Take out of service" section is left', async () => {
    let active = true
    fakeApi({
      ...page,
      'GET /api/manage/users/7': () => json(detail(active, '0.00')),
      'DELETE /api/manage/users/7': () => {
        active = false
        return new Response(null, { status: 204 })
      },
    })
    const { wrapper } = await mountPage(UserDetailPage, '/staff/users/7', admin)
    await askToDelete(wrapper)
    expect(wrapper.get('[role="status"]').text()).toContain('can no longer sign in')
    expect(wrapper.findAll('h2').map((h) => h.text())).not.toContain('Take out of service')
  })

  it('the accounts table gives each account’s name beside its number', async () => {
    fakeApi({ ...page, 'GET /api/manage/users/7': () => json(detail(true)) })
    const { wrapper } = await mountPage(UserDetailPage, '/staff/users/7', admin)
    const row = wrapper.findAll('[data-testid="staff-account-row"]')[1]!.text()
    expect(row).toContain('Savings')
    expect(row).toContain('IE86 IEBK 0000 0000 0000 02')
  })

  it('resetting a password needs a confirmation, then shows the temporary password once', async () => {
    const server = fakeApi({
      ...page,
      'GET /api/manage/users/7': () => json(detail(true)),
      'POST /api/manage/users/7/password-reset': () =>
        json({ temporary_password: 'Abcd-2345-Efgh-6789', expires_at: '2026-12-04T10:00:00Z' }, 201),
    })
    const { wrapper } = await mountPage(UserDetailPage, '/staff/users/7', admin)
    await wrapper.findAll('button').find((b) => b.text() === 'Reset password…')!.trigger('click')
    expect(server.sent('POST', '/api/manage/users/7/password-reset')).toHaveLength(0)
    await wrapper.findAll('button').find((b) => b.text() === 'Yes, reset password')!.trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/manage/users/7/password-reset')).toHaveLength(1)
    const shown = wrapper.get('[data-testid="temporary-password"]').text()
    expect(shown).toContain('Abcd-2345-Efgh-6789')
    expect(shown).toContain('in person')
    expect(wrapper.findAll('button').some((b) => b.text() === 'Yes, reset password')).toBe(false)
  })

  it('says a second factor is locked, and unblocks it when staff ask', async () => {
    let locked = true
    const server = fakeApi({
      ...page,
      'GET /api/manage/users/7': () => json(detail(true, '0.00', locked)),
      'POST /api/manage/users/7/unlock': () => {
        locked = false
        return new Response(null, { status: 204 })
      },
    })
    const { wrapper } = await mountPage(UserDetailPage, '/staff/users/7', admin)
    expect(wrapper.get('[data-testid="factor-state"]').text()).toContain('blocked after repeated wrong attempts')
    await wrapper.findAll('button').find((b) => b.text() === 'Unblock sign-in')!.trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/manage/users/7/unlock')).toHaveLength(1)
    expect(wrapper.find('[data-testid="factor-state"]').exists()).toBe(false)
    expect(wrapper.get('[role="status"]').text()).toContain('aoife can sign in again at once')
  })

  it('resets the second factors only after the staff member confirms', async () => {
    const server = fakeApi({
      ...page,
      'GET /api/manage/users/7': () => json(detail(true, '0.00')),
      'POST /api/manage/users/7/second-factors/reset': () => new Response(null, { status: 204 }),
    })
    const { wrapper } = await mountPage(UserDetailPage, '/staff/users/7', admin)
    await wrapper.findAll('button').find((b) => b.text() === 'Reset second factors…')!.trigger('click')
    expect(server.sent('POST', '/api/manage/users/7/second-factors/reset')).toHaveLength(0)
    expect(wrapper.get('[aria-label="Confirm resetting the second factors"]').text()).toContain('proved who they are in person')
    await wrapper.findAll('button').find((b) => b.text() === 'Yes, reset second factors')!.trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/manage/users/7/second-factors/reset')).toHaveLength(1)
    expect(wrapper.get('[role="status"]').text()).toContain('second factors are removed')
    expect(wrapper.find('[aria-label="Confirm resetting the second factors"]').exists()).toBe(false)
  })
})
