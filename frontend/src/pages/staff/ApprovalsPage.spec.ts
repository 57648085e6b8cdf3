import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_B, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import ApprovalsPage from './ApprovalsPage.vue'

const checker = { ...customer, id: '2', username: 'checker', role: 'admin' as const }

const approval = (id: string, maker: string, status: 'pending' | 'approved' | 'rejected' = 'pending', extra = {}) => ({
  id,
  status,
  account: ACCOUNT_B,
  holder: 'Aoife Byrne',
  amount: '25000.00',
  currency: 'EUR',
  description: 'Cash at the branch',
  maker,
  created_at: '2026-01-01T10:00:00Z',
  checker: status === 'pending' ? null : 'someone',
  decided_at: status === 'pending' ? null : '2026-01-01T11:00:00Z',
  reason: status === 'rejected' ? 'Counterfeit notes' : null,
  transfer_id: status === 'approved' ? 't1' : null,
  ...extra,
})

const button = (wrapper: { findAll: (s: string) => { text: () => string; trigger: (e: string) => Promise<void> }[] }, label: string) =>
  wrapper.findAll('button').find((b) => b.text() === label)!

describe('deposit approvals', () => {
  it('lists each deposit with amount, account, holder and maker; the maker’s own waits for another admin without buttons', async () => {
    fakeApi({
      'GET /api/manage/approvals': () =>
        json({ items: [approval('a1', 'maker'), approval('a2', 'checker'), approval('a3', 'maker', 'rejected')], next_cursor: null }),
    })
    const { wrapper } = await mountPage(ApprovalsPage, '/staff/approvals', checker)
    const rows = wrapper.findAll('[data-testid="approval-row"]')
    expect(rows).toHaveLength(3)
    expect(rows[0]!.text()).toContain('€25,000.00')
    expect(rows[0]!.text()).toContain('Aoife Byrne')
    expect(rows[0]!.text()).toContain('IE86 IEBK 0000 0000 0000 02')
    expect(rows[0]!.text()).toContain('Taken by maker')
    expect(rows[0]!.findAll('button').map((b) => b.text())).toEqual(['Approve…', 'Reject…'])
    expect(rows[1]!.get('[data-testid="approval-waiting"]').text()).toContain('Waiting for another admin')
    expect(rows[1]!.findAll('button')).toHaveLength(0)
    expect(rows[2]!.text()).toContain('Rejected by someone')
    expect(rows[2]!.text()).toContain('Counterfeit notes')
    expect(rows[2]!.findAll('button')).toHaveLength(0)
  })

  it('approves only after the confirmation, once, and shows the list again with the decision', async () => {
    let decided = false
    const server = fakeApi({
      'GET /api/manage/approvals': () => json({ items: [decided ? approval('a1', 'maker', 'approved') : approval('a1', 'maker')], next_cursor: null }),
      'POST /api/manage/approvals/a1/approve': () => {
        decided = true
        return json(approval('a1', 'maker', 'approved'))
      },
    })
    const { wrapper } = await mountPage(ApprovalsPage, '/staff/approvals', checker)
    await button(wrapper, 'Approve…').trigger('click')
    expect(server.sent('POST', '/api/manage/approvals/a1/approve')).toHaveLength(0)
    expect(wrapper.get('[role="group"]').text()).toContain('Approve €25,000.00 into IE86 IEBK 0000 0000 0000 02? The money is paid in at once.')
    const yes = button(wrapper, 'Yes, approve deposit')
    await yes.trigger('click')
    await yes.trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/manage/approvals/a1/approve')).toHaveLength(1)
    expect(wrapper.get('[data-testid="approval-done"]').text()).toBe('Approved: €25,000.00 paid into IE86 IEBK 0000 0000 0000 02.')
    expect(wrapper.get('[data-testid="approval-status"]').text()).toBe('Approved')
  })

  it('cancelling the confirmation sends nothing', async () => {
    const server = fakeApi({ 'GET /api/manage/approvals': () => json({ items: [approval('a1', 'maker')], next_cursor: null }) })
    const { wrapper } = await mountPage(ApprovalsPage, '/staff/approvals', checker)
    await button(wrapper, 'Approve…').trigger('click')
    await button(wrapper, 'Cancel').trigger('click')
    expect(wrapper.find('[role="group"]').exists()).toBe(false)
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  })

  it('rejects with the reason typed, and asks for one when it is missing', async () => {
    const server = fakeApi({
      'GET /api/manage/approvals': () => json({ items: [approval('a1', 'maker')], next_cursor: null }),
      'POST /api/manage/approvals/a1/reject': () => json(approval('a1', 'maker', 'rejected')),
    })
    const { wrapper } = await mountPage(ApprovalsPage, '/staff/approvals', checker)
    await button(wrapper, 'Reject…').trigger('click')
    await button(wrapper, 'Yes, reject deposit').trigger('click')
    expect(wrapper.text()).toContain('Say why the deposit is rejected.')
    expect(server.sent('POST', '/api/manage/approvals/a1/reject')).toHaveLength(0)
    await wrapper.get('input[name="reason"]').setValue('  Counterfeit notes  ')
    await button(wrapper, 'Yes, reject deposit').trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/manage/approvals/a1/reject')[0]!.body).toEqual({ reason: 'Counterfeit notes' })
    expect(wrapper.get('[data-testid="approval-done"]').text()).toContain('Rejected: nothing was paid into')
  })

  it('a deposit another admin decided first is explained and the list reloaded', async () => {
    let reads = 0
    fakeApi({
      'GET /api/manage/approvals': () => {
        reads += 1
        return json({ items: [reads > 1 ? approval('a1', 'maker', 'approved') : approval('a1', 'maker')], next_cursor: null })
      },
      'POST /api/manage/approvals/a1/approve': () => problem('approval-not-pending', 409, 'This deposit was approved already.'),
    })
    const { wrapper } = await mountPage(ApprovalsPage, '/staff/approvals', checker)
    await button(wrapper, 'Approve…').trigger('click')
    await button(wrapper, 'Yes, approve deposit').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('already been approved or rejected by another admin')
    expect(reads).toBe(2)
    expect(wrapper.get('[data-testid="approval-status"]').text()).toBe('Approved')
  })

  it('filters by status through the API', async () => {
    const server = fakeApi({ 'GET /api/manage/approvals': () => json({ items: [], next_cursor: null }) })
    const { wrapper } = await mountPage(ApprovalsPage, '/staff/approvals', checker)
    await wrapper.get('[data-testid="approvals-status"]').setValue('rejected')
    await flushPromises()
    const reads = server.sent('GET', '/api/manage/approvals')
    expect(reads[0]!.query.get('status')).toBeNull()
    expect(reads.at(-1)!.query.get('status')).toBe('rejected')
    expect(wrapper.text()).toContain('No deposits rejected to show.')
  })

  it('is a staff page: the router sends a customer elsewhere', async () => {
    fakeApi({})
    const { router } = await mountPage(ApprovalsPage, '/staff/approvals', customer)
    expect(router.currentRoute.value.name).toBe('forbidden')
  })
})
