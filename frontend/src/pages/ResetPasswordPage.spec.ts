import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { fakeApi, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import ForgotPasswordPage from './ForgotPasswordPage.vue'
import ResetPasswordPage from './ResetPasswordPage.vue'

const TOKEN = 'k3Y-abcdefghijklmnopqrstuvwxyz0123456789'
const noContent = (status: number) => () => new Response(null, { status })

async function choose(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], password: string) {
  for (const input of wrapper.findAll('input[type="password"]')) await input.setValue(password)
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

describe('forgotten password', () => {
  it('gives the same answer whatever was typed, so it tells no one who banks here', async () => {
    const server = fakeApi({ 'POST /api/auth/password-reset': noContent(202) })
    const { wrapper } = await mountPage(ForgotPasswordPage, '/forgot-password?username=aoife', null)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/auth/password-reset')[0]!.body).toEqual({ login: 'aoife' })
    expect(wrapper.get('[role="status"]').text()).toContain('If aoife is an IE Bank username or email')
  })
})

describe('reset password page', () => {
  it('reads the token from after "#", takes it out of the address bar, and sets the new password', async () => {
    const server = fakeApi({ 'POST /api/auth/password-reset/confirm': noContent(204) })
    const { wrapper, router } = await mountPage(ResetPasswordPage, `/reset-password#token=${TOKEN}`, null)
    expect(router.currentRoute.value.hash).toBe('')
    await choose(wrapper, 'Brand-new-pass-9')
    expect(server.sent('POST', '/api/auth/password-reset/confirm')[0]!.body).toEqual({
      token: TOKEN,
      new_password: 'Brand-new-pass-9',
      new_password_confirmation: 'Brand-new-pass-9',
    })
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('sign-in'))
    expect(router.currentRoute.value.query.reset).toBe('1')
  })

  it('a used or expired link says so and offers a new one', async () => {
    fakeApi({ 'POST /api/auth/password-reset/confirm': () => problem('reset-link-invalid', 400) })
    const { wrapper, router } = await mountPage(ResetPasswordPage, `/reset-password#token=${TOKEN}`, null)
    await choose(wrapper, 'Brand-new-pass-9')
    expect(wrapper.get('[role="alert"]').text()).toContain('This link is not valid any more')
    expect(wrapper.findAll('a').some((a) => a.text() === 'Ask for a new link')).toBe(true)
    expect(router.currentRoute.value.name).toBe('reset-password')
  })

  it('without a token asks for the whole link', async () => {
    fakeApi({})
    const { wrapper } = await mountPage(ResetPasswordPage, '/reset-password', null)
    expect(wrapper.find('form').exists()).toBe(false)
    expect(wrapper.text()).toContain('needs the whole link')
  })
})
