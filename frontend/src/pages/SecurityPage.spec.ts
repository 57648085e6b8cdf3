import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import SecurityPage from './SecurityPage.vue'

const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'
const phone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'
const here = { id: 's-1', created_at: '2026-12-03T09:00:00Z', last_used_at: '2026-12-03T10:00:00Z', user_agent: chrome, current: true }
const there = { id: 's-2', created_at: '2026-12-01T09:00:00Z', last_used_at: '2026-12-02T20:00:00Z', user_agent: phone, current: false }
const noContent = () => new Response(null, { status: 204 })

async function fill(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], current: string, next: string, again = next) {
  const inputs = wrapper.findAll('input[type="password"]')
  await inputs[0]!.setValue(current)
  await inputs[1]!.setValue(next)
  await inputs[2]!.setValue(again)
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

describe('security page', () => {
  it('lists where the person is signed in and signs out one other device', async () => {
    let live = [here, there]
    const server = fakeApi({
      'GET /api/me/sessions': () => json({ items: live }),
      'DELETE /api/me/sessions/s-2': () => {
        live = [here]
        return noContent()
      },
    })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    const rows = wrapper.findAll('[data-testid="sessions"] tbody tr')
    expect(rows.map((r) => r.text())).toEqual([expect.stringContaining('Chrome on Linux'), expect.stringContaining('Safari on iOS')])
    expect(rows[0]!.text()).toContain('This device')
    await rows[1]!.get('button').trigger('click')
    await flushPromises()
    expect(server.sent('DELETE', '/api/me/sessions/s-2')).toHaveLength(1)
    expect(wrapper.findAll('[data-testid="sessions"] tbody tr')).toHaveLength(1)
    expect(wrapper.get('[role="status"]').text()).toContain('Signed out: Safari on iOS')
  })

  it('"Sign out everywhere else" says how many it ended, and is off when there is nowhere else', async () => {
    let live = [here, there]
    fakeApi({
      'GET /api/me/sessions': () => json({ items: live }),
      'POST /api/me/sessions/revoke-all': () => {
        live = [here]
        return json({ revoked: 1 })
      },
    })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    const everywhere = () => wrapper.findAll('button').find((b) => b.text() === 'Sign out everywhere else')!
    await everywhere().trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('Signed out 1 other session.')
    expect(everywhere().attributes('disabled')).toBeDefined()
  })

  it('changes the password and says the other sessions are signed out', async () => {
    const server = fakeApi({ 'GET /api/me/sessions': () => json({ items: [here] }), 'POST /api/me/password': noContent })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    await fill(wrapper, 'Old-pass-123', 'New-pass-456')
    expect(server.sent('POST', '/api/me/password')[0]!.body).toEqual({
      current_password: 'Old-pass-123',
      new_password: 'New-pass-456',
      new_password_confirmation: 'New-pass-456',
    })
    expect(wrapper.text()).toContain('Your password is changed')
    expect((wrapper.findAll('input[type="password"]')[0]!.element as HTMLInputElement).value).toBe('')
  })

  it('checks the new password before sending it, and shows a wrong current password at its field', async () => {
    const server = fakeApi({
      'GET /api/me/sessions': () => json({ items: [here] }),
      'POST /api/me/password': () =>
        problem('validation-error', 422, '', [{ field: 'current_password', message: 'is not your current password' }]),
    })
    const { wrapper, session } = await mountPage(SecurityPage, '/security', customer)
    await fill(wrapper, 'Old-pass-123', 'short', 'short')
    expect(server.sent('POST', '/api/me/password')).toHaveLength(0)
    expect(wrapper.text()).toContain('Use at least 8 characters.')
    await fill(wrapper, 'Wrong-pass-1', 'New-pass-456')
    expect(wrapper.text()).toContain('is not your current password')
    expect(session.isSignedIn).toBe(true)
  })

  it('after a staff reset, asks only for the new password, then goes to the person’s accounts', async () => {
    fakeApi({ 'POST /api/me/password': noContent, 'GET /api/accounts': () => json({ items: [] }) })
    const { wrapper, router, session } = await mountPage(SecurityPage, '/security', customer)
    session.passwordChangeRequired = true
    await flushPromises()
    expect(wrapper.get('h1').text()).toBe('Choose your own password')
    expect(wrapper.find('[data-testid="sessions"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('Temporary password')
    await fill(wrapper, 'Abcd-2345-Efgh-6789', 'Mine-own-pass-7')
    expect(session.passwordChangeRequired).toBe(false)
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('dashboard'))
  })
})
