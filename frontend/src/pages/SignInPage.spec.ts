import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { bank } from '@/config/bank'
import { fakeApi, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import SignInPage from './SignInPage.vue'

describe('sign-in page', () => {
  it('shows one notice at a time: a failed attempt replaces "your account is open"', async () => {
    fakeApi({ 'POST /api/auth/login': () => problem('invalid-credentials', 401) })
    const { wrapper } = await mountPage(SignInPage, '/sign-in?registered=1&username=aoife', null)
    expect(wrapper.text()).toContain('Your IE Bank account is open')
    await wrapper.get('input[type="password"]').setValue('wrong-pass-1')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('Wrong username or password.')
    expect(wrapper.text()).not.toContain('Your IE Bank account is open')
    expect(wrapper.findAll('.notice, .alert')).toHaveLength(1)
  })

  it('keeps the username it was given (after registering or when a session ended)', async () => {
    fakeApi({})
    const { wrapper } = await mountPage(SignInPage, '/sign-in?expired=1&username=aoife', null)
    expect((wrapper.get('input[autocomplete="username"]').element as HTMLInputElement).value).toBe('aoife')
    expect(wrapper.text()).toContain('Your session has ended')
  })

  it('a deactivated customer with the right password is told the sign-in is disabled and how to reach the bank', async () => {
    fakeApi({ 'POST /api/auth/login': () => problem('sign-in-disabled', 403, 'Your sign-in is disabled.') })
    const { wrapper, router } = await mountPage(SignInPage, '/sign-in', null)
    await wrapper.get('input[autocomplete="username"]').setValue('aoife')
    await wrapper.get('input[type="password"]').setValue('right-pass-1')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const alert = wrapper.get('[role="alert"]').text()
    expect(alert).toContain('Your sign-in is disabled')
    expect(alert).toContain(bank.phone)
    expect(alert).not.toContain('Wrong username or password')
    expect(router.currentRoute.value.name).toBe('sign-in')
  })
})
