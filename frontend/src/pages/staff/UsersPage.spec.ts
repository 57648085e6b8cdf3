import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import UsersPage from './UsersPage.vue'

const admin = { ...customer, id: '1', username: 'staff', role: 'admin' as const }
const summary = (n: number) => ({ ...customer, id: String(n), username: `user${n}`, account_count: 1, balances: [{ currency: 'EUR', balance: '1.00' }] })

describe('staff user list', () => {
  it('searches with q and pages forwards and back with cursors', async () => {
    const server = fakeApi({
      'GET /api/manage/users': (request) =>
        request.query.get('cursor') === 'c2'
          ? json({ items: [summary(3)], next_cursor: null })
          : json({ items: [summary(1), summary(2)], next_cursor: 'c2' }),
    })
    const { wrapper } = await mountPage(UsersPage, '/staff/users', admin)
    expect(wrapper.findAll('[data-testid="user-row"]')).toHaveLength(2)

    await wrapper.get('input').setValue('aoife')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(server.requests.at(-1)!.query.get('q')).toBe('aoife')

    const next = wrapper.findAll('button').find((b) => b.text() === 'Next page')!
    await next.trigger('click')
    await flushPromises()
    expect(server.requests.at(-1)!.query.get('cursor')).toBe('c2')
    expect(wrapper.text()).toContain('user3')
    expect(wrapper.text()).toContain('Page 2')

    await wrapper.findAll('button').find((b) => b.text() === 'Previous page')!.trigger('click')
    await flushPromises()
    expect(server.requests.at(-1)!.query.has('cursor')).toBe(false)
    expect(wrapper.text()).toContain('user1')
  })

  it('shows the refusal and no data when the API says no', async () => {
    fakeApi({ 'GET /api/manage/users': () => problem('forbidden', 403) })
    const { wrapper } = await mountPage(UsersPage, '/staff/users', admin)
    expect(wrapper.get('[role="alert"]').text()).toContain('You do not have access')
    expect(wrapper.findAll('[data-testid="user-row"]')).toHaveLength(0)
  })
})
